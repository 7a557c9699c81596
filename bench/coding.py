"""How fast theme coding, the full-text index and search are on a corpus of N excerpts.

Builds a database of N excerpts from the 40 real demo abstracts (tests/fixtures/themes,
Finnish, Swedish, German and English), each copy made distinct by a numbered sentence, then
prints: the time of the first `run_coding` (codes everything and builds one fts index per
stemmer), of a second run (nothing to code, index rebuilt), excerpts coded per CPU-second,
the time of a few searches on the snapshot, and the peak memory of the process.

    python bench/coding.py                  # 20,000 excerpts
    python bench/coding.py --excerpts 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from litrev.extract.records import Excerpt, SourceRecord, Work  # noqa: E402
from litrev.flows.coding import run_coding  # noqa: E402
from litrev.store.db import read_session, write_session  # noqa: E402
from litrev.store.load import load_batch, records_to_batch  # noqa: E402
from litrev.store.search import search  # noqa: E402

QUERIES = ["kokemusasiantuntija", "peer support workers", "Genesungsbegleiter", "stigma",
           "role clarity"]


def build(db: Path, n: int) -> None:
    works = [json.loads(x) for x in (REPO / "tests/fixtures/themes/demo_works.jsonl")
             .read_text(encoding="utf-8").splitlines()]
    works = [w for w in works if w["abstract"]]
    batch: list[SourceRecord] = []
    langs: dict[str, str] = {}
    with write_session(db) as con:
        for i in range(n):
            w = works[i % len(works)]
            work = Work.create(title=f"{w['title'] or w['id']} #{i}", year=2020)
            ex = Excerpt.create(work_id=work.work_id, kind="abstract",
                                text=f"{w['abstract']} ({i}.)")
            batch.append(SourceRecord("files", f"r{i}", work, (ex,)))
            langs[ex.excerpt_id] = w["language"]
            if len(batch) == 5000 or i == n - 1:
                load_batch(con, records_to_batch(batch), run_id="bench")
                batch = []
        con.register("langs", pd.DataFrame(
            {"excerpt_id": list(langs), "language": list(langs.values())}))
        con.execute("UPDATE excerpts SET language = l.language FROM langs l "
                    "WHERE l.excerpt_id = excerpts.excerpt_id")


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (worker processes, when
    LITREV_WORKERS asks for them)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t = time.perf_counter()
        build(db, args.excerpts)
        print(f"excerpts: {args.excerpts:,} (built in {time.perf_counter() - t:.1f} s)")
        for label in ("first run (code all + index)", "second run (nothing new, index)"):
            cpu, wall = _cpu(), time.perf_counter()
            summary = run_coding(db, None)
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
            rate = f", {summary.coded / cpu:,.0f} excerpts/CPU-s" if summary.coded else ""
            print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU, coded {summary.coded:,}, "
                  f"{summary.matches:,} matches{rate}")
        print(f"index: {summary.index}")
        with read_session(db) as con:
            for q in QUERIES:
                t = time.perf_counter()
                hits = search(con, q, limit=20)
                print(f"search {q!r}: {1000 * (time.perf_counter() - t):.0f} ms, "
                      f"{len(hits)} shown")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    from recording import recorded

    with recorded("coding"):
        main()
