"""The run report: its figures on a known corpus, a self-contained page, and a real browser.

The corpus is :mod:`tests.corpus` (the seed work, its four statements from the scite page, two
harvest runs with known ledger counts), plus a few theme codes and one synthetic record.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.cli import main
from litrev.flows.report import render_report, write_report
from litrev.store.db import create_database, read_session, write_session
from litrev.store.load import load_batch, records_to_batch
from litrev.store.report import report_data

SEED_TITLE = ("Challenges faced by peer support workers during the integration into "
              "hospital-based mental health-care teams")
WHEN = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)


def add_themes_and_a_synthetic_record(db: Path) -> None:
    synthetic = Work.create(doi="10.5555/litrev.report.1", title="Synthetisches Beispiel: "
                            "Genesungsbegleiter", year=2025, synthetic=True, language="de")
    abstract = Excerpt.create(work_id=synthetic.work_id, kind="abstract", synthetic=True,
                              text="Genesungsbegleiter arbeiten im Stationsteam.",
                              origin="SYNTHETIC: written for a test")
    with write_session(db) as con:
        load_batch(con, records_to_batch([SourceRecord("files", "syn1", synthetic,
                                                       (abstract,))]), run_id="run-2")
        con.execute("UPDATE excerpts SET language = 'de' WHERE synthetic")
        con.execute("INSERT INTO themes VALUES ('role_clarity', 'Role clarity', NULL, 'v1'), "
                    "('peer_networks', 'Peer networks among PSWs', NULL, 'v1')")
        ids = dict(con.execute("SELECT language, min(excerpt_id) FROM excerpts "
                               "GROUP BY language").fetchall())
        con.execute("INSERT INTO excerpt_themes VALUES ($en, 'role_clarity', 'original', "
                    "['role'], 'v1'), ($fi, 'peer_networks', 'translation', ['peer'], 'v1'), "
                    "($de, 'role_clarity', 'original', ['Stationsteam'], 'v1')",
                    {"en": ids["en"], "fi": ids["fi"], "de": ids["de"]})


@pytest.fixture
def report_db(corpus_db: Path) -> Path:
    add_themes_and_a_synthetic_record(corpus_db)
    return corpus_db


def test_report_data_counts_the_seed_stances_prisma_and_translations(corpus_db):
    with read_session(corpus_db) as con:
        data = report_data(con, target_language="en")
    stances = data.seed_stances[["seed_title", "stance", "synthetic", "statements"]]
    assert stances.values.tolist() == [[SEED_TITLE, "mentioning", False, 2],
                                       [SEED_TITLE, "supporting", False, 1],
                                       [SEED_TITLE, "unclassified", False, 1]]
    prisma = data.prisma.set_index("source")
    assert prisma.loc["openalex", ["identified", "duplicates", "excluded_automation",
                                   "screened"]].tolist() == [105, 2, 1, 104]
    assert prisma.loc["crossref", ["identified", "duplicates", "failed_searches"]].tolist() == \
        [50, 20, 1]
    assert dict(data.translation_status.values.tolist()) == {"not needed": 4, "tm": 1}
    assert data.overview["works"] == 5 and data.overview["citation_statements"] == 4
    assert data.overview["synthetic_works"] == 0
    years = data.by_year.set_index("year")["excerpts"].to_dict()
    assert years == {2020: 1, 2021: 1, 2022: 1, 2023: 1, 2024: 1}
    finnish = data.excerpts[data.excerpts["language"] == "fi"].iloc[0]
    assert finnish["translation"].startswith("Research on expert-by-experience work")
    assert finnish["translation_status"] == "tm" and bool(finnish["cites_seed"])


def test_report_is_one_self_contained_page_with_five_charts(report_db, tmp_path):
    with read_session(report_db) as con:
        data = report_data(con, target_language="en")
    page = render_report(data, title="Test review: run report", database_name="corpus.ducklake",
                         generated_at=WHEN)
    assert page.count("<svg") == 5
    assert page.count('role="img"') == 5
    for label in ("Heatmap of excerpts by theme and language", "PRISMA 2020 identification flow "
                  "diagram", "Bar chart of excerpts by translation status"):
        assert f'aria-label="{label}"' in page
    # nothing to fetch: no scripts, stylesheets, images or fonts from anywhere
    assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\((?!#)", page)
    # links: the DOI links of the listed works; inside the SVGs only fragments and inline data
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert {h for h in hrefs if not h.startswith(("#", "data:image/png;base64,"))} == {
        "https://doi.org/10.1177/0020764020904764", "https://doi.org/10.5555/litrev.test.1",
        "https://doi.org/10.5555/litrev.test.2", "https://doi.org/10.5555/litrev.test.3",
        "https://doi.org/10.5555/litrev.test.4", "https://doi.org/10.5555/litrev.report.1"}
    # the PRISMA flow carries the ledger's counts (all runs: 50 + 105 identified)
    assert "(n = 155)" in page and "duplicate records (n = 22)" in page
    assert "Records screened" in page and "(n = 134)" in page
    assert "1 of 4 searches failed" in page
    # heatmap text: theme labels and counts are real text in the SVG
    assert "Peer networks among PSWs" in page and "Role clarity" in page
    # the seed's statements are listed first, with the section and stance and the source
    first_row = page.split('<tbody>')[-1].split("</tr>")[0]
    assert "Framework for peer work" in first_row and "section Discussion, supporting" in \
        first_row and "<td>files<div class='origin'>" in first_row
    # the same data renders to the same page (stable SVG ids, no dates inside the charts)
    again = render_report(data, title="Test review: run report", database_name="corpus.ducklake",
                          generated_at=WHEN)
    assert again == page


def test_synthetic_records_are_labelled_in_the_report(report_db):
    with read_session(report_db) as con:
        data = report_data(con, target_language="en")
    page = render_report(data, generated_at=WHEN)
    assert "This corpus holds 1 synthetic works and 1 synthetic excerpts" in page
    synthetic_rows = re.findall(r'<tr class="synthetic">(.*?)</tr>', page, re.S)
    assert len(synthetic_rows) == 1
    assert '<span class="badge">SYNTHETIC</span>' in synthetic_rows[0]
    assert "SYNTHETIC: written for a test" in synthetic_rows[0]
    assert "SYNTHETIC records (demo examples)" in page  # the legend of the year chart
    assert len(re.findall(r'<tr class="real">', page)) == 5


def test_report_of_an_empty_database_says_what_is_missing(tmp_path):
    db = create_database(tmp_path / "empty.ducklake")
    out = write_report(db, tmp_path / "report.html", target_language="en")
    page = out.read_text(encoding="utf-8")
    assert "No excerpts coded with a theme yet." in page
    assert "No citation statements of a seed work yet." in page
    assert "No searches recorded yet." in page
    assert "<svg" not in page


def test_litrev_report_writes_the_file(report_db, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    assert main(["--db", str(report_db), "report", "-o", str(out)]) == 0
    assert "no network needed" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 5
    # no profile: translations into the language most translations are into (en here)
    assert "translations into en" in page
    assert "Research on expert-by-experience work has examined" in page
    assert page.count("[untranslated]") == 1  # only the German test record, not English ones


def test_litrev_report_without_a_database_is_one_line(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.ducklake"), "report"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("litrev: error: no database at") and err.count("\n") == 1


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium_with_visible_charts(report_db, tmp_path):
    if CHROMIUM is None:
        # CI (.ci/run) installs Chromium and sets LITREV_REQUIRE_CHROMIUM: there a missing
        # browser is a failure, not a skip; on a developer's machine it is skipped.
        message = "needs Chromium (Debian: apt-get install -y chromium) to render the report"
        if os.environ.get("LITREV_REQUIRE_CHROMIUM"):
            pytest.fail(message + "; LITREV_REQUIRE_CHROMIUM is set")
        pytest.skip(message)
    import matplotlib.image

    page = write_report(report_db, tmp_path / "report.html", target_language="en")
    url = page.resolve().as_uri()
    dom = chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 5
    assert "Peer networks among PSWs" in dom.stdout
    # no console message at all: the page has no script, so any would be an error
    assert [line for line in dom.stderr.splitlines() if ":CONSOLE" in line] == []

    png = tmp_path / "report.png"
    shot = chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2400", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    pixels = matplotlib.image.imread(png)[:, :, :3]
    assert pixels.shape[:2] == (2400, 1280)

    def count(rgb: str) -> int:
        target = [int(rgb[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        return int((abs(pixels - target).max(axis=2) < 0.02).sum())

    # the charts' own colours are on screen: the supporting (green) and mentioning (blue)
    # stance bars, the synthetic (orange) bar of the year chart
    assert count("#2e7d32") > 500
    assert count("#5c7caf") > 500
    assert count("#f0a030") > 200
