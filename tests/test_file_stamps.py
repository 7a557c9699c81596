"""A night with nothing new does not read the import files again, and an edit is never missed.

The files source compares each import file with the content hash of its last import. Once a
file's content has hashed to that watermark, its file-system stamp is recorded in the store's
cache folder and later runs take the file as unchanged without reading it, as long as the
stamp is the same. These tests check both sides: the read that is saved, and the edits (same
size, modification time put back, written just before the run) that must still be read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

import litrev.extract.file_stamps as stamps
from litrev.extract.file_stamps import KnownFiles
from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext
from litrev.extract.sources import files as files_source

pytestmark = pytest.mark.skipif(not stamps.TRUSTED, reason="stamps are used on POSIX only")
# (on a POSIX system whose temp folder is no local disk named by a mount table, the tests that
# need the stamps used skip through the local_disk fixture)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "files"


def sha(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


class Hasher:
    """content_watermark, counting the files it hashes."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, body: bytes) -> str:
        self.calls += 1
        return sha(body)


def two_file_review(imports: Path):
    """A review whose files source reads ``imports``, which holds two real exports."""
    imports.mkdir()
    shutil.copy(FIXTURES / "scite-otte-2020.csv", imports)
    shutil.copy(FIXTURES / "references.ris", imports)
    return parse_profile({
        "review": {"name": "t", "target_language": "en", "candidate_languages": ["en", "fi"],
                   "contact_email": "t@example.org"},
        "sources": {"files": {"folder": str(imports)}}})


def hashes_on_two_nights(cache: Path, folder: Path, path: Path) -> list[int]:
    """The files hashed so far after each of two nights that find ``path`` unchanged."""
    watermark, hasher, calls = sha(path.read_bytes()), Hasher(), []
    for _night in range(2):
        known = KnownFiles.load(cache, folder)
        assert known.unchanged(path, watermark, hasher)
        known.save()
        calls.append(hasher.calls)
    return calls


@pytest.fixture
def local_disk(tmp_path):
    """The stamps are used where the temp folder is (a local file system with a mount table)."""
    if not stamps.stamps_trusted(tmp_path):
        pytest.skip("stamps are used on a local file system named by a mount table only")


@pytest.fixture
def later(monkeypatch):
    """The run happens 10 s after the files were written (their times have settled)."""
    real = time.time_ns
    monkeypatch.setattr(stamps.time, "time_ns", lambda: real() + 10 * 10**9)


def known_file(tmp_path: Path, name: str, body: bytes) -> tuple[Path, Path, Path, str, Hasher]:
    """An import file hashed once and its stamp saved: folder, cache, path, watermark, the
    hasher (one call so far)."""
    folder, cache = tmp_path / "imports", tmp_path / "cache"
    folder.mkdir()
    path = folder / name
    path.write_bytes(body)
    watermark, hasher = sha(body), Hasher()
    known = KnownFiles.load(cache, folder)
    assert known.unchanged(path, watermark, hasher) and hasher.calls == 1
    known.save()
    return folder, cache, path, watermark, hasher


def test_a_file_known_by_its_stamp_is_not_read_again(tmp_path, local_disk, later):
    folder, cache, path, watermark, hasher = known_file(
        tmp_path, "scopus.ris", b"TY  - JOUR\nTI  - Peer support\nER  - \n")
    again = KnownFiles.load(cache, folder)
    assert again.unchanged(path, watermark, hasher) and hasher.calls == 1  # not read
    # another watermark in the store (an earlier import): the file is hashed and compared
    assert not again.unchanged(path, sha(b"older content"), hasher) and hasher.calls == 2
    # a stamps file that is not one litrev wrote: every file is hashed
    for file in cache.iterdir():
        file.write_text("{not json", encoding="utf-8")
    assert KnownFiles.load(cache, folder).unchanged(path, watermark, hasher)
    assert hasher.calls == 3


def test_an_edit_that_keeps_the_size_and_puts_the_time_back_is_read(tmp_path, local_disk, later):
    folder, cache, path, watermark, hasher = known_file(
        tmp_path, "wos.txt", b"PT J\nTI Vertaistuki\nER\n")
    before = path.stat()
    time.sleep(0.05)  # past the file system's clock tick
    path.write_bytes(b"PT J\nTI Vertaistyot\nER\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert not KnownFiles.load(cache, folder).unchanged(path, watermark, hasher)
    assert hasher.calls == 2


def test_a_file_written_just_before_the_run_is_hashed_every_time(tmp_path, local_disk):
    """Its stamp is not recorded: an edit in the same tick of the clock would keep it."""
    folder, cache = tmp_path / "imports", tmp_path / "cache"
    folder.mkdir()
    path = folder / "pubmed.txt"
    path.write_bytes(b"PMID- 1\nTI  - Peer workers\n")
    assert hashes_on_two_nights(cache, folder, path) == [1, 2]


def test_a_quiet_night_of_the_files_source_reads_no_import_file(tmp_path, local_disk, later,
                                                                monkeypatch):
    imports, cache = tmp_path / "imports", tmp_path / "cache"
    profile = two_file_review(imports)
    hasher = Hasher()
    monkeypatch.setattr(files_source, "content_watermark", hasher)

    def run(state: dict[str, str]) -> dict:
        ctx = HarvestContext(profile, profile.sources["files"], state=state, cache_dir=cache)
        return {r.query_key: r for r in files_source.harvest(ctx)}

    first = run({})
    state = {key: r.watermark for key, r in first.items()}
    assert hasher.calls == 2 and all(r.records for r in first.values())
    second = run(state)  # the stamps recorded when the files were read: nothing hashed
    assert hasher.calls == 2
    assert {k: (r.watermark, r.records) for k, r in second.items()} == \
        {k: (state[k], []) for k in state}
    assert all("unchanged" in r.query for r in second.values())
    # a file added meanwhile is read; the others still are not
    (imports / "more.ris").write_text("TY  - JOUR\nTI  - Vertaistyo\nER  - \n", encoding="utf-8")
    third = run(state)
    assert hasher.calls == 3 and [r.work.title for r in third["more.ris"].records] == \
        ["Vertaistyo"]
    assert third["references.ris"].records == []


def test_files_read_in_worker_processes_are_stamped_too(tmp_path, local_disk, monkeypatch):
    """A large folder is parsed in worker processes; their stamps come back with the searches.
    (The workers run on the real clock: the files' times must have settled first.)"""
    imports, cache = tmp_path / "imports", tmp_path / "cache"
    profile = two_file_review(imports)
    time.sleep(stamps.SETTLED_SECONDS + 0.1)
    monkeypatch.setattr(files_source, "PARALLEL_BYTES", 1)
    monkeypatch.setenv("LITREV_WORKERS", "2")
    from litrev.flows.saved_searches import SavedSearchSink

    (tmp_path / "work").mkdir()
    sink = SavedSearchSink(tmp_path / "work", "files", 100)
    ctx = HarvestContext(profile, profile.sources["files"], cache_dir=cache, sink=sink)

    def in_this_process(job):
        raise AssertionError(f"{job.path.name} was read in the harvest's own process")

    with monkeypatch.context() as here:
        here.setattr(files_source, "read_search", in_this_process)
        assert files_source.harvest(ctx) == []
    state = {r.query_key: r.watermark for r in sink.searches}
    assert len(state) == 2 and all(state.values())
    hasher = Hasher()
    monkeypatch.setattr(files_source, "content_watermark", hasher)
    again = files_source.harvest(HarvestContext(profile, profile.sources["files"], state=state,
                                                cache_dir=cache))
    assert hasher.calls == 0 and [r.records for r in again] == [[], []]


@pytest.mark.parametrize("kind", ["vfat", "exfat", "nfs4", "cifs", None])
def test_no_stamp_is_trusted_on_a_file_system_without_its_own_change_time(
        tmp_path, later, monkeypatch, kind):
    """FAT and exFAT keep no status-change time, and a network file system may show cached
    attributes (None: no mount table to tell, as on macOS): there every file is hashed on
    every night."""
    monkeypatch.setattr(stamps, "file_system_type", lambda path: kind)
    folder, cache = tmp_path / "imports", tmp_path / "cache"
    folder.mkdir()
    path = folder / "embase.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - Peer support\nER  - \n")
    assert hashes_on_two_nights(cache, folder, path) == [1, 2]
    assert not cache.exists()
