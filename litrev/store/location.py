"""Where the corpus lives: a local lake (a catalog file and its data folder) or a shared catalog.

Why one parser: ``--db`` / ``LITREV_DB`` / the profile's ``review.database`` name the store in
one string, and every command, flow and bench must read it the same way. A path is the local
lake: the DuckLake catalog (an SQLite file, ``litrev.ducklake`` by default) with its Parquet
files in ``<catalog>.files/`` beside it (DuckLake's own convention). A ``postgresql://`` URL or
a ``ducklake:postgres:<conninfo>`` string is a shared catalog; its data path comes from
``--data-path`` / ``LITREV_DATA_PATH`` (a shared folder, or object storage such as ``s3://``).

    StoreLocation.parse("review/litrev.ducklake").data_path
    # -> 'review/litrev.ducklake.files/'
    StoreLocation.parse("postgresql://me@db.example/review", data_path="/shared/lake/").backend
    # -> <Backend.POSTGRES: 'postgres'>
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from litrev.store.errors import StoreError

DATA_PATH_ENV = "LITREV_DATA_PATH"
DATA_SUFFIX = ".files"
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
_OBJECT_STORES = ("s3://", "gs://", "gcs://", "r2://", "az://", "azure://", "abfss://",
                  "http://", "https://")


class Backend(StrEnum):
    LOCAL = "local"
    POSTGRES = "postgres"


class LegacyDatabase(StoreError):
    """The path is a DuckDB file of an earlier litrev, not a lake."""


@dataclass(frozen=True)
class StoreLocation:
    """One store: its catalog, its data path and what follows from them."""

    backend: Backend
    catalog: str      # the catalog file (local) or the PostgreSQL conninfo / URL
    data_path: str    # a folder ending in '/', or an object-storage prefix

    @classmethod
    def parse(cls, value: str | os.PathLike | StoreLocation, *,
              data_path: str | None = None) -> StoreLocation:
        if isinstance(value, StoreLocation):
            return value
        text = os.fspath(value)
        if not text.strip():
            raise StoreError("the store location is empty; pass --db PATH (a local lake such "
                             "as litrev.ducklake) or a postgresql:// catalog URL")
        data = data_path or os.environ.get(DATA_PATH_ENV) or None
        if text.startswith(("postgresql://", "postgres://", "ducklake:postgres:")):
            conninfo = text.removeprefix("ducklake:postgres:")
            if not data:
                raise StoreError(f"a PostgreSQL catalog needs a data path for its files: pass "
                                 f"--data-path FOLDER (or set {DATA_PATH_ENV}), e.g. a shared "
                                 "folder or s3://bucket/review/")
            return cls(Backend.POSTGRES, conninfo, _folder(data))
        if text.startswith("ducklake:"):
            raise StoreError(f"unsupported catalog {text.split(':')[1]!r}; use a path (local "
                             "lake) or a postgresql:// URL")
        path = Path(text)
        if _is_duckdb_file(path):
            raise LegacyDatabase(
                f"{path} is a DuckDB database of an earlier litrev, not a lake; move it with "
                f"`litrev migrate {path} --to {path.with_suffix('.ducklake')}` and use that")
        return cls(Backend.LOCAL, str(path), _folder(data or str(path) + DATA_SUFFIX))

    @property
    def uri(self) -> str:
        """What ATTACH takes: ``ducklake:sqlite:<file>`` or ``ducklake:postgres:<conninfo>``."""
        kind = "sqlite" if self.backend is Backend.LOCAL else "postgres"
        return f"ducklake:{kind}:{self.catalog}"

    @property
    def local_path(self) -> Path | None:
        """The catalog file of a local lake (None for a shared catalog)."""
        return Path(self.catalog) if self.backend is Backend.LOCAL else None

    @property
    def exists(self) -> bool:
        """A local catalog file exists; a shared catalog is assumed to (ATTACH says if not)."""
        return self.local_path.exists() if self.local_path is not None else True

    @property
    def needs_httpfs(self) -> bool:
        return self.data_path.startswith(_OBJECT_STORES)

    @property
    def home(self) -> Path:
        """A local folder for what belongs beside the store: run logs, locks, caches."""
        if self.local_path is not None:
            return self.local_path.parent
        return Path.cwd()

    @property
    def cache_dir(self) -> Path:
        """Derived local caches (the full-text index): beside a local catalog, else in the
        user's cache folder under a name derived from the catalog (never the conninfo, which
        may hold a password)."""
        if self.local_path is not None:
            return Path(str(self.local_path) + ".cache")
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        key = hashlib.sha256(self.catalog.encode()).hexdigest()[:16]
        return base / "litrev" / key

    def __str__(self) -> str:
        if self.local_path is not None:
            return str(self.local_path)
        return "the PostgreSQL catalog " + _without_password(self.catalog)


def _folder(path: str) -> str:
    return path if path.endswith("/") else path + "/"


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False
    return head[8:12] == _DUCKDB_MAGIC


def _without_password(conninfo: str) -> str:
    """A conninfo for messages: ``password=...`` and ``user:secret@`` removed."""
    import re

    text = re.sub(r"password\s*=\s*\S+", "password=***", conninfo)
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", text)
