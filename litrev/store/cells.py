"""The one formula guard for every CSV and XLSX cell litrev writes, and its inverse for reading.

Why: reviewers open litrev's files in Excel or LibreOffice. A harvested text that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run there as a formula
(``=HYPERLINK(...)`` phoning home). Every writer of a spreadsheet-readable cell (exports, query
and search results as CSV) goes through :func:`neutralise`; every reader of a reviewed file goes
through :func:`strip_neutraliser`, so a round trip gives back the stored text.

    >>> neutralise("=1+1")
    "'=1+1"
    >>> strip_neutraliser(neutralise("=1+1"))
    '=1+1'
"""

from __future__ import annotations

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
