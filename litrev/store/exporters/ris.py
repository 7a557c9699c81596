"""RIS: one entry per work (for reference managers), its excerpts as abstract and notes."""

from __future__ import annotations

from pathlib import Path

import duckdb

from litrev.store.cells import cell_text
from litrev.store.exporters.table import ExportRequest, Row, iter_rows
from litrev.vocabulary import ExcerptKind

RIS_TYPES = {"article": "JOUR", "journal-article": "JOUR", "book": "BOOK", "book-chapter": "CHAP",
             "chapter": "CHAP", "thesis": "THES", "dissertation": "THES", "dataset": "DATA",
             "report": "RPRT", "preprint": "JOUR", "proceedings-article": "CPAPER"}


def _line(tag: str, value: object) -> str:
    text = " ".join(cell_text(value).split())
    return f"{tag}  - {text}\n" if text else ""


def _entry(rows: list[Row]) -> str:
    first = rows[0]
    kind = RIS_TYPES.get((first["_work_type"] or "").lower(),
                         "JOUR" if first["venue"] else "GEN")
    out = [_line("TY", kind), _line("ID", first["_work_id"])]
    out += [_line("AU", a) for a in (first["authors"] or "").split("; ") if a]
    out += [_line("PY", first["year"]), _line("TI", first["title"] or "(untitled)"),
            _line("T2", first["venue"]), _line("DO", first["_doi"]),
            _line("UR", first["doi_link"] or first["_url"]),
            _line("LA", first["_work_language"])]
    abstracts = [r for r in rows if r["kind"] == ExcerptKind.ABSTRACT]
    if abstracts:
        out.append(_line("AB", abstracts[0]["original_text"]))
    themes = sorted({t for r in rows for t in (r["themes"] or "").split("; ") if t})
    out += [_line("KW", t) for t in themes]
    for r in rows:
        if r["translation"] and r["kind"] == ExcerptKind.ABSTRACT:
            out.append(_line("N1", f"Translation ({r['translation_language']}, "
                                   f"{r['translation_status']}): {r['translation']}"))
        if r["kind"] == ExcerptKind.CITATION_STATEMENT:
            where = "; ".join(x for x in (r["section"], r["stance"]) if x)
            out.append(_line("N1", f"Citation statement [{where}] citing "
                                   f"{r['cited_work'] or 'an unnamed work'}: "
                                   f"{r['original_text']}"))
    if first["synthetic"]:
        out.append(_line("N1", "SYNTHETIC record (test or demo data), not a real publication"))
    out.append(_line("N1", "litrev excerpts: " + ", ".join(r["excerpt_id"] for r in rows)))
    out.append("ER  - \n\n")
    return "".join(out)


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    """One entry per work; rows arrive ordered by work, so one work's rows are consecutive."""
    count = 0
    pending: list[Row] = []
    with open(path, "w", encoding="utf-8", newline="\r\n") as f:
        for batch in iter_rows(con, request):
            for row in batch:
                if pending and row["_work_id"] != pending[0]["_work_id"]:
                    f.write(_entry(pending))
                    pending = []
                pending.append(row)
                count += 1
        if pending:
            f.write(_entry(pending))
    return count
