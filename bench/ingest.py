"""End-to-end ingest throughput: `litrev harvest` over a large generated review, then again.

The corpus is generated with a fixed seed by recombining real texts shipped in the repository
(the demo review's abstracts, titles and citation statements, and the labelled texts of
tests/fixtures/lang/) in English, Finnish, Swedish and German: every work has a DOI of the
reserved example prefix 10.5555, an abstract of 2-6 real sentences of one language (or, for one
work in five, no abstract, so its title becomes the excerpt), and two citation statements made of
real citing sentences. 100,000 works give 300,000 excerpts. They are written as JSON Lines import
files (10,000 lines a file) and harvested by the `files` source with translation provider `none`,
exactly as a review lead would run it, in a fresh process.

Printed per run: wall time, CPU time (user + system of every child process, the worker
processes of detection and coding included) and the cores that means, excerpts per second, peak
resident memory of the largest child, and the database's size. The second run finds nothing
new: its time is what a quiet night costs at that corpus size. Then, per run, each stage (each
Prefect task, read from the run's own Prefect database under the bench folder): its seconds and
excerpts per second, and the time outside any task (start-up, Prefect between tasks).

    python bench/ingest.py                     # 100,000 works / 300,000 excerpts (long)
    python bench/ingest.py --works 10000       # a quicker run
    python bench/ingest.py --works 10000 --keep bench-ingest   # keep the folder to inspect
    python bench/ingest.py --works 5000 --compare-with old/bench.ducklake
    python bench/ingest.py --running-server    # as a scheduled night runs

``--running-server`` runs both harvests on a Prefect server that is already running
(``prefect server start`` on loopback, started by the bench and given as ``PREFECT_API_URL``), as
the nightly runs of ``litrev serve`` and of a team's workers run; without it each harvest starts
its own local server, as ``litrev harvest`` by hand does. Its figures are recorded in their own
section, ``ingest (running Prefect server)``.

``--compare-with`` names the database of an earlier run (same ``--works`` and ``--seed``, e.g.
kept with ``--keep`` at another commit) and checks that the first run stored the same languages
(language, confidence, method of every excerpt and title) and the same theme matches: the
before-and-after check of a change meant to make the pipeline faster, not different.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_DATA = REPO / "litrev" / "flows" / "demo" / "data"
LANG_FIXTURES = REPO / "tests" / "fixtures" / "lang"
LANGUAGES = {"en": 0.4, "fi": 0.25, "de": 0.2, "sv": 0.15}
LINES_PER_FILE = 10_000
STATEMENTS_PER_WORK = 2
TITLE_ONLY_SHARE = 0.2
GOAL_QUIET_RATIO = 20  # issue 16: a run with nothing new at least 20 times faster
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÅÜ])")


@dataclass(frozen=True)
class TextPools:
    """Real sentences and titles per language, the material every generated text is made of."""

    sentences: dict[str, list[str]]
    titles: dict[str, list[str]]


@dataclass(frozen=True)
class RunFigures:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    database_mb: float
    exit_code: int


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def text_pools() -> TextPools:
    sentences: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    titles: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}

    def add_sentences(lang: str | None, text: str | None) -> None:
        if lang in sentences and text:
            sentences[lang].extend(s.strip() for s in _SENTENCE_END.split(text)
                                   if len(s.strip()) >= 40)

    for path in sorted(DEMO_DATA.glob("*.jsonl")):
        for entry in _jsonl(path):
            lang = entry.get("language")
            if "text" in entry:
                add_sentences(lang, entry["text"])
                continue
            add_sentences(lang, entry.get("abstract"))
            if lang in titles and entry.get("title"):
                titles[lang].append(entry["title"])
    for path in sorted(LANG_FIXTURES.glob("*.jsonl")):
        for entry in _jsonl(path):
            lang = entry.get("lang")
            if lang not in LANGUAGES:
                continue
            if entry.get("kind") == "title" or len(entry["text"]) <= 200:
                titles[lang].append(entry["text"])
            else:
                add_sentences(lang, entry["text"])
    for lang in LANGUAGES:
        if not sentences[lang] or not titles[lang]:
            raise SystemExit(f"no real {lang} texts found under {DEMO_DATA} and {LANG_FIXTURES}")
    return TextPools(sentences, titles)


def generate(folder: Path, works: int, seed: int) -> int:
    """Write the import files; returns the number of excerpts they hold."""
    rng = random.Random(seed)
    pools = text_pools()
    langs, weights = list(LANGUAGES), list(LANGUAGES.values())
    folder.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    excerpts = 0
    file_number = 0

    def flush() -> None:
        nonlocal file_number, lines
        if lines:
            file_number += 1
            (folder / f"bench-{file_number:04d}.jsonl").write_text("\n".join(lines) + "\n",
                                                                  encoding="utf-8")
            lines = []

    for n in range(works):
        lang = rng.choices(langs, weights)[0]
        doi = f"10.5555/litrev-bench.{n}"
        title = rng.choice(pools.titles[lang])
        abstract = None
        if rng.random() >= TITLE_ONLY_SHARE:
            abstract = " ".join(rng.sample(pools.sentences[lang],
                                           k=min(rng.randint(2, 6), len(pools.sentences[lang]))))
        lines.append(json.dumps({
            "id": f"bench-{n}", "title": title, "authors": [f"Author {n % 997}, A."],
            "year": 2000 + n % 26, "venue": None, "doi": doi, "url": None, "language": lang,
            "abstract": abstract, "source": "bench/ingest.py (recombined real texts)",
        }, ensure_ascii=False))
        excerpts += 1
        for k in range(STATEMENTS_PER_WORK):
            citing = rng.randrange(works)
            cite_lang = rng.choices(langs, weights)[0]
            text = " ".join(rng.sample(pools.sentences[cite_lang], k=rng.randint(1, 2)))
            lines.append(json.dumps({
                "id": f"bench-cs-{n}-{k}", "text": text, "language": cite_lang,
                "citing": {"work_id": f"bench-{citing}",
                           "title": rng.choice(pools.titles[cite_lang]),
                           "doi": f"10.5555/litrev-bench.{citing}", "year": 2000 + citing % 26},
                "cited": {"reference_text": title, "doi": doi},
                "section": rng.choice(["Introduction", "Discussion", "Results"]),
                "source": "bench/ingest.py (recombined real texts)",
            }, ensure_ascii=False))
            excerpts += 1
        if len(lines) >= LINES_PER_FILE:
            flush()
    flush()
    return excerpts


PROFILE = """[review]
name = "litrev ingest bench"
target_language = "en"
candidate_languages = ["en", "fi", "sv", "de"]
contact_email = "bench@example.org"
database = "bench.ducklake"
codebook = "default"

[sources.files]
enabled = true
folder = "imports"
max_records = 100000000

[translation]
provider = "none"
"""


_TASK_SUFFIX = re.compile(r"-[0-9a-f]{3}$")


def stage_seconds(folder: Path) -> dict[str, float]:
    """Seconds per task of the latest flow run, from the Prefect database of ``folder``."""
    import sqlite3

    path = folder / ".prefect" / "prefect.db"
    if not path.exists():
        return {}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT name, (julianday(end_time) - julianday(start_time)) * 86400.0 FROM task_run "
            "WHERE flow_run_id = (SELECT id FROM flow_run ORDER BY created DESC LIMIT 1) "
            "AND end_time IS NOT NULL ORDER BY start_time").fetchall()
    finally:
        con.close()
    out: dict[str, float] = {}
    for name, seconds in rows:
        stage = _TASK_SUFFIX.sub("", name)
        out[stage] = out.get(stage, 0.0) + float(seconds)
    return out


_MEMORY = re.compile(r"memory after (\S+): peak RSS (\d+) MB, now (\S+) MB")


def stage_memory(folder: Path) -> dict[str, tuple[str, str]]:
    """Per stage of the latest run: the harvest process's peak RSS after it and its RSS then
    (MB), from the run's log (``litrev-logs/<run id>.log``)."""
    logs = sorted((folder / "litrev-logs").glob("*.log"))
    if not logs:
        return {}
    found = _MEMORY.findall(logs[-1].read_text(encoding="utf-8", errors="replace"))
    return {stage: (peak, now) for stage, peak, now in found}


def print_stages(label: str, stages: dict[str, float], wall: float, excerpts: int,
                 memory: dict[str, tuple[str, str]] | None = None) -> None:
    memory = memory or {}
    print(f"\n{label}: stages (Prefect tasks){'':<6} {'seconds':>8} {'excerpts/s':>11} "
          f"{'peak RSS MB after':>18} {'RSS MB then':>12}")
    for stage, seconds in stages.items():
        rate = f"{excerpts / seconds:11.0f}" if excerpts and seconds > 0 else f"{'-':>11}"
        peak, now = memory.get("harvest-sources" if stage.startswith("harvest-") else stage,
                               ("", ""))
        print(f"  {stage:<36} {seconds:8.1f} {rate} {peak:>18} {now:>12}")
    print(f"  {'outside tasks (start-up, between)':<36} {wall - sum(stages.values()):8.1f}")


# What a faster pipeline must store exactly as before (no timestamps, no run ids).
COMPARED = {
    "excerpt languages": "SELECT excerpt_id, language, language_confidence, language_method, "
                         "parent_excerpt_id FROM excerpts ORDER BY ALL",
    "title languages": "SELECT work_id, title_language, title_language_confidence, "
                       "title_language_method FROM works ORDER BY ALL",
    "theme matches": "SELECT excerpt_id, theme_id, matched_in, matched_terms, codebook_version "
                     "FROM excerpt_themes ORDER BY ALL",
}


def _stored(db: Path) -> dict[str, list[tuple]]:
    from litrev.store.db import read_session

    with read_session(db) as con:
        return {what: [tuple(_hashable(v) for v in row) for row in con.execute(sql).fetchall()]
                for what, sql in COMPARED.items()}


def _hashable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def compare_stored(new: Path, old: Path) -> bool:
    """Print, per table, the rows and how many differ between ``new`` and ``old`` (rows of
    either that the other lacks)."""
    from collections import Counter

    a, b = _stored(new), _stored(old)
    same = True
    for what in COMPARED:
        left, right = Counter(a[what]), Counter(b[what])
        differ = sum(((left - right) + (right - left)).values())
        same = same and differ == 0
        print(f"  {what:<18} {len(a[what]):>8,} rows, {differ:,} differ from "
              f"{old.parent.name}/{old.name}")
    return same


def run_harvest(folder: Path, log: Path, api_url: str | None = None) -> RunFigures:
    litrev = Path(sys.executable).with_name("litrev")
    env = {**os.environ, "PREFECT_HOME": str(folder / ".prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    if api_url is not None:
        env["PREFECT_API_URL"] = api_url
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        child = subprocess.Popen([str(litrev), "--profile", "profile.toml", "--db",
                                  "bench.ducklake", "harvest"], cwd=folder, env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
        # this run's own usage (its worker processes included), not every child's so far
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    # the catalog, its data files and the search cache (a DuckDB file of old and its snapshot)
    size = sum(p.stat().st_size for p in folder.glob("bench.duck*/**/*") if p.is_file()) + \
        sum(p.stat().st_size for p in folder.glob("bench.duck*") if p.is_file())
    return RunFigures(wall, cpu, usage.ru_maxrss / 1024, size / 1e6, child.returncode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    parser.add_argument("--compare-with", type=Path, metavar="DB",
                        help="an earlier run's bench.ducklake (same --works and --seed): check "
                             "that this run stored the same languages and themes")
    parser.add_argument("--running-server", action="store_true",
                        help="run both harvests on a Prefect server started beforehand, as "
                             "scheduled nights run")
    args = parser.parse_args(argv)
    if args.compare_with is not None:
        args.compare_with = args.compare_with.resolve()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="litrev-ingest-"))
    if args.keep:  # (mkdtemp has made a fresh folder already)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    server = None
    try:
        start = time.perf_counter()
        excerpts = generate(folder / "imports", args.works, args.seed)
        print(f"generated {args.works:,} works / {excerpts:,} excerpts in "
              f"{time.perf_counter() - start:.1f} s (seed {args.seed})")
        (folder / "profile.toml").write_text(PROFILE, encoding="utf-8")
        log = folder / "harvest.log"
        print(f"{'run':<22} {'wall s':>8} {'CPU s':>8} {'cores':>6} {'excerpts/s':>11} "
              f"{'peak RSS MB':>12} {'DB MB':>8}")
        failed = False
        stages = []
        compared = False
        if args.running_server:
            from litrev.flows.prefect_server import LocalPrefectServer

            # A server's first start registers Prefect's block types in the background for
            # tens of seconds after it answers (quiet nights of 26, 13 and 10 s against 4-5 s
            # once done, measured); a nightly run, hours after `litrev serve` started, never
            # meets that, and these harvests use no block.
            server = LocalPrefectServer(home=folder / ".prefect", extra_env={
                "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false"})
            server.start()
            print(f"on a running Prefect server ({server.api_url}), as a scheduled night runs")
        for label in ("first run", "again, nothing new"):
            fig = run_harvest(folder, log, server.api_url if server else None)
            if args.compare_with is not None and not compared:
                compared = True
                comparison = io.StringIO()
                with contextlib.redirect_stdout(comparison):
                    failed = not compare_stored(folder / "bench.ducklake", args.compare_with)
            stages.append((label, stage_seconds(folder), fig.wall_seconds,
                           excerpts if label == "first run" else 0, stage_memory(folder)))
            failed = failed or fig.exit_code != 0
            rate = excerpts / fig.wall_seconds if label == "first run" else float("nan")
            print(f"{label:<22} {fig.wall_seconds:8.1f} {fig.cpu_seconds:8.1f} "
                  f"{fig.cpu_seconds / fig.wall_seconds:6.2f} {rate:11.0f} "
                  f"{fig.peak_rss_mb:12.0f} {fig.database_mb:8.1f}"
                  + ("" if fig.exit_code == 0 else f"   (exit {fig.exit_code}; see {log})"))
        if len(stages) == 2 and stages[1][2] > 0:
            ratio = stages[0][2] / stages[1][2]
            print(f"nothing new: {ratio:.1f} times faster than the first run "
                  f"(goal: at least {GOAL_QUIET_RATIO}; both runs above, same machine)")
        for label, seconds, wall, count, memory in stages:
            print_stages(label, seconds, wall, count, memory)
        if compared:
            print(f"\nstored after the first run, against {args.compare_with.name} of an earlier "
                  "run:")
            print(comparison.getvalue(), end="")
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    from recording import recorded

    section = "ingest (running Prefect server)" if "--running-server" in sys.argv else "ingest"
    with recorded(section):
        sys.exit(main())
