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

HTML pages (the excerpt export, the run report) escape every value with :func:`escape_html`.
"""

from __future__ import annotations

import datetime as dt
import html

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
