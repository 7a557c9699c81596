"""Printing frames for the terminal and for other programs: table, csv, json, markdown.

CSV goes to spreadsheets, so every text cell (and column name) passes the one formula guard,
:func:`litrev.store.cells.neutralise`; numbers are written as numbers (``-3`` stays ``-3``).
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pandas is imported by the commands that print frames, not by `litrev -h`
    import pandas as pd

from litrev.store.cells import neutralise

FORMATS = ("table", "csv", "json", "markdown")


def _plain(value: object) -> object:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _cell(value: object, width: int | None = None) -> str:
    value = _plain(value)
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _csv_cell(value) -> str:
    """A CSV cell: text through the formula guard, numbers, dates and empty cells as they are."""
    plain = _plain(value)
    text = _cell(value)
    return neutralise(text) if isinstance(plain, str | list) else text


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def write_frame(frame: pd.DataFrame, fmt: str = "table", out: TextIO | None = None,
                max_width: int = 60) -> None:
    out = out or sys.stdout
    if fmt == "json":
        for row in records(frame):
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        cells = frame.map(_csv_cell)
        cells.columns = [neutralise(str(c)) for c in frame.columns]
        cells.to_csv(out, index=False)
    elif fmt == "markdown":
        cols = list(frame.columns)
        out.write("| " + " | ".join(cols) + " |\n")
        out.write("|" + "|".join("---" for _ in cols) + "|\n")
        for row in frame.itertuples(index=False):
            cells = [_cell(v).replace("|", "\\|") for v in row]
            out.write("| " + " | ".join(cells) + " |\n")
    else:
        cols = list(frame.columns)
        rows = [[_cell(v, max_width) for v in row] for row in frame.itertuples(index=False)]
        widths = [max([len(str(c))] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
        out.write("  ".join(str(c).ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()
                  + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for r in rows:
            out.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                      + "\n")
        if not rows:
            out.write("(no rows)\n")
