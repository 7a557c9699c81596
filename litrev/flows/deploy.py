"""The ``prefect.yaml`` that ``litrev deploy`` writes: the nightly harvest on a work pool.

Why a file rather than registering from Python: a team's Prefect server and workers are run by
whoever runs them; ``prefect deploy --all`` with a file kept beside the review is how Prefect
registers deployments there, and the file can be read, reviewed and versioned.

The file declares two deployments on one work pool (``process`` or ``docker``):

- ``nightly-<review>``: :func:`litrev.flows.harvest.nightly_harvest` on the profile's cron and
  time zone, one run at a time, with ``fan_out: true`` (each source as its own run, see
  :mod:`litrev.flows.source_run`);
- ``sources-<review>``: :func:`litrev.flows.source_run.source_run`, the per-source run, no
  schedule: the nightly run starts one per source and any worker of the pool takes it.

Nothing secret and no machine's path is written into the file: the store, the shared review
folder and (when the store has one) the lake's data path are the job variables ``LITREV_DB``,
``LITREV_REVIEW_DIR`` and ``LITREV_DATA_PATH`` given as ``{{ $LITREV_DB }}`` references
(Prefect fills them from the environment of ``prefect deploy``), or the store's URL is a Secret
block (``db_block``: a PostgreSQL catalog URL may hold a password); API keys are ``{{
prefect.blocks.secret.<name> }}`` references to Prefect Secret blocks (``secrets="block"``) or
are left to the workers' environment (``secrets="env"``: the file names the variables in a
comment). The pull step either enters the shared review folder (``set_working_directory``) or
clones the review's repository (``git_clone``).

    text = prefect_yaml(profile, DeploySettings(work_pool="litrev"))
    yaml.safe_load(text)["deployments"][0]["name"]
    # -> 'nightly-my-review'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litrev.flows.harvest import slug
from litrev.flows.schedule import ENTRYPOINT, deployment_name
from litrev.flows.source_run import (
    SOURCE_ENTRYPOINT,
    full_source_deployment_name,
    source_deployment_name,
)
from litrev.vocabulary import Trigger

DEFAULT_IMAGE = "litrev:latest"
REVIEW_DIR_ENV = "LITREV_REVIEW_DIR"


@dataclass(frozen=True)
class DeploySettings:
    """What ``litrev deploy`` was asked for (its options)."""

    work_pool: str = "litrev"
    work_queue: str | None = None
    pool_type: str = "process"
    image: str = DEFAULT_IMAGE
    pull: str = "directory"
    repository: str | None = None
    branch: str | None = None
    git_token_block: str | None = None
    secrets: str = "block"
    profile_in_folder: str = "litrev.toml"  # the profile's path inside the folder or repository
    fan_out: bool = True
    data_path: bool = False  # the store has a data path of its own (LITREV_DATA_PATH)
    db_block: str | None = None  # a Secret block holding the store's location


def secret_block_name(env: str) -> str:
    """The Secret block that holds the value of one environment variable.

    >>> secret_block_name("LITREV_OPENALEX_API_KEY")
    'litrev-openalex-api-key'
    """
    return slug(env)


def secret_envs(profile: Any) -> list[str]:
    """The environment variables of the API keys this review's sources and translator use."""
    from litrev.extract.profile import SECRET_ENV

    names = [s.name for s in profile.enabled_sources()] + [profile.translation.provider]
    return sorted({SECRET_ENV[n] for n in names if n in SECRET_ENV})


def _ref(env: str) -> str:
    return "{{ $" + env + " }}"


def _block(name: str) -> str:
    return "{{ prefect.blocks.secret." + name + " }}"


def job_variables(profile: Any, settings: DeploySettings) -> dict[str, Any]:
    env: dict[str, str] = {
        "LITREV_DB": _block(settings.db_block) if settings.db_block else _ref("LITREV_DB")}
    if settings.data_path:
        env["LITREV_DATA_PATH"] = _ref("LITREV_DATA_PATH")
    if settings.pull == "directory":
        env[REVIEW_DIR_ENV] = _ref(REVIEW_DIR_ENV)
    if settings.secrets == "block":
        for name in secret_envs(profile):
            env[name] = _block(secret_block_name(name))
    variables: dict[str, Any] = {"env": env}
    if settings.pool_type == "docker":
        variables["image"] = settings.image
        if settings.pull == "directory":
            # the review folder at the same path inside the container: paths agree everywhere
            folder = _ref(REVIEW_DIR_ENV)
            variables["volumes"] = [f"{folder}:{folder}"]
    return variables


def pull_steps(settings: DeploySettings) -> list[dict[str, Any]]:
    from litrev.flows.errors import UsageError

    if settings.pull == "git":
        if not settings.repository:
            raise UsageError("--pull git needs --repo URL (the repository holding the review's "
                             "profile)")
        step: dict[str, Any] = {"repository": settings.repository}
        if settings.branch:
            step["branch"] = settings.branch
        if settings.git_token_block:
            step["access_token"] = _block(settings.git_token_block)
        return [{"prefect.deployments.steps.git_clone": {"id": "clone", **step}}]
    return [{"prefect.deployments.steps.set_working_directory": {
        "directory": _ref(REVIEW_DIR_ENV)}}]


def deployments(profile: Any, settings: DeploySettings) -> list[dict[str, Any]]:
    def pool() -> dict[str, Any]:  # a copy each: no YAML anchors in the written file
        return {"name": settings.work_pool, "work_queue_name": settings.work_queue,
                "job_variables": job_variables(profile, settings)}

    nightly = {
        "name": deployment_name(profile),
        "description": f"litrev nightly harvest of the review {profile.name!r}",
        "entrypoint": ENTRYPOINT,
        "tags": ["litrev"],
        "parameters": {"profile_path": settings.profile_in_folder,
                       "trigger": str(Trigger.DEPLOYMENT), "fan_out": settings.fan_out,
                       "source_deployment": full_source_deployment_name(profile)},
        "schedules": [{"cron": profile.schedule.cron, "timezone": profile.schedule.timezone,
                       "active": True}],
        "concurrency_limit": 1,
        "work_pool": pool(),
    }
    per_source = {
        "name": source_deployment_name(profile),
        "description": f"one source of the review {profile.name!r}, started by "
                       f"{deployment_name(profile)} (no schedule of its own)",
        "entrypoint": SOURCE_ENTRYPOINT,
        "tags": ["litrev"],
        "parameters": {},
        "schedules": [],
        "work_pool": pool(),
    }
    return [nightly, per_source] if settings.fan_out else [nightly]


def header(profile: Any, settings: DeploySettings) -> list[str]:
    lines = [
        "Written by `litrev deploy`: the nightly harvest of " + repr(profile.name) + ".",
        "Register (from the folder of this file, with the references set):",
        "  " + " ".join(f"{name}=<{what}>" for name, what in reference_help(settings))
        + " prefect deploy --all",
        f"Workers: prefect worker start --pool {settings.work_pool}"
        f"   (pool type {settings.pool_type})",
    ]
    envs = secret_envs(profile)
    if envs and settings.secrets == "block":
        lines.append("API keys: Prefect Secret blocks " + ", ".join(
            secret_block_name(e) for e in envs) + " (create them before `prefect deploy`)")
    elif envs:
        lines.append("API keys: set " + ", ".join(envs) + " in every worker's environment")
    return lines


def prefect_yaml(profile: Any, settings: DeploySettings) -> str:
    """The whole ``prefect.yaml`` (comments first, then what ``prefect deploy`` reads)."""
    import prefect
    import yaml

    spec = {
        "name": "litrev",
        "prefect-version": prefect.__version__,
        "build": None,
        "push": None,
        "pull": pull_steps(settings),
        "deployments": deployments(profile, settings),
    }
    body = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=1000)
    return "".join(f"# {line}\n" for line in header(profile, settings)) + body


def save_secret_command(block: str, env: str) -> str:
    """The command that saves the value of ``env`` (in the caller's environment) as a Secret block.

    >>> save_secret_command("litrev-openalex-api-key", "LITREV_OPENALEX_API_KEY")[:46]
    'python -c "import os; from prefect.blocks.syst'
    """
    return ('python -c "import os; from prefect.blocks.system import Secret; '
            f"Secret(value=os.environ['{env}']).save('{block}', overwrite=True)\"")


def reference_help(settings: DeploySettings) -> list[tuple[str, str]]:
    """The environment ``prefect deploy`` needs for the file's ``{{ $NAME }}`` references."""
    out = [] if settings.db_block else [("LITREV_DB", "the store")]
    if settings.data_path:
        out.append(("LITREV_DATA_PATH", "the lake's data path"))
    if settings.pull == "directory":
        out.append((REVIEW_DIR_ENV, "the shared review folder"))
    return out


def profile_in_folder(profile_path: Path, folder: Path | None) -> str:
    """The profile's path relative to the review folder (its own folder by default)."""
    profile_path = Path(profile_path).resolve()
    base = Path(folder).resolve() if folder else profile_path.parent
    try:
        return profile_path.relative_to(base).as_posix()
    except ValueError:
        return profile_path.name
