"""What a detection returns: the language, how sure, how it was decided, a mixed text's parts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Part:
    """One language run of a mixed text; ``start``/``end`` index the cleaned text."""

    lang: str
    confidence: float
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Detection:
    """What ``detect`` decided: ISO 639-1 code (``und``, ``mul``), confidence and how.

    ``method`` names what decided: ``ensemble`` (the detectors' vote), ``ensemble+cues`` (the
    vote reweighed by the Swedish/Norwegian/Danish cues), ``hint+detector``, ``hint``,
    ``mixed`` (then ``parts`` holds the runs), ``too-short`` or ``ambiguous`` (both ``und``), or
    one detector's name when only one ran.
    """

    lang: str
    confidence: float
    method: str
    parts: tuple[Part, ...] = ()

    def __post_init__(self) -> None:
        # six decimals: the last bits of a float sum must not make two runs differ
        object.__setattr__(self, "confidence", round(float(self.confidence), 6))

    def as_dict(self, *, with_part_text: bool = True) -> dict[str, Any]:
        """The detection as JSON-ready values (confidences to four decimals)."""
        out: dict[str, Any] = {"lang": self.lang, "confidence": round(self.confidence, 4),
                               "method": self.method}
        if self.parts:
            out["parts"] = [
                {k: (round(v, 4) if k == "confidence" else v) for k, v in asdict(p).items()
                 if with_part_text or k != "text"}
                for p in self.parts]
        return out


__all__ = ["Detection", "Part"]
