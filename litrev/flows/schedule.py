"""The nightly deployment: the harvest flow on the profile's cron, in its IANA time zone.

Why an IANA zone: Prefect evaluates a cron schedule in the zone it is given, so "02:00
Europe/Helsinki" stays 02:00 local time across daylight-saving changes, and the repeated hour
of an autumn change makes no second run (see ``tests/test_schedule.py``). Why a concurrency
limit of one: a slow harvest must never overlap the next night's; a run that comes due while
one is running waits for it.

Two ways to run it:

- ``litrev serve`` serves the deployment from this process (:func:`serve_nightly`); flow runs
  execute as child processes of it. It needs a Prefect server: ``PREFECT_API_URL``, or one
  that ``litrev serve`` starts itself (:mod:`flows.prefect_server`).
- ``litrev deploy`` writes a ``prefect.yaml`` (:mod:`litrev.flows.deploy`) for users with their
  own server and a work pool: ``prefect deploy --all`` then registers it.

    deployment = build_deployment(profile, profile_path, db_path)
    deployment.name, deployment.schedules[0].schedule.cron
    # -> ('nightly-my-review', '0 2 * * *')
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from litrev.flows.harvest import FLOW_NAME, slug
from litrev.vocabulary import Trigger

# a module path: works wherever litrev is installed
ENTRYPOINT = "litrev.flows.harvest.nightly_harvest"


def deployment_name(profile) -> str:
    return f"nightly-{slug(profile.name)}"


def deployment_parameters(profile_path: Path, db_path: Path | str) -> dict:
    from litrev.store.db import location_of

    local = location_of(db_path).local_path  # a catalog URL stays as written
    return {"profile_path": str(Path(profile_path).resolve()),
            "db_path": str(local.resolve()) if local is not None else str(db_path),
            "trigger": Trigger.DEPLOYMENT}


def nightly_schedule(profile, *, interval_seconds: float | None = None):
    """The profile's cron in its time zone (or, for trying a setup, every N seconds)."""
    from prefect.schedules import Cron, Interval

    if interval_seconds:
        return Interval(dt.timedelta(seconds=interval_seconds),
                        timezone=profile.schedule.timezone)
    return Cron(profile.schedule.cron, timezone=profile.schedule.timezone)


def build_deployment(profile, profile_path: Path, db_path: Path, *,
                     interval_seconds: float | None = None):
    from prefect.deployments.runner import EntrypointType

    from litrev.flows.harvest import nightly_harvest

    return nightly_harvest.to_deployment(
        name=deployment_name(profile),
        schedules=[nightly_schedule(profile, interval_seconds=interval_seconds)],
        concurrency_limit=1,
        parameters=deployment_parameters(profile_path, db_path),
        description=f"litrev nightly harvest of the review {profile.name!r}",
        tags=["litrev"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_nightly(profile, profile_path: Path, db_path: Path, *,
                  interval_seconds: float | None = None) -> None:
    """Register the deployment on the current server and execute its runs until stopped."""
    from prefect import serve

    deployment = build_deployment(profile, profile_path, db_path,
                                  interval_seconds=interval_seconds)
    serve(deployment, print_starting_message=False, limit=1)


def full_deployment_name(profile) -> str:
    return f"{FLOW_NAME}/{deployment_name(profile)}"
