"""A harvest moves its records in chunks and merges its batch in parts (issue 16: memory that
does not grow with the harvest). Chunking must not change what is stored: the same two sources
harvested in one chunk and in chunks of one record give the same corpus, ledger and summary,
with works that arrive in several chunks and from both sources. And a quiet night (nothing new)
leaves every data file of the corpus tables as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from tests.lake import lake_reader
from tests.prefect_server import prefect_server  # noqa: F401 - fixture
from tests.recorded_api import openalex_route

FILES = Path(__file__).resolve().parent / "fixtures" / "files"
CORPUS_TABLES = ("works", "work_sources", "citations", "excerpts", "excerpt_sources")
LEDGER_TABLES = {"harvest_runs", "search_log", "source_state"}
# Times (and the import folder) differ between two harvests; everything else must be equal.
TIMES = {"first_seen", "last_seen", "first_run_id", "last_run_id", "run_id", "run_date",
         "query_url"}  # query_url: the folder the files were read from

# A work OpenAlex also delivers (the seed's citing review), imported twice: once bare, once
# with its year and an abstract; and one work of two import files that disagree on the year (the
# first file's wins, as in one batch: merging chunk after chunk would let the last one win) and
# the second adding a venue and the language its title is detected with.
SHARED_DOI = "10.1145/3636515"
EXTRA_A = [
    {"id": "x-1", "title": "Automated Grading and Feedback Tools for Programming Education: "
     "A Systematic Review", "doi": SHARED_DOI, "year": None, "authors": []},
    {"id": "x-2", "title": "Vertaistuki psykiatrisessa sairaalahoidossa", "year": 2020,
     "doi": "10.5555/chunk-twice", "authors": ["Virtanen, A."],
     "abstract": "Tutkimuksessa selvitettiin vertaistuen merkitystä sairaalahoidossa."},
]
EXTRA_B = [
    {"id": "x-3", "title": "Vertaistuki psykiatrisessa sairaalahoidossa", "year": 2021,
     "language": "fi",
     "doi": "10.5555/chunk-twice", "venue": "Hoitotiede", "authors": []},
    {"id": "x-4", "title": "Automated Grading and Feedback Tools for Programming Education: "
     "A Systematic Review", "doi": SHARED_DOI, "year": 2024,
     "abstract": "We review tools that grade programming assignments and give feedback."},
]


def _profile(folder: Path) -> Path:
    imports = folder / "imports"
    imports.mkdir(parents=True)
    for name in ("references.ris", "references.bib", "scite-otte-2020.csv",
                 "demo-sample.jsonl"):
        shutil.copy(FILES / name, imports / name)
    for name, lines in (("extra-a.jsonl", EXTRA_A), ("extra-b.jsonl", EXTRA_B)):
        (imports / name).write_text("".join(json.dumps(line) + "\n" for line in lines),
                                    encoding="utf-8")
    path = folder / "review.toml"
    path.write_text("\n".join([
        '[review]', 'name = "Chunks"', 'target_language = "en"',
        'candidate_languages = ["en", "fi", "de", "sv"]', 'contact_email = "t@example.org"',
        'database = "review.ducklake"', '', '[search.terms]', 'en = ["peer support"]', '',
        '[seeds]', 'dois = ["10.1145/3174781.3174785"]', '', '[translation]',
        'provider = "none"', '', '[sources.files]', 'folder = "imports"', '',
        '[sources.openalex]', 'searches = false', 'rate_per_second = 0', '']),
        encoding="utf-8")
    return path


def _recorded(request: httpx.Request) -> httpx.Response:
    from tests.loopback import Request

    reply = openalex_route(Request("GET", request.url.path, dict(request.url.params.items()),
                                   {}))
    return httpx.Response(reply.status, content=reply.body, headers=reply.headers)


def _harvest(folder: Path, api_url: str, chunk_records: int):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from litrev.flows.harvest import nightly_harvest
    from litrev.flows.harvest_tasks import HarvestHooks

    hooks = HarvestHooks(client_factory=lambda name, settings: httpx.Client(
        transport=httpx.MockTransport(_recorded)), chunk_records=chunk_records)
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        return nightly_harvest(profile_path=str(folder / "review.toml"),
                               db_path=str(folder / "review.ducklake"), trigger="cli",
                               hooks=hooks)


def _table(con, table: str) -> list[tuple]:
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()  # noqa: S608
               if r[0] not in TIMES]
    return con.execute(f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608 - fixed names
                       f"ORDER BY ALL").fetchall()


def _stored(db: Path) -> dict[str, list[tuple]]:
    con = lake_reader(str(db))
    try:
        return {table: _table(con, table) for table in (*CORPUS_TABLES, "search_log")}
    finally:
        con.close()


def _assert_same_harvest(other, other_folder: Path, one, one_folder: Path) -> None:
    """Two harvests of the same folder, done two ways: both succeeded, with the same summary
    and the same stored corpus."""
    assert other.status == one.status == "succeeded"
    assert _summary(other) == _summary(one)
    assert _stored(other_folder / "review.ducklake") == _stored(one_folder / "review.ducklake")


def _summary(summary) -> dict:
    data = summary.as_dict()
    return {k: v for k, v in data.items()
            if k not in ("run_id", "database", "started_at", "finished_at", "log_path",
                         "translation", "coding")}


def _corpus_files(db: Path) -> dict[str, tuple[int, int]]:
    """Every data file of the lake outside the ledger's tables: name -> (size, mtime)."""
    found = {}
    for path in Path(f"{db}.files").rglob("*"):
        if path.is_file() and not LEDGER_TABLES & set(path.parts):
            stat = path.stat()
            found[str(path.relative_to(f"{db}.files"))] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.mark.slow
def test_chunks_of_one_record_store_what_one_chunk_stores(prefect_server, tmp_path):  # noqa: F811
    whole, chunked = tmp_path / "whole", tmp_path / "chunked"
    _profile(whole)
    _profile(chunked)
    one = _harvest(whole, prefect_server, chunk_records=1_000_000_000)
    many = _harvest(chunked, prefect_server, chunk_records=1)

    assert one.status == many.status == "succeeded"
    assert _summary(many) == _summary(one)
    stored = _stored(chunked / "review.ducklake")
    assert stored == _stored(whole / "review.ducklake")
    # the cases chunking could get wrong are there: a work from two sources, from two files
    by_source = {row.source: row for row in one.sources}
    assert by_source["files"].duplicates >= 2 and by_source["openalex"].retrieved == 26
    con = lake_reader(str(chunked / "review.ducklake"))
    try:
        works = dict(con.execute("SELECT work_id, [year::VARCHAR, venue, authors::VARCHAR, "
                                 "title_language_method] "
                                 "FROM works WHERE work_id IN ($a, $b)",
                                 {"a": f"doi:{SHARED_DOI}", "b": "doi:10.5555/chunk-twice"}
                                 ).fetchall())
    finally:
        con.close()
    assert works[f"doi:{SHARED_DOI}"][0] == "2024"
    # the first non-empty value of each field, whichever chunk brought it
    assert works["doi:10.5555/chunk-twice"] == ["2020", "Hoitotiede", "['Virtanen, A.']",
                                                "hint+detector"]

    # The next night's translation looks only at texts stored after this run read its to-do
    # list: everything this run stored is before that, so none of it is read again.
    from litrev.store.sqlfiles import internal

    con = lake_reader(str(chunked / "review.ducklake"))
    try:
        q = internal("translation_since")
        since = con.execute(q.sql, q.bind({"target": "en"})).fetchone()[0]
        newest = con.execute("SELECT max(last_seen) FROM excerpts").fetchone()[0]
    finally:
        con.close()
    assert since is not None and since > newest

    # A quiet night: nothing new, so no data file of a corpus table is written or rewritten.
    before = _corpus_files(chunked / "review.ducklake")
    assert any(name.startswith("main/works/") for name in before), sorted(before)[:5]
    quiet = _harvest(chunked, prefect_server, chunk_records=1)
    assert quiet.new_excerpts == 0
    # translation looks only at what changed: no text to look at (the first run had some,
    # left pending: provider "none" cannot answer them, so they are not retried each night)
    assert one.translation.texts > 0 and quiet.translation.texts == 0
    assert quiet.translation_backlog == many.translation_backlog
    assert {row.source: row.new for row in quiet.sources} == {"files": 0, "openalex": 0}
    assert _corpus_files(chunked / "review.ducklake") == before


@pytest.mark.slow
def test_chunks_detected_in_worker_processes_store_what_one_chunk_stores(
        prefect_server, tmp_path, monkeypatch):  # noqa: F811
    """A large harvest detects its chunks in worker processes, each loading, detecting,
    flattening and splitting whole chunks, and builds the batch's parts there too; the parts,
    joined in chunk order, store what one chunk in the harvest's own process stores. Forced
    here on a small harvest."""
    from litrev.extract import parallel
    from litrev.flows import detection
    from litrev.store import load

    whole, pooled = tmp_path / "whole", tmp_path / "pooled"
    _profile(whole)
    _profile(pooled)
    one = _harvest(whole, prefect_server, chunk_records=1_000_000_000)

    def in_this_process(job):
        raise AssertionError("a chunk was detected in the harvest's own process")

    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    monkeypatch.setattr(detection, "_detect_record_file", in_this_process)

    def built_in_this_process(rows):
        raise AssertionError("a part of the batch was built in the harvest's own process")

    monkeypatch.setattr(load, "rows_to_batch", built_in_this_process)
    many = _harvest(pooled, prefect_server, chunk_records=7)
    _assert_same_harvest(many, pooled, one, whole)


@pytest.mark.slow
def test_a_small_harvest_detects_in_a_process_of_its_own_and_stores_the_same(
        prefect_server, tmp_path, monkeypatch):  # noqa: F811
    """A harvest too small for a pool (one chunk, fewer texts than MIN_PARALLEL) detects in a
    process of its own, so the detection models (about 1.1 GB) never load into the harvest's
    process, which goes on to write and code; it stores what detection in the harvest's own
    process (LITREV_WORKERS=1) stores."""
    from litrev.flows import detection

    here, child = tmp_path / "here", tmp_path / "child"
    _profile(here)
    _profile(child)
    monkeypatch.setenv("LITREV_WORKERS", "1")
    one = _harvest(here, prefect_server, chunk_records=1_000_000_000)
    monkeypatch.delenv("LITREV_WORKERS")

    def in_this_process(job):
        raise AssertionError("the chunk was detected in the harvest's own process")

    monkeypatch.setattr(detection, "_detect_record_file", in_this_process)
    other = _harvest(child, prefect_server, chunk_records=1_000_000_000)
    _assert_same_harvest(other, child, one, here)


@pytest.mark.slow
def test_import_files_parsed_in_worker_processes_store_what_one_process_stores(
        prefect_server, tmp_path, monkeypatch):  # noqa: F811
    """A large import folder is parsed in worker processes that write each file's records
    into chunk files themselves (chunks of one file each, not packed across files as in this
    process); the searches, handed on in the folder's order, store the same corpus, ledger
    and summary as a folder parsed in the harvest's own process, on the first night and on the
    next one, when every file but an edited one is unchanged and not re-read. Forced here on a
    small folder (with a skipped CSV row, a broken RIS entry and a README)."""
    from litrev.extract.sources import files as files_source

    whole, pooled = tmp_path / "whole", tmp_path / "pooled"
    _profile(whole)
    _profile(pooled)
    (whole / "imports" / "README.md").write_text("Exports of May 2026.\n", encoding="utf-8")
    (pooled / "imports" / "README.md").write_text("Exports of May 2026.\n", encoding="utf-8")

    def edit(folder: Path) -> None:  # the next night: one file edited, the others unchanged
        with (folder / "imports" / "extra-b.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps({"id": "x-5", "title": "Vertaistyö mielenterveystyössä",
                                "year": 2025, "language": "fi"}) + "\n")

    one = _harvest(whole, prefect_server, chunk_records=7)
    one_stored = _stored(whole / "review.ducklake")
    edit(whole)
    one_next = _harvest(whole, prefect_server, chunk_records=7)

    def in_this_process(job):
        raise AssertionError(f"{job.path.name} was read in the harvest's own process")

    monkeypatch.setattr(files_source, "PARALLEL_BYTES", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    real_read_search = files_source.read_search
    monkeypatch.setattr(files_source, "read_search", in_this_process)
    many = _harvest(pooled, prefect_server, chunk_records=7)
    assert many.status == one.status == "succeeded"
    assert _summary(many) == _summary(one)
    assert _stored(pooled / "review.ducklake") == one_stored

    # the next night one file is to be parsed: read in this process (a pool does not pay)
    monkeypatch.setattr(files_source, "read_search", real_read_search)
    edit(pooled)
    many_next = _harvest(pooled, prefect_server, chunk_records=7)
    assert _summary(many_next) == _summary(one_next)
    assert _stored(pooled / "review.ducklake") == _stored(whole / "review.ducklake")
    con = lake_reader(str(pooled / "review.ducklake"))
    try:
        searches = {(run, key): row for run, key, *row in con.execute(
            "SELECT run_id, query_key, query, status, hits_reported, records_retrieved, "
            "coalesce(error, '') FROM search_log WHERE source = 'files'").fetchall()}
    finally:
        con.close()
    first, second = many.run_id, many_next.run_id
    assert searches[first, "README.md"][4].startswith("README.md: not an import file")
    assert searches[first, "scite-otte-2020.csv"][1:] == [
        "succeeded", 5, 4, "scite-otte-2020.csv:4: no citation statement text "
        "(columns Snippet / Citation Statement); row skipped"]
    assert searches[second, "scite-otte-2020.csv"][0].endswith(
        "(unchanged since the last import; not re-read)")
    assert searches[second, "extra-b.jsonl"][1:4] == ["succeeded", 3, 3]


def test_saved_searches_come_back_whole_from_their_chunk_files(tmp_path):
    """A source's searches saved in chunks of 2 records (a worker's run reads them back whole
    to hand them on): the same searches, each with its own records, in order."""
    from litrev.extract.importers import read_file
    from litrev.extract.sources import SearchResult
    from litrev.flows.harvest_tasks import load_results, load_searches, save_results

    records = [record for name in ("references.ris", "demo-sample.jsonl")
               for record in read_file((FILES / name).read_bytes(), name).records]
    searches = [SearchResult(source="files", query_key=f"q{i}", query=f"import {i}",
                             platform="local", records=list(part), watermark=f"w{i}")
                for i, part in enumerate((records[:3], [], records[3:]))]
    path = save_results(tmp_path, "files", searches, chunk_records=2)
    saved = load_searches([path])[0]
    assert saved.records == len(records) and len(saved.record_files) == -(-len(records) // 2)
    assert [len(e.work_ids) for e in saved.entries] == [3, 0, len(records) - 3]
    assert load_results(path) == searches


def test_small_record_files_are_detected_together_up_to_a_chunk(tmp_path):
    """Files that parsing workers wrote per import file, each smaller than a chunk, are read by
    one detection job until a chunk is full, in order, across sources; a full file alone."""
    from litrev.flows.harvest_tasks import record_file_groups
    from litrev.flows.saved_searches import SavedSearches

    def saved(source, counts):
        files = [tmp_path / f"{source}-{n}.pickle" for n in range(len(counts))]
        return SavedSearches(source=source, searches=[], entries=[], record_files=files,
                             records=sum(counts), title_hints={}, file_records=counts)

    a, b = saved("files", [4, 4, 4, 12, 3]), saved("openalex", [5])
    names = [[p.name for p in group] for group in record_file_groups([a, b], 10)]
    assert names == [["files-0.pickle", "files-1.pickle"], ["files-2.pickle"],
                     ["files-3.pickle"], ["files-4.pickle", "openalex-0.pickle"]]


@pytest.mark.parametrize("files, workers", [(30, 2), (31, 2), (29, 3), (7, 4), (1, 2)])
def test_detection_jobs_end_together_and_keep_the_record_order(tmp_path, files, workers):
    """Record files of 10,000 records in chunks of 20,000: the jobs handed to the workers (the
    next to the first free worker) keep every file once, in order, and no worker is left
    working alone for longer than the smallest job while another could take a whole one."""
    from litrev.flows.harvest_tasks import balanced_jobs, record_file_groups
    from litrev.flows.saved_searches import SavedSearches

    paths = [tmp_path / f"files-{n}.pickle" for n in range(files)]
    saved = SavedSearches(source="files", searches=[], entries=[], record_files=paths,
                          records=10_000 * files, title_hints={}, file_records=[10_000] * files)
    groups = record_file_groups([saved], 20_000)
    jobs, order = balanced_jobs(groups, dict.fromkeys(paths, 10_000), workers)
    assert [path for job in jobs for path in job] == paths
    assert sorted(order) == list(range(len(jobs)))
    busy = [0] * workers
    for i in order:  # each job to the worker that is free first
        busy[busy.index(min(busy))] += 10_000 * len(jobs[i])
    smallest = min(10_000 * len(job) for job in jobs)
    assert max(busy) - min(busy) <= smallest
    if files == 30:  # 15 chunks of two files for two workers: one halved, both end together
        assert len(jobs) == 16 and busy == [150_000, 150_000]
