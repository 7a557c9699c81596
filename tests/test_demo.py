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
    con = duckdb.connect(str(db), read_only=True)
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
    con = duckdb.connect(str(demo["db"]), read_only=True)
    try:
        runs = con.execute("SELECT count(*) FROM harvest_runs WHERE trigger = 'demo'").fetchone()
        new = con.execute("SELECT sum(new_records) FROM search_log WHERE run_id = "
                          "(SELECT max(run_id) FROM harvest_runs)").fetchone()
    finally:
        con.close()
    assert runs[0] == 2
    assert new[0] == 0


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
    con = duckdb.connect(str(demo["db"]), read_only=True)
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
