"""Detection and coding in worker processes give what one process gives, byte for byte.

The texts are the real labelled texts of tests/fixtures/lang/ (1,402 in 11 languages, see
PROVENANCE.md there) and the demo review's abstracts: every text an excerpt, every labelled
text of at most 120 characters also a work's title, and one Finnish abstract followed by its
English version (a mixed text, split into parts). That is enough for three chunks, so both
workers of the pool receive some (``workers=2`` forces the pool; a real run uses it only from
``parallel.MIN_PARALLEL`` texts on).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litrev.extract import parallel
from litrev.extract.errors import ExtractError
from litrev.extract.language import detect_records
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.coding import run_coding
from litrev.store.db import read_session, write_session
from litrev.store.load import load_batch, records_to_batch

REPO = Path(__file__).resolve().parent.parent
LANG = REPO / "tests" / "fixtures" / "lang"
DEMO_WORKS = REPO / "litrev" / "flows" / "demo" / "data" / "works.jsonl"
REVIEW = ("en", "fi", "sv", "de")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def records() -> list[SourceRecord]:
    texts = [(r["text"], None) for path in sorted(LANG.glob("*.jsonl")) for r in _jsonl(path)]
    demo = {w["id"]: w for w in _jsonl(DEMO_WORKS)}
    texts += [(w["abstract"], w.get("language")) for w in demo.values() if w.get("abstract")]
    # a Finnish abstract followed by its English version, as Finnish repositories store them
    texts.append((f"{demo['fi-280bcb274d']['abstract']} Abstract: "
                  f"{demo['en-3fa156cdf9']['abstract']}", None))
    out = []
    for n, (text, hint) in enumerate(texts):
        work = Work.create(doi=f"10.5555/parallel.{n}", language=hint,
                           title=text if len(text) <= 120 else None)
        excerpt = Excerpt.create(work_id=work.work_id, kind="abstract", text=text,
                                 language_hint=hint)
        out.append(SourceRecord(source="files", source_record_id=str(n), work=work,
                                excerpts=(excerpt,)))
    assert len(out) > 2 * parallel.CHUNK_SIZE
    return out


@pytest.fixture(scope="module")
def detected(records) -> list[SourceRecord]:
    return detect_records(records, candidates=REVIEW, workers=1)


def test_detection_in_two_worker_processes_equals_one_process(records, detected):
    pooled = detect_records(records, candidates=REVIEW, workers=2)
    assert pooled == detected  # languages, confidences (same floats), methods, parts, titles
    languages = {x.language for r in detected for x in r.excerpts}
    assert {"en", "fi", "sv", "de", "mul"} <= languages
    assert sum(r.work.title_language is not None for r in detected) > 300


def _coded(db: Path) -> list[tuple]:
    with read_session(db) as con:
        themes = con.execute("SELECT excerpt_id, theme_id, matched_in, matched_terms, "
                             "codebook_version FROM excerpt_themes ORDER BY ALL").fetchall()
        state = con.execute("SELECT * EXCLUDE (coded_at) FROM excerpt_coding "
                            "ORDER BY ALL").fetchall()
    return [themes, state]


def test_coding_in_two_worker_processes_equals_one_process(tmp_path, detected):
    # two lakes loaded alike (a lake is its catalog and its data folder: no one-file copy)
    one, two = tmp_path / "one.ducklake", tmp_path / "two.ducklake"
    for lake in (one, two):
        with write_session(lake) as con:
            load_batch(con, records_to_batch(detected), run_id="r1")
    serial = run_coding(one, None, workers=1)
    # batches of 700: the workers code one batch while the next is read and the last saved
    pooled = run_coding(two, None, workers=2, batch_size=700)
    assert serial == pooled
    assert serial.coded > 2 * parallel.CHUNK_SIZE and serial.matches > 100
    assert _coded(one) == _coded(two)


def _no_pool(*args, **kwargs):
    raise AssertionError("a worker pool was started")


def test_coding_stays_in_this_process_unless_litrev_workers_asks(tmp_path, monkeypatch,
                                                                 detected):
    # a pool does not pay for coding (flows/coding.py): none even for a batch large enough
    # that detection would use one, until LITREV_WORKERS asks for workers
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 100)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", _no_pool)
    lake = tmp_path / "lake.ducklake"
    with write_session(lake) as con:
        load_batch(con, records_to_batch(detected), run_id="r1")
    assert run_coding(lake, None).coded > 1000
    with pytest.raises(AssertionError, match="a worker pool was started"):
        parallel.map_chunks(_double, list(range(200)), chunk_size=50)  # detection: a pool
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    with pytest.raises(AssertionError, match="a worker pool was started"):
        run_coding(lake, None, everything=True)


def test_a_small_batch_stays_in_this_process(monkeypatch):
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)

    def forbid(*args, **kwargs):
        raise AssertionError("a pool was started for a small batch")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", forbid)
    items = list(range(parallel.MIN_PARALLEL - 1))
    assert parallel.map_chunks(_double, items) == [2 * i for i in items]


def _double(items: list[int]) -> list[int]:
    return [2 * i for i in items]


def test_litrev_workers_setting(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.worker_count() == 3
    monkeypatch.setenv(parallel.WORKERS_ENV, "two")
    with pytest.raises(ExtractError, match="LITREV_WORKERS='two': expected a whole number"):
        parallel.worker_count()


def _die(items: list[int]) -> list[int]:
    import os

    os._exit(9)  # what the kernel's out-of-memory killer leaves behind


def test_a_worker_that_dies_is_one_clear_error():
    with pytest.raises(parallel.WorkerDied, match="set LITREV_WORKERS=1 to work in one process"):
        parallel.map_chunks(_die, list(range(10)), workers=2, chunk_size=2)


def test_a_call_in_a_process_of_its_own_gives_its_result_or_says_it_died(monkeypatch):
    """in_child runs one call in a spawned process (LITREV_WORKERS=1: this one), which ends
    with it; a killed process is one clear error, not a hang."""
    import os

    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    assert parallel.in_child(_pids, [1, 2]) != [os.getpid()] * 2
    assert parallel.in_child(_double, [1, 2]) == [2, 4]
    with pytest.raises(parallel.WorkerDied, match="set LITREV_WORKERS=1 to work in one process"):
        parallel.in_child(_die, [1])
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.in_child(_pids, [1, 2]) == [os.getpid()] * 2


def _pids(items: list[int]) -> list[int]:
    import os

    return [os.getpid()] * len(items)
