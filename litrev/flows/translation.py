"""The translation step: read what needs translating, ask the chain, save in one short write.

Why this shape: the provider may be slow or unreachable, so no database connection is held
while it works. Lookups run on the snapshot (``read_session``), so a running harvest is never
blocked; the answers are saved in one short ``write_session``. No Prefect here: the harvest
flow runs :func:`run_translation` as one task, and ``litrev translate`` calls it directly.

Every run retries the texts left ``pending`` (the provider was unreachable or down), so the
next nightly run picks them up by itself; ``retry_failed=True`` (``--retry-failed``) also
retries the ones that ``failed`` (the provider refused them).

    run = run_translation("corpus.ducklake", profile)
    run.by_status, run.provider_calls, run.circuit_open
    # -> ({'machine': 12, 'tm': 3}, 12, False)
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from litrev.extract.profile import Profile
from litrev.extract.translate import (
    ChainResult,
    TextToTranslate,
    TranslationEngine,
    provider_class,
    resolve_chain,
)
from litrev.extract.translation_memory import memory_key, read_memory
from litrev.store import translations as store_tr
from litrev.store.db import read_session, waiting_write_session
from litrev.vocabulary import TranslationStatus


@dataclass(frozen=True)
class AnswerSources:
    """Where the translations of one run came from, by link of the chain."""

    human: int = 0
    memory: int = 0
    cache: int = 0
    provider: int = 0

    @classmethod
    def of(cls, results: list[ChainResult]) -> AnswerSources:
        def count(status: TranslationStatus, *, new: bool | None = None) -> int:
            return sum(1 for r in results if r.status == status
                       and (new is None or r.new_cache_entry == new))

        return cls(human=count(TranslationStatus.HUMAN), memory=count(TranslationStatus.TM),
                   cache=count(TranslationStatus.MACHINE, new=False),
                   provider=count(TranslationStatus.MACHINE, new=True))


@dataclass(frozen=True)
class TranslationRun:
    """What one translation run did.

    ``texts``: texts looked at; ``by_status``: answers saved per status, most frequent first;
    ``by_source``: where the translations came from; ``provider_calls``: requests for pieces,
    retries included; ``circuit_open``/``circuit_reason``: the provider counted as down;
    ``numbers_mismatch``: translations whose numbers differ from the original's.
    """

    texts: int
    target_language: str
    by_status: dict[TranslationStatus, int]
    by_source: AnswerSources
    provider: str
    provider_calls: int
    circuit_open: bool
    circuit_reason: str | None
    numbers_mismatch: int
    seconds: float
    # when the run read what to translate (ISO 8601, UTC): the next harvest looks only at texts
    # stored or changed after it
    read_at: str | None = None

    def count(self, status: TranslationStatus) -> int:
        return self.by_status.get(status, 0)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (``--json``, the harvest summary stored in the ledger)."""
        return asdict(self)


@dataclass(frozen=True)
class MemoryImport:
    """What importing one translation memory file did: ``entries`` read, ``stored`` (new or
    changed), ``skipped`` units, ``applied`` (stored texts now translated by the memory)."""

    file: str
    origin: str
    entries: int
    stored: int
    skipped: int
    applied: int
    pairs: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_translation(db_path: str | os.PathLike[str], profile: Profile, *,
                    retry_failed: bool = False, limit: int | None = None,
                    provider: str | None = None,
                    engine: TranslationEngine | None = None,
                    changed_only: bool = False) -> TranslationRun:
    """Translate what needs translating into the profile's target language.

    ``provider`` overrides ``profile.translation.provider`` (``litrev translate --provider``);
    ``engine`` replaces the online provider altogether (tests). ``changed_only`` (a harvest):
    only the texts stored or changed since the last harvest that translated, and the pending
    ones when a provider can answer them (without one, a pending text stays pending: nothing
    in the chain can change it but a human correction or memory import, which apply
    themselves), so that a quiet night reads no excerpt
    (:func:`litrev.store.translations.texts_changed_to_translate`).
    """
    started = time.monotonic()
    target = profile.target_language
    name = provider or profile.translation.provider
    if engine is None and provider_class(name).online:
        engine = TranslationEngine.from_profile(profile, provider=name)
    provider_name = engine.client.name if engine is not None else None

    read_at = dt.datetime.now(dt.UTC)
    with read_session(db_path) as con:
        frame = None
        if changed_only and limit is None:
            frame = store_tr.texts_changed_to_translate(
                con, target, retry_pending=engine is not None, include_failed=retry_failed)
        if frame is None:
            frame = store_tr.texts_to_translate(con, target, include_failed=retry_failed,
                                                limit=limit)
        todo = [store_tr.TodoText(h, text, lang, memory_key(text))
                for h, text, lang in zip(frame["text_hash"], frame["text"],
                                         frame["source_language"], strict=True)]
        found = store_tr.lookups(con, todo, target, provider_name)

    items = [TextToTranslate(t.text_hash, t.text, t.source_language) for t in todo]
    keys = {t.text: t.memory_key for t in todo}
    results = resolve_chain(items, target, human=found.human, memory=found.memory,
                            memory_key=keys.__getitem__, cache=found.cache, engine=engine)

    if results:
        with waiting_write_session(db_path) as con:
            store_tr.save_results(con, results, now=dt.datetime.now(dt.UTC))

    return TranslationRun(
        texts=len(results),
        target_language=target,
        by_status=dict(Counter(r.status for r in results).most_common()),
        by_source=AnswerSources.of(results),
        provider=provider_name or "none",
        provider_calls=engine.calls if engine is not None else 0,
        circuit_open=bool(engine and engine.circuit_open),
        circuit_reason=engine.circuit_reason if engine is not None else None,
        numbers_mismatch=sum(1 for r in results if r.numbers_mismatch),
        seconds=round(time.monotonic() - started, 3),
        read_at=read_at.isoformat(),
    )


def import_translation_memory(db_path: str | os.PathLike[str], path: str | os.PathLike[str], *,
                              source_language: str | None = None,
                              target_language: str | None = None) -> MemoryImport:
    """Import a TMX or two-column CSV memory and apply it at once to the stored texts.

    Texts whose normalised form matches an entry get status ``tm`` (replacing a machine,
    pending or failed translation; never a human one).
    """
    path = Path(path)
    memory = read_memory(path, source_language=source_language,
                         target_language=target_language)
    pairs = sorted({(e.source_language, e.target_language) for e in memory.entries})
    by_key = {(e.key, e.source_language, e.target_language): e for e in memory.entries}
    results: list[ChainResult] = []
    with waiting_write_session(db_path) as con:
        for src, tgt in pairs:
            candidates = store_tr.memory_candidates(con, src, tgt)
            found: dict[str, tuple[TextToTranslate, Any]] = {}
            for h, text, lang in zip(candidates["text_hash"], candidates["text"],
                                     candidates["source_language"], strict=True):
                entry = by_key.get((memory_key(text), src, tgt))
                if entry is not None:
                    found[h] = (TextToTranslate(h, text, lang), entry)
            items = [item for item, _ in found.values()]
            mem = {(e.key, src): (e.target_text, path.name) for _, e in found.values()}
            results += resolve_chain(items, tgt, memory=mem, engine=None)
        from_memory = [r for r in results if r.status == TranslationStatus.TM]
        saved = store_tr.save_memory_and_results(con, memory.entries, memory.origin,
                                                  from_memory, now=dt.datetime.now(dt.UTC))
    return MemoryImport(file=path.name, origin=memory.origin, entries=len(memory.entries),
                        stored=saved.entries_stored, skipped=memory.skipped,
                        applied=len(from_memory), pairs=[f"{s}>{t}" for s, t in pairs])

