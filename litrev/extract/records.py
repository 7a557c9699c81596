"""The common records every source maps to, and that ``store`` loads.

A source's pure ``to_record(raw)`` returns one :class:`SourceRecord`: the work the source
described, the excerpts (abstract, title, citation statements) it carries, and the works it cites
or is cited by. Ids are computed by :mod:`extract.normalize`, so the same work reached through
different sources gets the same ``work_id``.

Example::

    >>> from litrev.extract.records import Work, SourceRecord
    >>> w = Work.create(doi="https://doi.org/10.1177/0020764020904764", title="Challenges ...",
    ...                 year=2020)
    >>> w.work_id
    'doi:10.1177/0020764020904764'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from litrev.extract import normalize
from litrev.vocabulary import ExcerptKind

_Record = TypeVar("_Record", "Work", "Excerpt", "SourceRecord")


def with_fields(record: _Record, **changes: Any) -> _Record:
    """A copy of ``record`` with ``changes``: what ``dataclasses.replace`` returns, a tenth of
    its cost (0.8 against 8.6 microseconds for an excerpt).

    Why: language detection sets three fields on every excerpt and work of a harvest (hundreds
    of thousands); ``replace`` runs ``__init__`` with every field, each set through the frozen
    class's guard. These classes compute nothing in ``__init__`` (no ``__post_init__``, no
    field derived from another), so copying the fields builds the same object
    (tests/test_records.py compares the two). Only the names of fields may be changed.

        >>> excerpt = Excerpt.create(work_id="w1", kind="abstract", text="Vertaistuki auttaa")
        >>> with_fields(excerpt, language="fi", language_confidence=0.98).language
        'fi'
    """
    unknown = changes.keys() - record.__dict__.keys()
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {', '.join(sorted(unknown))}")
    copy = object.__new__(type(record))
    fields = copy.__dict__
    fields.update(record.__dict__)
    fields.update(changes)
    return copy


@dataclass(frozen=True)
class Work:
    work_id: str
    doi: str | None = None
    openalex_id: str | None = None
    s2_id: str | None = None
    pmid: str | None = None
    urn: str | None = None
    handle: str | None = None
    title: str | None = None
    year: int | None = None
    venue: str | None = None
    work_type: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None  # the metadata language the source gives (a hint, not detected)
    url: str | None = None
    is_seed: bool = False
    synthetic: bool = False
    # the title's language as detected (``extract.language.detect_records``), never a source's
    title_language: str | None = None
    title_language_confidence: float | None = None
    title_language_method: str | None = None

    @classmethod
    def create(cls, **fields: Any) -> Work:
        """Build a work, normalising the DOI, cleaning the title and computing ``work_id``."""
        fields["doi"] = normalize.normalize_doi(fields.get("doi"))
        if fields.get("title") is not None:
            fields["title"] = normalize.clean_text(fields["title"]) or None
        fields["authors"] = tuple(a for a in (fields.get("authors") or ()) if a)
        fields["work_id"] = normalize.work_id(
            doi=fields["doi"],
            openalex_id=fields.get("openalex_id"),
            s2_id=fields.get("s2_id"),
            pmid=fields.get("pmid"),
            urn=fields.get("urn"),
            handle=fields.get("handle"),
            title=fields.get("title"),
            year=fields.get("year"),
        )
        return cls(**fields)


@dataclass(frozen=True)
class Excerpt:
    """A text to review: an abstract, a title, or a citation statement."""

    excerpt_id: str
    work_id: str
    kind: ExcerptKind
    text: str
    cited_work_id: str | None = None
    section: str | None = None
    stance: str | None = None
    stance_confidence: float | None = None
    intents: tuple[str, ...] = ()
    is_influential: bool | None = None
    language_hint: str | None = None
    synthetic: bool = False
    origin: str | None = None  # where the text itself came from (file path, repository, page)
    # the text's language as detected (``extract.language.detect_records``), never a source's
    language: str | None = None
    language_confidence: float | None = None
    language_method: str | None = None
    # a part of a mixed-language text names the whole text's excerpt
    parent_excerpt_id: str | None = None
    # Citation statements read from a full text (extract.jats): ``text`` is the clean copy
    # (markers removed) that is detected, translated and coded; ``marked_text`` the sentence
    # as printed, with its markers; the sentences around it; the section's normalised kind;
    # how the cited work was found in the reference list.
    marked_text: str | None = None
    context_before: str | None = None
    context_after: str | None = None
    section_kind: str | None = None
    match_method: str | None = None

    @classmethod
    def create(cls, *, work_id: str, kind: ExcerptKind | str, text: str,
               cited_work_id: str | None = None, **fields: Any) -> Excerpt:
        """Build an excerpt with cleaned text and its stable id."""
        try:
            kind = ExcerptKind(kind)
        except ValueError:
            raise ValueError(f"excerpt kind must be one of {', '.join(ExcerptKind)}, "
                             f"got {kind!r}") from None
        clean = normalize.clean_text(text)
        fields["intents"] = tuple(fields.get("intents") or ())
        return cls(
            excerpt_id=normalize.excerpt_id(work_id, kind, cited_work_id, clean),
            work_id=work_id, kind=kind, text=clean, cited_work_id=cited_work_id, **fields,
        )

    def part(self, text: str) -> Excerpt:
        """A run of this excerpt's text (one language of a mixed-language abstract) as an
        excerpt of its own: same work, kind, cited work and other fields, the run's text, its
        own stable id, and ``parent_excerpt_id`` naming this excerpt."""
        return replace(self, text=text, parent_excerpt_id=self.excerpt_id,
                       excerpt_id=normalize.excerpt_id(self.work_id, self.kind,
                                                       self.cited_work_id, text))


def abstracts_or_title(work: Work, abstracts: tuple[Excerpt, ...], *,
                       language_hint: str | None = None, origin: str | None = None,
                       synthetic: bool = False) -> tuple[Excerpt, ...]:
    """A work's abstract excerpts, or, when it has none, its title as a ``title`` excerpt.

    Why: without an abstract the title is what reviewers screen, so it must be detected,
    translated and coded like an abstract; every source follows this one rule.

        >>> w = Work.create(doi="10.1/x", title="Vertaistuki psykiatriassa")
        >>> [(str(e.kind), e.text) for e in abstracts_or_title(w, ())]
        [('title', 'Vertaistuki psykiatriassa')]
    """
    if abstracts or not work.title or not normalize.clean_text(work.title):
        return tuple(abstracts)
    return (Excerpt.create(work_id=work.work_id, kind=ExcerptKind.TITLE, text=work.title,
                           language_hint=language_hint, origin=origin, synthetic=synthetic),)


@dataclass(frozen=True)
class SourceRecord:
    """What one raw record of one source yields.

    ``related`` holds the other works the record names (the cited work of a citation edge, the
    citing work of a forward citation); ``citations`` holds (citing_work_id, cited_work_id)
    pairs. ``deleted`` marks a record the source reports as withdrawn (OAI-PMH ``deleted``).
    """

    source: str
    source_record_id: str
    work: Work
    excerpts: tuple[Excerpt, ...] = ()
    related: tuple[Work, ...] = ()
    citations: tuple[tuple[str, str], ...] = ()
    deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
