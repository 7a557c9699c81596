"""What a reviewer gets out of a shared catalog (PostgreSQL) equals what the same corpus gives in
a local lake: coding, search, every export format, reviewers' decisions read back, translation
bookkeeping and the report, each run through the CLI as a user would on both backends.

The store's own tests run on both backends (the ``store`` fixture); this file covers the
commands built on top of it, so a query that only works with a SQLite catalog fails here.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest

from litrev.flows.cli import main
from litrev.store.db import write_session
from litrev.store.location import StoreLocation
from tests import corpus
from tests.conftest import cli_db_args


@pytest.fixture
def two_stores(tmp_path, postgres_db) -> dict[str, list[str]]:
    """The test corpus in a local lake and in a lake with a PostgreSQL catalog: their --db args."""
    stores: dict[str, Path | StoreLocation] = {
        "local": tmp_path / "local" / "c.ducklake",
        "postgres": StoreLocation.parse(postgres_db.url, data_path=str(tmp_path / "pg-data")),
    }
    (tmp_path / "local").mkdir()
    for store in stores.values():
        with write_session(store) as con:
            corpus.build(con)
    return {name: cli_db_args(store) for name, store in stores.items()}


def run(args: list[str], capsys) -> str:
    code = main(args)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def when(text: str) -> str:
    """``text`` with its timestamps of this test run (when decisions were read, the report
    written) masked."""
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(\+00:00| UTC)?", "<time>",
                  text)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def outputs(db: list[str], folder: Path, capsys) -> dict[str, object]:
    """Everything a review team takes out of one store, in comparable form."""
    folder.mkdir()
    got: dict[str, object] = {}
    coding = json.loads(run([*db, "code", "--json"], capsys))
    got["coding"] = {k: coding[k] for k in ("coded", "matches", "themes", "index")}
    got["search"] = run([*db, "search", "peer support workers", "--format", "csv"], capsys)
    got["search fi"] = run([*db, "search", "kokemusasiantuntija", "--lang", "fi",
                            "--format", "csv"], capsys)
    profile = folder / "review.toml"
    profile.write_text('[review]\nname = "test"\ntarget_language = "en"\n'
                       'contact_email = "reviewer@example.org"\n\n'
                       '[translation]\nprovider = "none"\n', encoding="utf-8")
    translation = json.loads(run([*db, "--profile", str(profile), "translate", "--json"],
                                 capsys))
    got["translation"] = {k: v for k, v in translation.items()
                          if k not in ("seconds", "read_at")}
    run([*db, "export", "excerpts", "-o", str(folder / "all.csv")], capsys)
    rows = read_csv(folder / "all.csv")
    got["csv"] = rows
    for fmt in ("xlsx", "markdown", "html", "parquet", "ris"):
        run([*db, "export", "excerpts", "--format", fmt, "-o", str(folder / f"all.{fmt}")],
            capsys)
        got[f"{fmt} bytes"] = (folder / f"all.{fmt}").stat().st_size > 0
    run([*db, "export", "qdpx", "-o", str(folder / "review.qdpx")], capsys)
    with zipfile.ZipFile(folder / "review.qdpx") as z:
        got["qdpx files"] = sorted(n for n in z.namelist() if not n.startswith("sources/"))
        got["qdpx sources"] = len([n for n in z.namelist() if n.startswith("sources/")])
    # a reviewer decides on two excerpts; the decisions come back into the corpus
    decided = folder / "decided.csv"
    with decided.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["excerpt_id", "decision", "note", "corrected_translation"])
        writer.writerow([rows[0]["excerpt_id"], "include", "core finding", ""])
        writer.writerow([rows[1]["excerpt_id"], "exclude", "", ""])
    got["import"] = run([*db, "import-reviews", str(decided)], capsys).replace(str(folder), "")
    got["decisions"] = when(run([*db, "query", "run", "review_decisions", "--format", "csv"],
                                capsys))
    run([*db, "report", "-o", str(folder / "report.html")], capsys)
    report = (folder / "report.html").read_text(encoding="utf-8")
    # the one line that names the store and the time it was written differs by design
    got["report"] = when(re.sub(r'<p class="meta">Database [^<]*?·', "", report))
    return got


def test_every_output_of_a_shared_catalog_equals_the_local_lake(two_stores, tmp_path, capsys):
    local = outputs(two_stores["local"], tmp_path / "out-local", capsys)
    shared = outputs(two_stores["postgres"], tmp_path / "out-postgres", capsys)
    assert local["csv"], "the corpus exported no rows"
    assert local["coding"]["matches"] > 0
    assert "Kokemusasiantuntija" in str(local["search fi"])
    assert "include" in str(local["decisions"]) and "exclude" in str(local["decisions"])
    assert local["qdpx sources"] and "<svg" in str(local["report"])
    for key in local:
        assert shared[key] == local[key], key
