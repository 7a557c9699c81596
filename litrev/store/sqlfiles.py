"""Named SQL files: ``-- name:``, ``-- description:`` and ``-- param:`` headers, then the SQL.

Why: SQL lives in files that an analyst can read and run, with bound parameters, never built
with f-strings. The same parser serves the store's internal statements (``litrev/store/sql/``)
and the saved queries users run (``litrev/queries/``).

Header example::

    -- name: citation_statements_of_work
    -- description: The citation statements that cite one work, newest first.
    -- param: doi text: DOI of the cited work, e.g. 10.1177/0020764020904764
    -- param: limit int default=100: at most this many rows
    SELECT ... WHERE cw.doi = $doi LIMIT $limit
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from litrev.store.errors import StoreError

_HEADER = re.compile(r"^--\s*(name|description|param)\s*:\s*(.*)$")
_PARAM = re.compile(
    r"^(\w+)\s+(text|int|float|date|timestamp|bool)(?:\s+default=(\S*))?\s*:\s*(.*)$")
_PLACEHOLDER = re.compile(r"(?<![:$\w])\$([A-Za-z_]\w*)")
_CONVERT: dict[str, Callable[[str], object]] = {
    "text": str,
    "int": int,
    "float": float,
    "date": dt.date.fromisoformat,
    "timestamp": dt.datetime.fromisoformat,
    "bool": lambda v: {"true": True, "1": True, "yes": True,
                       "false": False, "0": False, "no": False}[v.lower()],
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str

    def convert(self, value: str) -> object:
        try:
            return _CONVERT[self.type](value)
        except (ValueError, KeyError):
            raise ValueError(f"parameter {self.name!r} expects a {self.type}"
                             f"{' (YYYY-MM-DD)' if self.type == 'date' else ''}, "
                             f"got {value!r}") from None


@dataclass(frozen=True)
class SqlFile:
    name: str
    description: str
    params: tuple[Param, ...]
    sql: str
    path: str

    def placeholders(self) -> set[str]:
        return set(_PLACEHOLDER.findall(_strip_comments(self.sql)))

    def bind(self, values: Mapping[str, object]) -> dict[str, object]:
        """Return only the parameters the SQL uses, converting strings by declared type."""
        out: dict[str, object] = {}
        declared = {p.name: p for p in self.params}
        for name in self.placeholders():
            if name in values:
                value = values[name]
                p = declared.get(name)
                out[name] = p.convert(value) if p is not None and isinstance(value, str) else value
            elif name in declared and declared[name].default is not None:
                d = declared[name]
                out[name] = None if not d.default else d.convert(d.default)
            else:
                raise KeyError(name)
        return out


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def parse_sql_file(text: str, path: str = "<string>") -> SqlFile:
    name = description = None
    params: list[Param] = []
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        m = _HEADER.match(line.strip()) if in_header else None
        if m:
            key, value = m.groups()
            if key == "name":
                name = value.strip()
            elif key == "description":
                description = value.strip()
            else:
                pm = _PARAM.match(value.strip())
                if not pm:
                    raise ValueError(f"{path}: bad param header {line!r}; expected "
                                     "'-- param: NAME TYPE [default=VALUE]: description'")
                params.append(Param(pm.group(1), pm.group(2), pm.group(3), pm.group(4).strip()))
            continue
        if in_header and line.startswith("--") and description is not None and not body:
            description += " " + line.lstrip("-").strip()  # continued description
            continue
        in_header = in_header and not line.strip() == "" and line.startswith("--")
        body.append(line)
    if not name or description is None:
        raise ValueError(f"{path}: a SQL file needs '-- name:' and '-- description:' headers")
    return SqlFile(name=name, description=description, params=tuple(params),
                   sql="\n".join(body).strip(), path=path)


@cache
def internal(name: str) -> SqlFile:
    """One of the store's own statements, from ``litrev/store/sql/NAME.sql``."""
    ref = resources.files("litrev.store") / "sql" / f"{name}.sql"
    return parse_sql_file(ref.read_text(encoding="utf-8"), path=str(ref))


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def identifier(name: str) -> str:
    """``name`` when it is a plain lower-case SQL identifier (a table, view or column name the
    store read from the lake's own schema), else a StoreError: identifiers are the only text
    filled into SQL, and never from a user's input."""
    if not _IDENTIFIER.match(name):
        raise StoreError(f"unexpected table or column name {name!r} in the lake's schema")
    return name


def filled(name: str, **identifiers: str) -> str:
    """The store's statement ``name`` with its ``{placeholders}`` filled with identifiers (or
    lists of them) that the caller checked with :func:`identifier`.

        filled("export_copy_table", out="lake_1_export", table="works")
        # -> 'CREATE TABLE lake_1_export.main.works AS SELECT * FROM works'
    """
    sql = internal(name).sql
    for key, value in identifiers.items():
        sql = sql.replace("{" + key + "}", value)
    return sql


def read_dir(folder: Path | resources.abc.Traversable) -> list[SqlFile]:
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [parse_sql_file(f.read_text(encoding="utf-8"), path=str(f)) for f in files]
