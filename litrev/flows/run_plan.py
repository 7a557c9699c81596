"""What one harvest run will do, decided before Prefect is imported: its id, its sources, and
the preparation its tasks would otherwise do after Prefect's server answers.

Why a module of its own: ``litrev harvest`` checks its arguments and names the run (and so its
log file) before it starts anything, and a bad ``--source`` is refused in one line without
waiting for Prefect; :func:`prepare` then runs while Prefect's local server starts
(:mod:`litrev.flows.prefect_server`), on the second core.

    new_run_id(dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC))   # random suffix
    # -> '20261202T120000Z-3f9a1c'
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from pathlib import Path
from typing import Any

# What a harvest run imports on every run, a night with nothing new included; imported ahead
# by prepare(). Besides litrev's own: Prefect's run engines and the encoder its parameters go
# through, and pyarrow.dataset, which DuckDB imports when a session first registers an Arrow
# table (0.1-0.3 s of a night with nothing new, after the server answered, measured).
TASK_MODULES = (
    "litrev.store.db", "litrev.store.ledger", "litrev.store.load", "litrev.store.state",
    "litrev.store.detections", "litrev.store.search", "litrev.store.status",
    "litrev.store.themes", "litrev.extract.sources", "litrev.flows.runlog",
    "litrev.flows.detection", "litrev.flows.translation", "litrev.flows.coding",
    "litrev.flows.source_run", "prefect.flow_engine", "prefect.task_engine", "prefect.artifacts",
    "fastapi.encoders", "pyarrow.dataset",
)


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def select_sources(profile: Any, names: list[str] | None) -> list[str]:
    """The profile's enabled sources, or the ones asked for (which must be configured)."""
    from litrev.flows.errors import UsageError

    enabled = [s.name for s in profile.enabled_sources()]
    if not names:
        if not enabled:
            raise UsageError("the profile enables no source; set enabled = true under one of "
                             "its [sources.NAME] tables")
        return sorted(enabled)
    unknown = [n for n in names if n not in profile.sources]
    if unknown:
        raise UsageError(f"source {', '.join(unknown)} is not configured in the profile; "
                         f"configured: {', '.join(sorted(profile.sources)) or 'none'}")
    return sorted(dict.fromkeys(names))


def prepare(db: Path | str, names: list[str]) -> None:
    """Create the database when it is missing and import what the run's tasks import.

    Nothing here needs Prefect's server: the flow does the same (creating a missing database,
    importing on first use), so a caller that skips this changes only when the time is spent.
    """
    from litrev.extract.errors import ExtractError
    from litrev.extract.sources import source_module
    from litrev.store.db import create_database, location_of

    if not location_of(db).exists:
        create_database(db)
    for module in TASK_MODULES:
        importlib.import_module(module)
    for name in names:
        try:
            source_module(name)
        except ExtractError:  # its task reports it, beside the other sources
            continue
