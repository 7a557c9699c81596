"""`litrev demo` as a newcomer runs it: from a clean folder, offline, in a child process.

The demo runs the real nightly_harvest flow (Prefect's ephemeral mode, as `litrev demo` from a
fresh clone does) on the bundled demo review. One module-scoped run is shared by the checks of
its outputs; a second run in the same folder checks that the corpus does not change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from litrev.extract.normalize import clean_text
from tests.lake import lake_reader

SEED_DOI = "10.1177/0020764020904764"
FINNISH_START = "Kokemusasiantuntijatoimintaan kohdistuneessa tutkimuksessa"
FINNISH_TRANSLATION_START = "Research on expert-by-experience work has examined"
DATA = resources.files("litrev.flows") / "demo" / "data"

pytestmark = pytest.mark.slow


def run_litrev(cwd: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(cwd / ".prefect-home")  # never the developer's ~/.prefect
    return subprocess.run([sys.executable, "-m", "litrev.flows.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def corpus_contents(db: Path) -> dict[str, list[tuple]]:
    """Every corpus table without its timestamps and run ids, as sorted rows."""
    queries = {
        "works": "SELECT * EXCLUDE (first_seen, last_seen) FROM works",
        "work_sources": "SELECT work_id, source, source_record_id, deleted FROM work_sources",
        "citations": "SELECT citing_work_id, cited_work_id, source FROM citations",
        "excerpts": "SELECT * EXCLUDE (first_seen, last_seen) FROM excerpts",
        "excerpt_sources": "SELECT excerpt_id, source, source_record_id FROM excerpt_sources",
        "translations": "SELECT * EXCLUDE (created_at, updated_at) FROM translations",
        "translation_memory": "SELECT * EXCLUDE (imported_at) FROM translation_memory",
        "themes": "SELECT * FROM themes",
        "excerpt_themes": "SELECT * FROM excerpt_themes",
        "source_state": "SELECT source, query_key, cursor, watermark FROM source_state",
    }
    con = lake_reader(str(db))
    try:
        return {name: sorted(con.execute(sql).fetchall(), key=repr)
                for name, sql in queries.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`litrev demo` run twice from a clean folder with the defaults."""
    folder = tmp_path_factory.mktemp("fresh")
    first = run_litrev(folder, "demo")
    db = folder / "litrev-demo.ducklake"
    after_first = corpus_contents(db) if first.returncode == 0 else None
    second = run_litrev(folder, "demo")
    return {"folder": folder, "db": db, "out": folder / "litrev-out", "first": first,
            "second": second, "after_first": after_first}


def test_demo_finishes_from_a_clean_folder_with_its_outputs(demo):
    first = demo["first"]
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Traceback" not in first.stderr + first.stdout
    out = demo["out"]
    for name in ("excerpts.xlsx", "excerpts.html", "report.html"):
        assert (out / name).stat().st_size > 10_000, name
    assert (out / "demo-review" / "profile.toml").exists()
    assert (out / "demo-review" / "demo-tm.tmx").exists()
    assert len(list((out / "demo-review" / "imports").glob("*.jsonl"))) == 6
    text = first.stdout
    assert "works: 57    excerpts: 62" in text
    assert "excerpts by language: en 27, fi 17, de 12, sv 6" in text
    assert "translation status: tm 35, not needed 27" in text
    assert re.search(r"translation memory demo-tm\.tmx: 64 hand-prepared", text)
    assert re.search(r"top themes: Peer support workers", text)
    for name in ("citation_statements_of_work", "stance_tallies", "prisma_counts"):
        assert f"$ litrev query run {name}" in text
    assert "litrev-out/report.html" in text
    seconds = float(re.search(r"finished in ([\d.]+) s", text).group(1))
    assert seconds > 0


def test_no_prefect_noise_on_success(demo):
    err = demo["first"].stderr
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith("litrev demo: the demo review into litrev-demo.ducklake")
    noisy = [line for line in lines[1:] if "telemetry" in line.lower()
             or "| INFO" in line or "| WARNING" in line or "ERROR" in line]
    assert noisy == []


def test_running_twice_gives_the_same_database_contents(demo):
    assert demo["second"].returncode == 0, demo["second"].stderr[-2000:]
    assert demo["after_first"] is not None
    assert corpus_contents(demo["db"]) == demo["after_first"]
    con = lake_reader(str(demo["db"]))
    try:
        runs = con.execute("SELECT count(*) FROM harvest_runs WHERE trigger = 'demo'").fetchone()
        new = con.execute("SELECT sum(new_records) FROM search_log WHERE run_id = "
                          "(SELECT max(run_id) FROM harvest_runs)").fetchone()
    finally:
        con.close()
    assert runs[0] == 2
    assert new[0] == 0


def test_two_demo_runs_leave_every_natural_key_unique(demo):
    """The lake cannot declare keys: after the whole pipeline ran twice (harvest, detection,
    translation, coding, ledger) no keyed table holds a duplicate."""
    from tests.test_lake import KEYS, duplicates

    con = lake_reader(str(demo["db"]))
    try:
        found = duplicates(con)
    finally:
        con.close()
    assert found == dict.fromkeys(KEYS, 0)


def _xlsx_rows(path: Path) -> list[dict]:
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book["excerpts"].iter_rows(values_only=True))
    finally:
        book.close()  # read-only workbooks keep the file open until closed
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_finnish_seed_statement_exported_with_translation_themes_and_cited_seed(demo):
    rows = _xlsx_rows(demo["out"] / "excerpts.xlsx")
    finnish = [r for r in rows if (r["original_text"] or "").startswith(FINNISH_START)]
    assert len(finnish) == 1
    row = finnish[0]
    assert row["kind"] == "citation_statement"
    assert row["language"] == "fi"
    assert row["translation"].startswith(FINNISH_TRANSLATION_START)
    assert row["translation_status"] == "tm"
    assert "demo-tm.tmx" in row["translation_provider"]
    assert row["themes"]  # coded, e.g. on kokemusasiantuntija / collaboration terms
    assert "peer_workforce" in row["themes"]
    assert row["cited_work"].startswith("Challenges faced by peer support workers")
    assert row["cited_doi_link"] == f"https://doi.org/{SEED_DOI}"
    assert row["section"] == ") Tutkimustulosten Merkitys Käytännössä"
    assert "scite.ai" in row["origin"]
    html_table = (demo["out"] / "excerpts.html").read_text(encoding="utf-8")
    assert FINNISH_START in html_table
    assert FINNISH_TRANSLATION_START in html_table


def test_every_exported_row_carries_its_source_and_synthetic_rows_are_labelled(demo):
    rows = _xlsx_rows(demo["out"] / "excerpts.xlsx")
    assert len(rows) == 62
    assert all(r["source"] == "files" and r["origin"] for r in rows)
    synthetic = [r for r in rows if r["synthetic"] == "yes"]
    assert len(synthetic) == 8
    assert all("10.5555/" in (r["doi_link"] or "") for r in synthetic)
    assert all(r["origin"].startswith("SYNTHETIC") for r in synthetic)
    real = [r for r in rows if r["synthetic"] == "no"]
    assert len(real) == 54
    assert not any("10.5555/" in (r["doi_link"] or "") for r in real)
    # the real records keep their repository provenance
    assert any(r["origin"].startswith("NatLibFi/Annif-corpora:") for r in real)


def test_synthetic_works_are_flagged_in_the_database(demo):
    con = lake_reader(str(demo["db"]))
    try:
        flagged = con.execute("SELECT doi, synthetic FROM works WHERE doi LIKE '10.5555/%' "
                              "ORDER BY doi").fetchall()
        seed = con.execute("SELECT is_seed, title FROM works WHERE doi = $d",
                           {"d": SEED_DOI}).fetchone()
    finally:
        con.close()
    assert flagged == [("10.5555/litrev-demo.de.1", True), ("10.5555/litrev-demo.de.2", True),
                       ("10.5555/litrev-demo.sv.1", True), ("10.5555/litrev-demo.sv.2", True)]
    assert seed == (True, "Challenges faced by peer support workers during the integration "
                          "into hospital-based mental health-care teams: Results from a "
                          "qualitative interview study")


def test_report_labels_synthetic_records_and_shows_sources(demo):
    page = (demo["out"] / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 5
    assert page.count('class="synthetic"') == 8
    assert "This corpus holds 4 synthetic works and 8 synthetic excerpts" in page
    assert page.count('<span class="badge">SYNTHETIC</span>') == 8 + 1
    assert "NatLibFi/Annif-corpora:subjects/yso-finna-fi/p1092-fi.txt#L45" in page
    assert FINNISH_TRANSLATION_START in page


# --- the shipped data ----------------------------------------------------------------------

def _data_records() -> list[dict]:
    out = []
    for item in sorted(DATA.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".jsonl"):
            out += [json.loads(line) for line in item.read_text(encoding="utf-8").splitlines()]
    return out


def test_every_non_english_text_has_its_unit_in_the_translation_memory():
    tmx = ET.fromstring((DATA / "demo-tm.tmx").read_bytes())
    header = tmx.find("header")
    assert "hand-prepared translations for the demo only" in header.get("creationtool")
    assert "for the demo only" in header.find("note").text
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    sources = {}
    for tu in tmx.iter("tu"):
        segs = {tuv.get(lang): tuv.find("seg").text for tuv in tu.iter("tuv")}
        assert "en" in segs and len(segs) == 2
        (src_lang,) = set(segs) - {"en"}
        sources[clean_text(segs[src_lang])] = src_lang
    texts = []
    for r in _data_records():
        if r["language"] != "en":
            texts.append((clean_text(r.get("abstract") or r.get("text")), r["language"]))
    assert len(texts) == 35
    assert [t for t, lang in texts if sources.get(t) != lang] == []


def test_synthetic_records_are_marked_and_use_the_example_prefix():
    records = _data_records()
    synthetic = [r for r in records if r.get("synthetic")]
    assert len(synthetic) == 8
    for r in synthetic:
        doi = r.get("doi") or r["citing"]["doi"]
        assert doi.startswith("10.5555/")
        assert r["source"].startswith("SYNTHETIC")
    real_dois = [r.get("doi") for r in records if not r.get("synthetic")]
    assert not any(d and d.startswith("10.5555/") for d in real_dois)


def test_seed_statements_are_the_four_of_the_scite_page():
    lines = (DATA / "seed_work_citation_statements.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in lines.splitlines()]
    assert [(r["language"], r["stance"], r["confidence"]) for r in rows] == [
        ("en", "supporting", 0.91), ("en", "mentioning", 0.99), ("en", "mentioning", 0.99),
        ("fi", None, None)]
    assert all(r["cited"]["doi"] == SEED_DOI for r in rows)
    assert all(r["citing"]["doi"] is None and "not named on the page" in r["citing"]["title"]
               for r in rows)
    assert rows[3]["text"].startswith(FINNISH_START)


LEGACY_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "legacy_schema"


def legacy_copy_of(lake: Path, target: Path) -> None:
    """A DuckDB file of the earlier litrev's schema (its own migrations, keys and all) holding
    the demo lake's corpus, as an earlier litrev's demo would have left it."""
    from litrev.store.db import load_extension

    con = duckdb.connect(str(target))
    try:
        con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR, "
                    "applied_at TIMESTAMPTZ)")
        for n, sql in enumerate(sorted(LEGACY_SCHEMA.glob("*.sql"))):
            con.execute(sql.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version VALUES ($v, $n, now())",
                        {"v": (1, 3)[n], "n": sql.name})
        for name in ("ducklake", "sqlite"):
            load_extension(con, name)
        con.execute(f"ATTACH 'ducklake:sqlite:{lake}' AS demo (DATA_PATH '{lake}.files/', "
                    "OVERRIDE_DATA_PATH true, READ_ONLY)")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'demo' "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'").fetchall()]
        for table in tables:
            con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM demo.{table}")  # noqa: S608
    finally:
        con.close()


def test_a_duckdb_file_of_the_earlier_schema_moves_into_a_lake_without_loss(demo, tmp_path):
    legacy = tmp_path / "review.duckdb"
    legacy_copy_of(demo["db"], legacy)
    before = legacy.read_bytes()
    moved = tmp_path / "review.ducklake"
    done = run_litrev(tmp_path, "migrate", str(legacy), "--to", str(moved))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"migrated {legacy} into {moved}:"
    table_lines = [line for line in lines[1:-1] if "rows" in line]
    assert len(table_lines) == 15 and all(line.endswith("equal") for line in table_lines)
    works = next(line for line in table_lines if line.split()[0] == "works")
    assert works.split()[1] == works.split()[3] != "0"  # "works  N -> N rows"
    assert lines[-1].startswith("all 15 tables equal; use --db ")
    assert corpus_contents(moved) == corpus_contents(demo["db"])
    assert legacy.read_bytes() == before  # the old file is left as it was
    # A target that already holds a corpus is refused, and stays as it was.
    again = run_litrev(tmp_path, "migrate", str(legacy), "--to", str(moved))
    assert again.returncode == 1
    assert again.stderr.startswith(f"litrev: error: {moved} is not empty (")
    assert corpus_contents(moved) == corpus_contents(demo["db"])
    # The old file itself is not opened as a store: one line says what to run.
    status = run_litrev(tmp_path, "--db", str(legacy), "status")
    assert status.returncode == 1
    assert status.stderr == (f"litrev: error: {legacy} is a DuckDB database of an earlier "
                             f"litrev, not a lake; move it with `litrev migrate {legacy} --to "
                             f"{tmp_path / 'review.ducklake'}` and use that\n")


LEDGER_TABLES = {"harvest_runs", "search_log", "source_state"}


def test_the_second_demo_run_rewrites_nothing_of_the_corpus(demo):
    """A quiet night: the second run finds nothing new, so its commits touch the ledger only
    (the run, its searches, the watermarks): no corpus table gets a new file or row version."""
    from litrev.store.db import snapshots

    con = lake_reader(str(demo["db"]))
    try:
        names = {str(r[0]): r[1] for r in con.execute(
            "SELECT table_id, table_name FROM ducklake_table_info(current_database())"
        ).fetchall()}
        snaps = snapshots(con)
    finally:
        con.close()
    runs = [s for s in snaps if s["author"] == "litrev" and s["commit_message"]
            and s["commit_message"][:8].isdigit()]
    assert len(runs) == 2  # one named snapshot per demo run
    second_run = [s for s in snaps if s["snapshot_id"] > runs[0]["snapshot_id"]]
    assert second_run
    touched = {names.get(table, table) for s in second_run for _kind, tables in s["changes"]
               for table in tables}
    assert touched <= LEDGER_TABLES, touched - LEDGER_TABLES
