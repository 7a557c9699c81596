"""The translation step: read what needs translating, ask the chain, save in one short write.

Why this shape: the provider may be slow or unreachable, so no database connection is held
while it works. Lookups run on the snapshot (``read_session``), so a running harvest is never
blocked; the answers are saved in one short ``write_session``. No Prefect here: the harvest
flow runs :func:`run_translation` as one task, and ``litrev translate`` calls it directly.

Every run retries the texts left ``pending`` (the provider was unreachable or down), so the
next nightly run picks them up by itself; ``retry_pending=True`` (``--retry-pending``) also
retries the ones that ``failed`` (the provider refused them).

    >>> summary = run_translation("corpus.duckdb", profile)
    >>> summary["by_status"], summary["provider_calls"], summary["circuit_open"]
    ({'machine': 12, 'tm': 3}, 12, False)
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from pathlib import Path

from litrev.extract.profile import Profile
from litrev.extract.translate import (
    TextToTranslate,
    TranslationEngine,
    resolve_chain,
)
from litrev.extract.translation_memory import memory_key, read_memory
from litrev.store import translations as store_tr
from litrev.store.db import read_session, waiting_write_session


def run_translation(db_path: str | os.PathLike, profile: Profile, *, retry_pending: bool = False,
                    limit: int | None = None, provider: str | None = None,
                    engine: TranslationEngine | None = None) -> dict:
    """Translate what needs translating into the profile's target language.

    ``provider`` overrides ``profile.translation.provider`` (``litrev translate --provider``);
    ``engine`` replaces the online provider altogether (tests).

    Returns ``texts`` (looked at), ``by_status`` (counts of the answers saved),
    ``by_source`` (where the translations came from: human / memory / cache / provider),
    ``provider``, ``provider_calls``
    (requests for pieces, retries included), ``circuit_open`` and ``circuit_reason``,
    ``numbers_mismatch`` and ``seconds``.
    """
    started = time.monotonic()
    target = profile.target_language
    name = provider or profile.translation.provider
    if engine is None and name != "none":
        engine = TranslationEngine.from_profile(profile, provider=name)
    provider_name = engine.client.name if engine is not None else None

    with read_session(db_path) as con:
        frame = store_tr.texts_to_translate(con, target, include_failed=retry_pending,
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

    by_source = Counter()
    for r in results:
        if r.status == "human":
            by_source["human"] += 1
        elif r.status == "tm":
            by_source["memory"] += 1
        elif r.status == "machine":
            by_source["provider" if r.new_cache_entry else "cache"] += 1
    return {
        "texts": len(results),
        "target_language": target,
        "by_status": dict(Counter(r.status for r in results).most_common()),
        "by_source": dict(by_source),
        "provider": provider_name or "none",
        "provider_calls": engine.calls if engine is not None else 0,
        "circuit_open": bool(engine and engine.circuit_open),
        "circuit_reason": engine.circuit_reason if engine is not None else None,
        "numbers_mismatch": sum(1 for r in results if r.numbers_mismatch),
        "seconds": round(time.monotonic() - started, 3),
    }


def import_translation_memory(db_path: str | os.PathLike, path: str | os.PathLike, *,
                              source_language: str | None = None,
                              target_language: str | None = None) -> dict:
    """Import a TMX or two-column CSV memory and apply it at once to the stored texts.

    Texts whose normalised form matches an entry get status ``tm`` (replacing a machine,
    pending or failed translation; never a human one). Returns ``entries`` read, ``stored``,
    ``skipped`` units, ``applied`` (translations now from the memory), ``origin`` and the
    language ``pairs``.
    """
    path = Path(path)
    memory = read_memory(path, source_language=source_language,
                         target_language=target_language)
    pairs = sorted({(e.source_language, e.target_language) for e in memory.entries})
    by_key = {(e.key, e.source_language, e.target_language): e for e in memory.entries}
    results = []
    with waiting_write_session(db_path) as con:
        for src, tgt in pairs:
            candidates = store_tr.memory_candidates(con, src, tgt)
            found = {}
            for h, text, lang in zip(candidates["text_hash"], candidates["text"],
                                     candidates["source_language"], strict=True):
                entry = by_key.get((memory_key(text), src, tgt))
                if entry is not None:
                    found[h] = (TextToTranslate(h, text, lang), entry)
            items = [item for item, _ in found.values()]
            mem = {(e.key, src): (e.target_text, path.name) for _, e in found.values()}
            results += resolve_chain(items, tgt, memory=mem, engine=None)
        counts = store_tr.save_memory_and_results(con, memory.entries, memory.origin,
                                                  [r for r in results if r.status == "tm"],
                                                  now=dt.datetime.now(dt.UTC))
    return {"file": path.name, "origin": memory.origin, "entries": len(memory.entries),
            "stored": counts["entries_stored"], "skipped": memory.skipped,
            "applied": sum(1 for r in results if r.status == "tm"),
            "pairs": [f"{s}>{t}" for s, t in pairs]}

