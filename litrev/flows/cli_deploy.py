"""`litrev deploy`: write the ``prefect.yaml`` of the nightly harvest for a work pool.

The file is built by :mod:`litrev.flows.deploy`; this module only reads the options, refuses
to overwrite a file without ``--force`` and says what to run next.
"""

from __future__ import annotations

import os
from pathlib import Path

from litrev.flows.cli import add_command
from litrev.flows.errors import UsageError

POOL_TYPES = ("process", "docker")
PULL_KINDS = ("directory", "git")
SECRET_KINDS = ("block", "env")


def cmd_deploy(args, ctx) -> int:
    from litrev.flows.deploy import (
        DeploySettings,
        prefect_yaml,
        profile_in_folder,
        reference_help,
        save_secret_command,
        secret_block_name,
        secret_envs,
    )

    profile = ctx.profile()  # validates, or says how to create one
    profile_path = Path(ctx.profile_path).resolve()
    out = Path(args.output)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to overwrite it or -o another path")
    if args.pull == "git" and not args.repo:
        raise UsageError("--pull git needs --repo URL (the repository that holds the "
                         "review's profile)")
    folder = Path(args.review_dir).resolve() if args.review_dir else profile_path.parent
    db = ctx.db_path
    shared = isinstance(db, str)  # a catalog URL
    settings = DeploySettings(
        work_pool=args.pool, work_queue=args.queue, pool_type=args.type, image=args.image,
        pull=args.pull, repository=args.repo, branch=args.branch,
        git_token_block=args.git_token_block, secrets=args.secrets,
        profile_in_folder=args.profile_in_repo if args.pull == "git" and args.profile_in_repo
        else profile_in_folder(profile_path, folder),
        fan_out=not args.one_run, db_block=args.db_block,
        data_path=shared or bool(os.environ.get("LITREV_DATA_PATH")))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(prefect_yaml(profile, settings), encoding="utf-8")
    print(f"wrote {out}: deployment {profile.name!r} on {profile.schedule.cron!r} "
          f"({profile.schedule.timezone}), {args.type} work pool {args.pool!r}, "
          + ("one run per source" if settings.fan_out else "all sources in one run"))
    print(f"next: prefect work-pool create {args.pool} --type {args.type}   (once)")
    envs = secret_envs(profile)
    if envs and args.secrets == "block":
        for env in envs:
            print(f"      {save_secret_command(secret_block_name(env), env)}   (once, with "
                  f"{env} set)")
    values = {"LITREV_DB": "<the catalog URL>" if shared else str(Path(db).resolve()),
              "LITREV_DATA_PATH": os.environ.get("LITREV_DATA_PATH", "<the data path>"),
              "LITREV_REVIEW_DIR": str(folder)}
    if args.db_block:
        print(f"      {save_secret_command(args.db_block, 'LITREV_DB')}   (once, with "
              "LITREV_DB set to the store's URL)")
    refs = " ".join(f"{name}={values[name]}" for name, _ in reference_help(settings))
    print(f"      {refs} prefect deploy --all --prefect-file {out}")
    print(f"      prefect worker start --pool {args.pool}   (on each machine)")
    if envs and args.secrets == "env":
        print(f"      each worker's environment needs {', '.join(envs)}")
    return 0


def register(sub) -> None:
    p = add_command(sub, "deploy", help="write a prefect.yaml for your own Prefect server "
                    "and a process or Docker work pool (API keys as Secret block references, "
                    "never their values)",
                    example="litrev deploy --pool litrev -o prefect.yaml\n"
                            "litrev deploy --type docker --image litrev:1.0 --pull git "
                            "--repo https://example.org/review.git")
    p.add_argument("-o", "--output", default="prefect.yaml", help="where to write it")
    p.add_argument("--pool", default="litrev", help="the work pool's name (default litrev)")
    p.add_argument("--queue", help="the work queue (default: the pool's default queue)")
    p.add_argument("--type", choices=POOL_TYPES, default="process",
                   help="the work pool's type (default process; docker needs prefect-docker "
                        "on the workers)")
    p.add_argument("--image", default="litrev:latest",
                   help="the image of a docker pool's runs (default litrev:latest)")
    p.add_argument("--pull", choices=PULL_KINDS, default="directory",
                   help="how a run finds the review: enter the shared folder LITREV_DATA_PATH "
                        "(directory, default) or clone --repo (git)")
    p.add_argument("--repo", metavar="URL", help="the review's git repository (--pull git)")
    p.add_argument("--branch", help="the branch to clone (--pull git; default the remote's)")
    p.add_argument("--git-token-block", metavar="NAME",
                   help="a Prefect Secret block holding the token of a private repository")
    p.add_argument("--profile-in-repo", metavar="PATH",
                   help="the profile's path inside the repository (--pull git; default: its "
                        "path inside the review folder)")
    p.add_argument("--review-dir", metavar="DIR",
                   help="the shared review folder a run enters (LITREV_REVIEW_DIR; default: "
                        "the profile's folder)")
    p.add_argument("--db-block", metavar="NAME",
                   help="a Prefect Secret block holding the store's location (a catalog URL "
                        "with a password) instead of the LITREV_DB reference")
    p.add_argument("--secrets", choices=SECRET_KINDS, default="block",
                   help="API keys as Prefect Secret block references (block, default) or from "
                        "the workers' environment (env)")
    p.add_argument("--one-run", action="store_true",
                   help="run all sources in the nightly run instead of one run per source")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_deploy)
