"""Resolving the database and profile for a command: flags, then environment, then defaults.

    --db PATH|URL    > LITREV_DB        > the profile's review.database > ./litrev.ducklake
    --profile PATH   > LITREV_PROFILE   > ./litrev.toml (when it exists)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from litrev.extract.profile import Profile, load_profile

DEFAULT_DB = "litrev.ducklake"
DEFAULT_PROFILE = "litrev.toml"


@dataclass(frozen=True)
class Context:
    db_flag: str | None
    profile_flag: str | None

    @property
    def profile_path(self) -> Path | None:
        value = self.profile_flag or os.environ.get("LITREV_PROFILE")
        if value:
            return Path(value)
        default = Path(DEFAULT_PROFILE)
        return default if default.exists() else None

    def profile(self, *, required: bool = True) -> Profile | None:
        path = self.profile_path
        if path is None:
            if required:
                from litrev.extract.errors import ProfileError

                raise ProfileError("no review profile: pass --profile PATH, set LITREV_PROFILE, "
                                   "or create litrev.toml with `litrev init`")
            return None
        return load_profile(path)

    @property
    def db_path(self) -> Path | str:
        """A path (the local lake's catalog file), or a catalog URL kept as text (a Path
        would fold the ``//`` of ``postgresql://``)."""
        value = self.db_flag or os.environ.get("LITREV_DB")
        if value:
            return value if ":" in value.split("/", 1)[0] else Path(value)
        path = self.profile_path
        if path is not None and path.exists():
            try:
                return load_profile(path).database_path
            except Exception:  # noqa: BLE001 - an invalid profile is reported by the command
                pass
        return Path(DEFAULT_DB)
