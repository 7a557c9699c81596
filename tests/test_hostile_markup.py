"""Harvested text is data, never markup: titles, abstracts, authors, venues, origins and theme
labels full of script tags, event attributes and ``</table>`` appear in the run report and the
HTML export as the text they are. The pages are parsed as a browser would parse them: no element
or attribute may come from the data, and the hostile strings must be readable as text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.report import write_report
from litrev.store.db import read_session, write_session
from litrev.store.export import export_excerpts
from litrev.store.load import load_batch, records_to_batch

SCRIPT = "<script>alert('title')</script>"
IMG = '<img src=x onerror="alert(1)">'
CLOSE = "</table></td><h1>injected</h1>"
# APIs send markup inside titles and abstracts entity-encoded (JATS, HTML); litrev strips real
# tags when it reads a record, so what reaches the database is the decoded text, markup and all.
TITLE = "Peer support &lt;script&gt;alert('title')&lt;/script&gt; in wards"
ABSTRACT = ("Peer workers &lt;img src=x onerror=&quot;alert(1)&quot;&gt; reported "
            "&lt;/table&gt;&lt;/td&gt;&lt;h1&gt;injected&lt;/h1&gt; clearer roles.")
AUTHOR = "O'Hara, <b onmouseover=alert(2)>Ann</b>"
VENUE = '"><svg onload=alert(3)>'
ORIGIN = "imports/<iframe src=javascript:alert(4)>.ris line 3"
LABEL = "Role <script>alert('label')</script> clarity"


class Page(HTMLParser):
    """The elements, attributes and text of an HTML page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.in_script = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture
def hostile_db(corpus_db: Path) -> Path:
    work = Work.create(doi="10.5555/litrev.hostile.1", title=TITLE, year=2024,
                       authors=(AUTHOR,), venue=VENUE, language="en")
    abstract = Excerpt.create(work_id=work.work_id, kind="abstract", text=ABSTRACT,
                              origin=ORIGIN)
    with write_session(corpus_db) as con:
        load_batch(con, records_to_batch([SourceRecord("files", "h1", work, (abstract,))]),
                   run_id="run-hostile")
        con.execute("UPDATE excerpts SET language = 'en' WHERE excerpt_id = $e",
                    {"e": abstract.excerpt_id})
        con.execute("INSERT INTO themes VALUES ('role_clarity', $l, NULL, 'v1')", {"l": LABEL})
        con.execute("INSERT INTO excerpt_themes VALUES ($e, 'role_clarity', 'original', "
                    "['role'], 'v1')", {"e": abstract.excerpt_id})
    return corpus_db


def stored(db: Path) -> dict[str, str]:
    """The hostile values as stored (what the pages must show as text)."""
    with read_session(db) as con:
        title, text, origin = con.execute(
            "SELECT w.title, e.text, e.origin FROM excerpts e JOIN works w USING (work_id) "
            "WHERE w.doi = '10.5555/litrev.hostile.1'").fetchone()
    values = {"title": title, "text": text, "origin": origin}
    assert SCRIPT in title and IMG in text and CLOSE in text  # the markup reached the store
    return values


def assert_inert(page: Page, expected_text: tuple[str, ...]) -> None:
    assert "script" not in page.tags and "img" not in page.tags and "iframe" not in page.tags
    assert "h1" not in page.tags[page.tags.index("body") + 2:]  # only the page's own title
    names = {name for name, _ in page.attributes}
    assert not {n for n in names if n.startswith("on")}, names
    assert not any(v and "javascript:" in v for _, v in page.attributes)
    text = "".join(page.text)
    for hostile in expected_text:
        assert hostile in text, hostile


def test_the_run_report_shows_hostile_markup_as_text(hostile_db, tmp_path):
    out = tmp_path / "report.html"
    write_report(hostile_db, out, target_language="en", title=f"Review {SCRIPT}")
    page = parse(out)
    assert page.tags.count("svg") >= 1  # the charts are there, drawn by the report itself
    values = stored(hostile_db)
    # The report shortens long originals (this one is shown whole); the theme label is drawn
    # as SVG text in the heatmap.
    assert_inert(page, (values["title"], values["text"], f"Review {SCRIPT}", ORIGIN, LABEL))
    assert page.tags.count("table") == 2  # the PRISMA table and the records, nothing injected


def test_the_html_export_shows_hostile_markup_as_text(hostile_db, tmp_path):
    out = tmp_path / "excerpts.html"
    with read_session(hostile_db) as con:
        export_excerpts(con, out, "html")
    page = parse(out)
    values = stored(hostile_db)
    assert_inert(page, (values["title"], values["text"],
                        "O'Hara, <b onmouseover=alert(2)>Ann</b>", VENUE, ORIGIN))
    assert page.tags.count("table") == 1
    assert "role_clarity" in "".join(page.text)
