"""The bundled demo review: the whole product on real records, offline, in one call.

Why it runs the real flow: a newcomer should see what a night does, not a special demo path.
:func:`run_demo` writes the demo review (profile, JSON Lines files, translation memory; all
shipped in ``litrev/flows/demo/``) into a working folder, imports the translation memory, runs
the same ``nightly_harvest`` flow a schedule runs (only the ``files`` source is enabled, the
translation provider is ``none``, so nothing touches the network), then runs saved queries and
writes the reviewers' tables and the run report.

    result = run_demo("litrev-demo.ducklake", "litrev-out")
    sorted(p.name for p in result.outputs)
    # -> ['excerpts.html', 'excerpts.xlsx', 'report.html']

Running it again changes nothing in the corpus: the files source sees unchanged files, the
memory import is an upsert, and every id is stable (the ledger records one more run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from litrev.extract.profile import Profile
from litrev.store.status import CorpusStatus
from litrev.vocabulary import Trigger

SEED_DOI = "10.1177/0020764020904764"
WORK_FOLDER = "demo-review"
IMPORTS = "imports"
TM_FILE = "demo-tm.tmx"
NOTES = ("README.md", "demo-corpus-README.md")
# The saved queries the demo prints: name, parameters, why a newcomer should look at it.
DEMO_QUERIES = (
    ("citation_statements_of_work", {"doi": SEED_DOI},
     "the seed work's citation statements, as on its scite page"),
    ("stance_tallies", {}, "how the cited works are cited"),
    ("prisma_counts", {}, "PRISMA 2020 identification counts per source"),
)
OUTPUTS = {"xlsx": "excerpts.xlsx", "html": "excerpts.html", "report": "report.html"}


@dataclass(frozen=True)
class DemoMemory:
    """The demo's translation memory as imported: its entries per source language."""

    file: str
    entries: int
    by_language: dict[str, int]


@dataclass
class DemoResult:
    work_folder: Path
    profile_path: Path
    db_path: Path
    summary: dict                       # the harvest flow's run summary
    status: CorpusStatus                # the corpus afterwards
    top_themes: pd.DataFrame            # theme_id, label, excerpts
    memory: DemoMemory
    queries: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


def demo_files() -> resources.abc.Traversable:
    """The demo review shipped with litrev (``litrev/flows/demo``)."""
    return resources.files("litrev.flows") / "demo"


def write_demo_review(folder: str | os.PathLike) -> Path:
    """Write the demo profile and data into ``folder``; return the profile's path.

    The JSON Lines files go to ``imports/`` (what the ``files`` source reads); the translation
    memory and the provenance notes go beside the profile. Existing copies are overwritten, so
    the folder always holds the demo as shipped.
    """
    folder = Path(folder)
    (folder / IMPORTS).mkdir(parents=True, exist_ok=True)
    shipped = demo_files()
    data = shipped / "data"
    for item in data.iterdir():
        name = item.name
        if name.endswith(".jsonl"):
            target = folder / IMPORTS / name
        elif name == TM_FILE or name in NOTES:
            target = folder / name
        else:
            continue
        target.write_bytes(item.read_bytes())
    profile = folder / "profile.toml"
    profile.write_bytes((shipped / "profile.toml").read_bytes())
    return profile


def import_memory(db_path: Path, tmx: Path, profile: Profile) -> DemoMemory:
    """Import the demo's translation memory (status ``tm``) before the harvest.

    The TMX holds Finnish, German and Swedish source texts (header ``srclang="*all*"``), so it
    is read once per source language of the profile.
    """
    from litrev.flows.translation import import_translation_memory

    sources = [lang for lang in profile.candidate_languages if lang != profile.target_language]
    by_language: dict[str, int] = {}
    for lang in sources:
        result = import_translation_memory(db_path, tmx, source_language=lang,
                                           target_language=profile.target_language)
        if result.entries:
            by_language[lang] = result.entries
    return DemoMemory(file=tmx.name, entries=sum(by_language.values()), by_language=by_language)


def top_themes(con, limit: int = 5) -> pd.DataFrame:
    from litrev.store.db import frame
    from litrev.store.sqlfiles import internal

    q = internal("report_top_themes")
    return frame(con, q.sql, q.bind({"limit": limit}))


def run_saved_queries(con) -> list[tuple[str, str, pd.DataFrame]]:
    from litrev.store.queries import get_query, run_saved

    return [(name, why, run_saved(con, get_query(name), params))
            for name, params, why in DEMO_QUERIES]


def write_outputs(db_path: Path, out: Path, profile) -> list[Path]:
    """The reviewers' tables (XLSX, HTML) and the run report, into ``out``."""
    from litrev.flows.report import write_report
    from litrev.store.db import read_session
    from litrev.store.export import export_excerpts

    out.mkdir(parents=True, exist_ok=True)
    description = (f"{profile.name}. Demo data: real records with their provenance in 'origin'; "
                   "rows with synthetic = yes are SYNTHETIC examples (DOI prefix 10.5555), not "
                   "real publications; translations with status tm come from the demo's "
                   "hand-prepared translation memory.")
    written = []
    with read_session(db_path) as con:
        for fmt in ("xlsx", "html"):
            path = out / OUTPUTS[fmt]
            export_excerpts(con, path, fmt, target_language=profile.target_language,
                            description=description)
            written.append(path)
    written.append(write_report(db_path, out / OUTPUTS["report"],
                                target_language=profile.target_language,
                                title=f"{profile.name}: run report"))
    return written


def run_demo(db_path: str | os.PathLike, out_dir: str | os.PathLike) -> DemoResult:
    """Write the demo review, import its memory, harvest, query and write the outputs."""
    from litrev.extract.profile import load_profile
    from litrev.flows.harvest import nightly_harvest
    from litrev.store.db import create_database, read_session
    from litrev.store.status import corpus_status

    db_path, out = Path(db_path).resolve(), Path(out_dir).resolve()
    work = out / WORK_FOLDER
    profile_path = write_demo_review(work)
    profile = load_profile(profile_path)
    create_database(db_path)
    memory = import_memory(db_path, work / TM_FILE, profile)
    summary = nightly_harvest(profile_path=str(profile_path), db_path=str(db_path),
                              trigger=Trigger.DEMO)
    with read_session(db_path) as con:
        status = corpus_status(con, target_language=profile.target_language)
        themes = top_themes(con)
        queries = run_saved_queries(con)
    outputs = write_outputs(db_path, out, profile)
    return DemoResult(work_folder=work, profile_path=profile_path, db_path=db_path,
                      summary=summary, status=status, top_themes=themes, memory=memory,
                      queries=queries, outputs=outputs)

