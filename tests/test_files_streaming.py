"""The files source hands each file's search on as soon as the file is read (issue 16: memory
that does not grow with the import folder), and a large folder is parsed in worker processes
that write the records themselves; either way the harvest saves the same searches, records and
ledger entries, in the folder's order."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

import pytest

from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, SearchResult, WrittenRecords
from litrev.extract.sources import files as files_source
from tests.prefect_server import prefect_server  # noqa: F401 - fixture

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "files"


def profile_for(folder: Path):
    return parse_profile({
        "review": {"name": "t", "target_language": "en", "candidate_languages": ["en", "fi"],
                   "contact_email": "t@example.org"},
        "seeds": {"dois": ["10.1177/0020764020904764"]},
        "sources": {"files": {"folder": str(folder)}},
    })


def import_folder(tmp_path: Path) -> Path:
    imports = tmp_path / "imports"
    shutil.copytree(FIXTURES, imports)  # README.md: no import; scite CSV: a skipped row
    return imports


class WatchingSink:
    """A sink that keeps no record: only weak references to them, and the searches in the
    order they came, so the test sees what the source still holds."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.counts: list[int] = []
        self.taken: list[weakref.ref] = []

    def take(self, result: SearchResult) -> None:
        self.keys.append(result.query_key)
        self.counts.append(len(result.records))
        self.taken.extend(weakref.ref(record) for record in result.records)

    def record_writer(self):
        raise AssertionError("a small folder is read in this process")

    def take_written(self, result: SearchResult, written: WrittenRecords) -> None:
        raise AssertionError("a small folder is read in this process")

    def held(self) -> int:
        gc.collect()
        return sum(1 for ref in self.taken if ref() is not None)


def test_each_files_records_are_handed_on_and_dropped_before_the_next_file_is_read(
        tmp_path, monkeypatch):
    imports = import_folder(tmp_path)
    profile = profile_for(imports)
    whole = files_source.harvest(HarvestContext(profile, profile.sources["files"]))

    sink = WatchingSink()
    reads: list[str] = []
    real_read_file = files_source.read_file

    def read_file(body: bytes, name: str):
        # file k is being read: files 0..k-1 were handed on, and none of their records is
        # still held by the source (the sink kept none either)
        assert sink.keys == reads
        assert sink.held() == 0
        reads.append(name)
        return real_read_file(body, name)

    monkeypatch.setattr(files_source, "read_file", read_file)
    ctx = HarvestContext(profile, profile.sources["files"], sink=sink)
    returned = files_source.harvest(ctx)

    assert returned == []  # every search went to the sink
    assert sink.keys == reads == [r.query_key for r in whole] == sorted(
        p.name for p in imports.iterdir())
    assert sink.counts == [len(r.records) for r in whole]
    # README.md (no import), demo-sample.jsonl, references.bib, .ris, scite-otte-2020.csv
    assert sink.counts == [0, 4, 2, 2, 4]
    assert sink.held() == 0


def _saved(imports: Path, work: Path, chunk_records: int):
    from litrev.flows.harvest_tasks import load_results, load_searches
    from litrev.flows.saved_searches import SavedSearchSink

    work.mkdir()
    profile = profile_for(imports)
    sink = SavedSearchSink(work, "files", chunk_records)
    ctx = HarvestContext(profile, profile.sources["files"], sink=sink)
    assert files_source.harvest(ctx) == []
    path = sink.finish()
    return load_searches([path])[0], load_results(path)


def test_worker_processes_write_the_records_and_hand_searches_on_in_folder_order(
        tmp_path, monkeypatch):
    """A folder parsed in two worker processes (forced here on a small one) saves the same
    searches, records, ledger entries and title hints as one read in this process; a file
    that cannot be read fails its own search, in a worker as in this process."""
    imports = import_folder(tmp_path)
    real_import_files = files_source.import_files

    def import_files(folder: Path) -> list[Path]:  # a file gone between listing and reading
        paths = real_import_files(folder)
        return [*paths[:2], folder / "removed.ris", *paths[2:]]

    monkeypatch.setattr(files_source, "import_files", import_files)
    alone, alone_results = _saved(imports, tmp_path / "alone", chunk_records=3)

    def in_this_process(job):
        raise AssertionError(f"{job.path.name} was read in the harvest's own process")

    monkeypatch.setattr(files_source, "PARALLEL_BYTES", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    monkeypatch.setattr(files_source, "read_search", in_this_process)
    pooled, pooled_results = _saved(imports, tmp_path / "pooled", chunk_records=3)

    assert pooled_results == alone_results
    assert pooled.entries == alone.entries
    assert pooled.records == alone.records == 12
    assert list(pooled.title_hints.items()) == list(alone.title_hints.items())
    removed = next(s for s in pooled.searches if s.query_key == "removed.ris")
    assert removed.status == "failed" and removed.hits_reported == 0
    assert removed.error.startswith("removed.ris: could not be read (FileNotFoundError")
    # each worker wrote its file's chunks (of at most 3 records); none came from this process
    assert all(p.name.startswith("records-files-file") for p in pooled.record_files)
    assert all(p.exists() for p in pooled.record_files)


def test_files_left_when_a_worker_dies_are_read_in_this_process(tmp_path, monkeypatch):
    """A worker process killed (out of memory) after two files: those two are handed on from
    their chunk files, the files left are read here, and nothing is lost or counted twice."""
    from litrev.extract import parallel

    imports = import_folder(tmp_path)
    alone, alone_results = _saved(imports, tmp_path / "alone", chunk_records=3)

    def dying_imap(self, work, items):
        yield from work(list(items[:2]))
        raise parallel.WorkerDied("a worker process died")

    monkeypatch.setattr(files_source, "PARALLEL_BYTES", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    monkeypatch.setattr(parallel.Workers, "imap", dying_imap)
    pooled, pooled_results = _saved(imports, tmp_path / "pooled", chunk_records=3)
    assert pooled_results == alone_results
    assert pooled.entries == alone.entries and pooled.records == alone.records
    written_by_workers = [p for p in pooled.record_files
                          if p.name.startswith("records-files-file")]
    assert written_by_workers and len(written_by_workers) < len(pooled.record_files)


@pytest.mark.slow
def test_a_retried_source_keeps_only_its_last_attempts_records(
        prefect_server, tmp_path, monkeypatch):  # noqa: F811
    """Every search of the first attempt failed (keeping a complete page of records), so the
    source is retried; the first attempt's chunk files are removed, never counted."""
    from prefect import flow
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.utilities.annotations import quote

    from litrev.extract import sources
    from litrev.extract.importers import read_file
    from litrev.flows.harvest_tasks import HarvestHooks, harvest_source, load_searches
    from litrev.vocabulary import SearchStatus

    records = read_file((FIXTURES / "demo-sample.jsonl").read_bytes(), "demo-sample.jsonl"
                        ).records
    attempts: list[int] = []

    def run_source(name: str, ctx: HarvestContext) -> list[SearchResult]:
        attempts.append(1)
        failed = len(attempts) == 1
        result = SearchResult(source=name, query_key="q", query="q", platform="p",
                              records=list(records[:2] if failed else records),
                              status=SearchStatus.FAILED if failed else SearchStatus.SUCCEEDED,
                              error="timed out" if failed else None)
        ctx.hand_on(result, [])
        return []

    monkeypatch.setattr(sources, "run_source", run_source)
    work = tmp_path / "work"
    work.mkdir()
    profile = profile_for(tmp_path)
    task = harvest_source.with_options(retries=1, retry_delay_seconds=0)

    @flow
    def one_source():
        return task("files", quote(profile), {}, None, None, 1, work,
                    HarvestHooks(chunk_records=1))

    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        harvested = one_source()
    assert len(attempts) == 2
    [saved] = load_searches([harvested.path])
    assert harvested.records == saved.records == len(records)
    assert [s.status for s in saved.searches] == ["succeeded"]
    assert sorted(work.glob("records-*")) == sorted(saved.record_files)
    assert len(saved.record_files) == len(records)


def test_a_quiet_night_starts_no_parsing_worker_and_an_edited_file_does(tmp_path, monkeypatch):
    """Only the files to parse decide whether parsing workers start: a night when every file
    is unchanged hashes each of them once, here, and starts none (starting them costs more
    than the night's work); edited files of a large enough folder are parsed by them again."""
    from litrev.flows.saved_searches import SavedSearchSink

    imports = import_folder(tmp_path)
    first, _ = _saved(imports, tmp_path / "first", chunk_records=3)
    state = {s.query_key: s.watermark for s in first.searches if s.watermark}
    pools: list[int] = []
    real_read_in_workers = files_source._read_in_workers

    def counting(ctx, sink, jobs, workers, known):
        pools.append(len(jobs))
        return real_read_in_workers(ctx, sink, jobs, workers, known)

    monkeypatch.setattr(files_source, "PARALLEL_BYTES", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    monkeypatch.setattr(files_source, "_read_in_workers", counting)
    hashed: list[int] = []
    real_watermark = files_source.content_watermark

    def hashing(body: bytes) -> str:
        hashed.append(len(body))
        return real_watermark(body)

    monkeypatch.setattr(files_source, "content_watermark", hashing)

    def night(work: Path):
        work.mkdir()
        profile = profile_for(imports)
        sink = SavedSearchSink(work, "files", 3)
        files_source.harvest(HarvestContext(profile, profile.sources["files"], state=state,
                                            sink=sink))
        return sink

    quiet = night(tmp_path / "quiet")
    assert pools == [] and quiet.records == 0
    assert len(hashed) == len(files_source.import_files(imports))  # each file read once
    assert all("unchanged since the last import" in s.query for s in quiet.searches
               if s.query_key in state and s.status == "succeeded" and not s.error)
    for name in ("references.ris", "references.bib"):  # two files to parse: a pool pays
        edited = imports / name
        edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = night(tmp_path / "again")
    assert pools == [len(first.searches)] and again.records > 0
