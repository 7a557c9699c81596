"""Kill -9 at each write that a night can be in when the power goes: the snapshot being published,
the translation step's save, the coding step's save, an import of reviewers' decisions. Each test
stops the command exactly there (``LITREV_FAULT_PAUSE``, :mod:`litrev.faults`), kills it, counts
the rows before and after, runs the command again, and checks that nothing was lost, nothing
duplicated and no temporary file is left beside the database.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from litrev.store.db import publish_snapshot, snapshot_path, write_session
from litrev.store.export import export_excerpts
from tests import corpus_review

LITREV = [sys.executable, "-m", "litrev.flows.cli"]
pytestmark = pytest.mark.slow
PROFILE = """[review]
name = "Crash"
target_language = "en"
candidate_languages = ["en", "fi", "de", "sv"]
contact_email = "t@example.org"
database = "review.ducklake"

[translation]
provider = "none"
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "review.ducklake"
    with write_session(path) as con:
        corpus_review.build(con)
    (tmp_path / "litrev.toml").write_text(PROFILE, encoding="utf-8")
    return path


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    return {**base, "PYTHONUNBUFFERED": "1", **extra}


def litrev(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*LITREV, "--profile", "litrev.toml", *args], cwd=folder,
                          env=env(**extra), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done


def kill_at(folder: Path, stage: str, *args: str) -> None:
    """Run ``litrev ARGS`` until it pauses at ``stage``, then SIGKILL it."""
    marker = folder / f"at-{stage}"
    proc = subprocess.Popen([*LITREV, "--profile", "litrev.toml", *args], cwd=folder,
                            env=env(LITREV_FAULT_PAUSE=f"{stage}:{marker}"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"litrev {' '.join(args)} ended before {stage}: {err}")
        assert time.monotonic() < deadline, f"never reached {stage}"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def counts(db: Path, *tables: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in tables}
    finally:
        con.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".wal")))


def test_kill_while_the_snapshot_is_published(db, tmp_path):
    before = counts(snapshot_path(db), "works", "excerpts", "excerpt_themes")
    kill_at(tmp_path, "snapshot", "code")
    # The half-published copy is left by the killed process; readers still get the old one.
    assert [n for n in leftovers(tmp_path) if n.endswith(".tmp")]
    assert counts(snapshot_path(db), "works", "excerpts", "excerpt_themes") == before
    coded = counts(db, "excerpt_themes")  # the database itself was checkpointed before

    litrev(tmp_path, "code")
    assert leftovers(tmp_path) == []  # the next publish removes the dead process's copy
    after = counts(snapshot_path(db), "works", "excerpts", "excerpt_themes")
    assert after == {**before, "excerpt_themes": coded["excerpt_themes"]}
    assert counts(db, "excerpt_themes") == coded  # coding again duplicated nothing


def test_kill_in_the_coding_write_then_code_again(db, tmp_path):
    before = counts(db, "excerpt_themes", "excerpts")
    kill_at(tmp_path, "coding-saved", "code", "--all")
    assert counts(db, "excerpt_themes", "excerpts") == before  # the batch rolled back whole
    litrev(tmp_path, "code", "--all")
    once = counts(db, "excerpt_themes")
    litrev(tmp_path, "code", "--all")
    assert counts(db, "excerpt_themes") == once and once["excerpt_themes"] > 0
    assert leftovers(tmp_path) == []


def test_kill_in_the_translation_write_then_translate_again(db, tmp_path):
    before = counts(db, "translations", "translation_cache")
    kill_at(tmp_path, "translation-saved", "translate")
    assert counts(db, "translations", "translation_cache") == before
    litrev(tmp_path, "translate")
    after = counts(db, "translations", "translation_cache")
    litrev(tmp_path, "translate")
    assert counts(db, "translations", "translation_cache") == after
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) - count(DISTINCT (text_hash, target_language)) "
                           "FROM translations").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM translations WHERE status = 'pending'"
                           ).fetchone()[0] > 0  # provider none: waiting, kept for later
    finally:
        con.close()
    assert leftovers(tmp_path) == []


def test_kill_in_the_import_reviews_write_then_import_again(db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "review.xlsx"
    with duckdb.connect(str(db)) as con:
        export_excerpts(con, out, "xlsx")
    wb = load_workbook(out)
    ws = wb["excerpts"]
    header = [c.value for c in ws[1]]
    for row in list(ws.iter_rows(min_row=2))[:4]:
        row[header.index("decision")].value = "include"
        row[header.index("note")].value = "checked after the crash"
    wb.save(out)
    before = counts(db, "reviews", "translations")
    kill_at(tmp_path, "reviews-saved", "import-reviews", str(out))
    assert counts(db, "reviews", "translations") == before
    litrev(tmp_path, "import-reviews", str(out))
    after = counts(db, "reviews", "translations")
    litrev(tmp_path, "import-reviews", str(out))
    assert counts(db, "reviews", "translations") == after
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM reviews WHERE note = 'checked after the crash'"
                           ).fetchone()[0] == 4
    finally:
        con.close()
    assert leftovers(tmp_path) == []


def test_the_snapshot_gets_the_database_files_mode(tmp_path):
    db = tmp_path / "group.ducklake"
    with write_session(db):
        pass
    os.chmod(db, 0o640)  # analysts of the group may read the database
    publish_snapshot(db)
    assert stat.S_IMODE(os.stat(snapshot_path(db)).st_mode) == 0o640
    os.chmod(db, 0o600)
    publish_snapshot(db)
    assert stat.S_IMODE(os.stat(snapshot_path(db)).st_mode) == 0o600
