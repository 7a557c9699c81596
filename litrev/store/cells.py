"""How a value becomes the text of an exported cell: the one formula guard for every CSV and
XLSX cell litrev writes (and its inverse for reading), and the one HTML escaper.

Why: reviewers open litrev's files in Excel or LibreOffice. A harvested text that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run there as a formula
(``=HYPERLINK(...)`` phoning home). Every writer of a spreadsheet-readable cell (exports, query
and search results as CSV) goes through :func:`neutralise`; every reader of a reviewed file goes
through :func:`strip_neutraliser`, so a round trip gives back the stored text.

    >>> neutralise("=1+1")
    "'=1+1"
    >>> strip_neutraliser(neutralise("=1+1"))
    '=1+1'

XLSX cells also have limits of their own (at most 32,767 characters, no control characters):
:func:`xlsx_column` makes a whole column of a batch fit, guard included, and says which cells it
cut or cleaned of control characters, so that either is counted and reported, never silent.

HTML pages (the excerpt export, the run report) escape every value with :func:`escape_html`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What one XLSX cell holds: Excel's limit in characters, and the characters XML 1.0 cannot carry.
XLSX_CELL_LIMIT = 32_767
CUT_MARKER = " …[cut: longer than an Excel cell holds]"
_TEXT_TYPES = {str, type(None)}
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """Make a spreadsheet cell inert: a text that would start a formula gets a leading quote.

    >>> neutralise('=HYPERLINK("http://example.invalid","x")')
    '\\'=HYPERLINK("http://example.invalid","x")'
    >>> neutralise("- a list item")
    "'- a list item"
    """
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def strip_neutraliser(value: str) -> str:
    """Undo :func:`neutralise`: ``'=SUM(1)`` was written from ``=SUM(1)``; a quote before any
    other text is the reviewer's own and is kept."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def cell_text(value: object) -> str:
    """A value as the plain text of a cell: empty for missing (None, NaN), yes/no for booleans,
    ISO dates, anything else as ``str``.

    >>> [cell_text(v) for v in (None, float("nan"), True, dt.date(2026, 1, 2), 7)]
    ['', '', 'yes', '2026-01-02', '7']
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def escape_html(value: object, *, quote: bool = True) -> str:
    """:func:`cell_text` escaped for HTML text and attribute values (``quote=False`` keeps
    quotes as they are, for text that is never an attribute, e.g. a Markdown table cell).

    >>> escape_html('<b>"x" & y</b>')
    '&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;'
    """
    return html.escape(cell_text(value), quote=quote)


class XlsxText(NamedTuple):
    """A text as an XLSX cell holds it; ``cut``: it was longer than a cell holds and ends with
    :data:`CUT_MARKER`; ``cleaned``: control characters (which XML cannot carry) were left out."""

    text: str
    cut: bool
    cleaned: bool = False


def xlsx_text(text: str) -> XlsxText:
    """A text as an XLSX cell holds it: control characters left out (XML cannot carry them), a
    text over Excel's 32,767 characters cut with :data:`CUT_MARKER` at its end, then the
    formula guard.

    >>> xlsx_text("=1+1")
    XlsxText(text="'=1+1", cut=False, cleaned=False)
    >>> cell = xlsx_text("x" * 40_000)
    >>> len(cell.text), cell.cut, cell.text.endswith(CUT_MARKER)
    (32767, True, True)
    >>> xlsx_text("bell\x07")
    XlsxText(text='bell', cut=False, cleaned=True)
    """
    cleaned = bool(_NOT_IN_XML.search(text))
    if cleaned:
        text = _NOT_IN_XML.sub("", text)
    cut = len(text) > XLSX_CELL_LIMIT
    if cut:
        text = text[: XLSX_CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER
    text = neutralise(text)
    if len(text) > XLSX_CELL_LIMIT:  # the guard's quote pushed a full cell over the limit
        text, cut = text[: XLSX_CELL_LIMIT - len(CUT_MARKER)] + CUT_MARKER, True
    return XlsxText(text, cut, cleaned)


@dataclass(frozen=True)
class XlsxColumn:
    """One column of a batch as XLSX cell values, and the positions of the cells whose text
    the cell could not hold as it is: ``cut`` (too long) and ``cleaned`` (control characters
    left out)."""

    cells: list[object]
    cut: list[int] = field(default_factory=list)
    cleaned: list[int] = field(default_factory=list)


def xlsx_column(values: Sequence[object]) -> XlsxColumn:
    """One column of a batch of rows as XLSX cell values, and the cells it could not hold as
    they are (:class:`XlsxColumn`).

    Texts go through :func:`xlsx_text` (so through the formula guard); numbers stay numbers;
    booleans, dates and anything else become their :func:`cell_text`; missing values and empty
    texts become ``None`` (no cell written). Why a column at a time: a 100,000-row export has
    millions of cells, and a column of ordinary texts (nothing to cut, no control character, the
    usual case) needs only the guard, which one scan of the column can tell.

    >>> xlsx_column(["=SUM(1)", "", None, "plain"]).cells
    ["'=SUM(1)", None, None, 'plain']
    >>> xlsx_column([2022, True, dt.date(2026, 1, 2), float("nan")]).cells
    [2022, 'yes', '2026-01-02', None]
    >>> xlsx_column(["ok", "tab\tkept, bell\x07 not"]).cleaned
    [1]
    """
    if set(map(type, values)) <= _TEXT_TYPES:
        texts = [v for v in values if isinstance(v, str) and v]
        if not texts:
            return XlsxColumn([None] * len(values))
        if max(map(len, texts)) < XLSX_CELL_LIMIT and not _NOT_IN_XML.search("".join(texts)):
            return XlsxColumn([neutralise(v) if isinstance(v, str) and v else None
                               for v in values])
    column = XlsxColumn([])
    for i, value in enumerate(values):
        if value is None or value == "" or (isinstance(value, float) and value != value):
            column.cells.append(None)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            column.cells.append(value)
        else:
            cell = xlsx_text(value if isinstance(value, str) else cell_text(value))
            column.cells.append(cell.text)
            if cell.cut:
                column.cut.append(i)
            if cell.cleaned:
                column.cleaned.append(i)
    return column
