"""How fast the saved queries and the full-text search answer on a corpus of 1,000,000 excerpts.

The corpus is built once and cached on disk (``--folder``, by default a folder in the system's
temporary directory, keyed by size, seed and schema version), so later runs only time. It is
made with a fixed seed from the same real texts bench/ingest.py recombines (the demo review's
abstracts, titles and citation statements and the labelled texts of tests/fixtures/lang/, in
English, Finnish, Swedish and German): per work an abstract of 2-6 real sentences (or, for one
work in five, its title as the excerpt) and two citation statements of 1-2 real sentences citing
other works, with stances. It goes in through the store's own functions, not a harvest: works
and excerpts as frames through ``store.load.frames_to_batch``/``load_batch``, the default
codebook through ``store.themes.save_codebook``, theme matches through
``store.themes.save_coding`` (each distinct sentence coded once by ``extract.themes.Coder``; an
excerpt has the themes of its sentences), the ledger through ``store.ledger``, and the
full-text index through ``store.search.refresh_index``. Translations (a share tm, machine,
pending and failed) and reviewers' decisions are inserted with one statement each.

Then, in this process, the reading copy is built (as the first ``litrev query run`` after a
change of the corpus does; its time printed), each saved query (``litrev/queries/*.sql``,
default parameters; the required ones get a value that returns rows) runs through
``store.queries.run_saved`` on it as ``litrev query run`` does, and on the lake as ``--as-of``
does (the median printed beside); then the copy is built again after a change of the ledger
alone, as after a quiet night; and ``store.search.search`` runs a few searches; each is timed
once cold and then 5 times, and the median of the 5 is printed with the rows returned.

    python bench/query.py                        # 1,000,000 excerpts (first run builds, long)
    python bench/query.py --excerpts 100000      # a quicker corpus
    python bench/query.py --rebuild              # build the cached corpus again
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import LANGUAGES, text_pools  # noqa: E402 - the same real texts as the ingest bench

GOAL_QUERY_MS = 100
GOAL_SEARCH_MS = 200
WORKS_PER_CHUNK = 50_000
STANCES = ("supporting", "mentioning", "contrasting", None)
SEARCHES = (("peer support workers", None), ("kokemusasiantuntija", "fi"),
            ("Einsamkeit", None), ("role clarity training", "en"))
NOW = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def corpus_folder(base: Path | None, excerpts: int, seed: int) -> Path:
    from litrev.store.db import latest_version

    root = base or Path(tempfile.gettempdir()) / "litrev-bench-query"
    return root / f"{excerpts}-excerpts-seed{seed}-schema{latest_version()}"


def build(db: Path, excerpts: int, seed: int) -> dict[str, float]:
    """Fill a new database; returns seconds per step."""
    import pandas as pd

    from litrev.extract.normalize import short_hash, text_hash
    from litrev.extract.themes import Coder, load_codebook
    from litrev.store import ledger
    from litrev.store.db import write_session
    from litrev.store.load import EXCERPT_COLUMNS, WORK_COLUMNS, frames_to_batch, load_batch
    from litrev.store.search import refresh_index
    from litrev.store.themes import save_codebook, save_coding
    from litrev.vocabulary import RunStatus, Trigger

    rng = random.Random(seed)
    pools = text_pools()
    langs, weights = list(LANGUAGES), list(LANGUAGES.values())
    codebook = load_codebook()
    coder = Coder(codebook)
    # Every distinct sentence and title coded once: an excerpt's themes are its sentences'.
    sentence_themes = {lang: [coder.match(s, lang) for s in pools.sentences[lang]]
                       for lang in langs}
    title_themes = {lang: [coder.match(t, lang) for t in pools.titles[lang]] for lang in langs}
    works_total = max(1, -(-excerpts // 3))
    empty_work = dict.fromkeys(WORK_COLUMNS)
    empty_excerpt = dict.fromkeys(EXCERPT_COLUMNS)
    seconds: dict[str, float] = {}

    def themes_of(parts: list[dict[str, tuple[str, ...]]]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for part in parts:
            for theme, terms in part.items():
                found.setdefault(theme, set()).update(terms)
        return found

    with write_session(db) as con:
        start = time.perf_counter()
        save_codebook(con, codebook)
        made = 0
        run_id = "bench-query-run-1"
        ledger.open_run(con, run_id=run_id, review_name="bench", trigger=Trigger.CLI,
                        started_at=NOW)
        for first in range(0, works_total, WORKS_PER_CHUNK):
            works, rows, matches = [], [], []
            for n in range(first, min(first + WORKS_PER_CHUNK, works_total)):
                if made >= excerpts:
                    break
                lang = rng.choices(langs, weights)[0]
                work_id = f"doi:10.5555/litrev-bench-query.{n}"
                t = rng.randrange(len(pools.titles[lang]))
                works.append({**empty_work, "work_id": work_id,
                              "doi": f"10.5555/litrev-bench-query.{n}",
                              "title": pools.titles[lang][t], "year": 2000 + n % 26,
                              "authors": [f"Author {n % 997}, A."], "language": lang,
                              "is_seed": n < 20, "synthetic": True})
                if rng.random() < 0.2:
                    kind, text, parts = "title", pools.titles[lang][t], [title_themes[lang][t]]
                else:
                    picks = rng.sample(range(len(pools.sentences[lang])),
                                       k=min(rng.randint(2, 6), len(pools.sentences[lang])))
                    kind = "abstract"
                    text = " ".join(pools.sentences[lang][i] for i in picks)
                    parts = [sentence_themes[lang][i] for i in picks]
                statements = [(kind, lang, text, parts, None, None, None)]
                for k in range(2):
                    cite_lang = rng.choices(langs, weights)[0]
                    picks = rng.sample(range(len(pools.sentences[cite_lang])),
                                       k=rng.randint(1, 2))
                    # Cited works are skewed towards the first ones, as citations are.
                    cited = int(works_total * rng.random() ** 3)
                    statements.append((
                        "citation_statement", cite_lang,
                        " ".join(pools.sentences[cite_lang][i] for i in picks),
                        [sentence_themes[cite_lang][i] for i in picks],
                        f"doi:10.5555/litrev-bench-query.{cited}", rng.choice(STANCES),
                        ("Introduction", "Discussion", "Results")[k + n % 2]))
                for i, (kind, lang_, text, parts, cited_id, stance, section) in enumerate(
                        statements):
                    if made >= excerpts:
                        break
                    made += 1
                    excerpt_id = "x" + short_hash(work_id, kind, i, length=20)
                    rows.append({
                        **empty_excerpt, "excerpt_id": excerpt_id, "work_id": work_id, "kind": kind,
                        "cited_work_id": cited_id, "section": section, "stance": stance,
                        "stance_confidence": None if stance is None else
                        round(rng.uniform(0.5, 1.0), 2),
                        "intents": [], "text": text, "text_hash": text_hash(text),
                        "language": lang_, "language_confidence": 0.99,
                        "language_method": "bench", "language_hint": lang_,
                        "source": "files", "origin": "bench/query.py (recombined real texts)",
                        "synthetic": True})
                    for theme, terms in themes_of(parts).items():
                        matches.append({"excerpt_id": excerpt_id, "theme_id": theme,
                                        "matched_in": "original",
                                        "matched_terms": sorted(terms)})
            if not rows:
                break
            work_frame = pd.DataFrame(works, columns=WORK_COLUMNS)
            excerpt_frame = pd.DataFrame(rows, columns=EXCERPT_COLUMNS).astype(
                {"language_confidence": "float64", "stance_confidence": "float64"})
            batch = frames_to_batch(
                works=work_frame,
                work_sources=pd.DataFrame({"work_id": work_frame["work_id"], "source": "files",
                                           "source_record_id": work_frame["work_id"],
                                           "deleted": False, "is_primary": True}),
                citations=pd.DataFrame(
                    [{"citing_work_id": r["work_id"], "cited_work_id": r["cited_work_id"],
                      "source": "files"} for r in rows if r["cited_work_id"]],
                    columns=["citing_work_id", "cited_work_id", "source"]),
                excerpts=excerpt_frame,
                excerpt_sources=pd.DataFrame({"excerpt_id": excerpt_frame["excerpt_id"],
                                              "source": "files",
                                              "source_record_id": excerpt_frame["excerpt_id"]}))
            load_batch(con, batch, run_id=run_id, now=NOW)
            save_coding(con, codebook.version_key,
                        excerpt_frame[["excerpt_id", "language"]].assign(translation_hash=None),
                        matches, now=NOW)
            print(f"  loaded {made:,} excerpts ({time.perf_counter() - start:.0f} s)",
                  flush=True)
        seconds["excerpts, works, themes"] = time.perf_counter() - start

        start = time.perf_counter()
        ledger.record_searches(
            con, run_id,
            [ledger.SearchEntry(source="files", query="bench/query.py", platform="files")],
            [ledger.SearchCounts(records_retrieved=works_total, new_records=works_total)],
            run_date=NOW)
        ledger.finish_run(con, run_id, status=RunStatus.SUCCEEDED, summary={"bench": True},
                          finished_at=NOW)
        # Translations of the texts not in English: 40% from a memory, 30% machine, 5%
        # pending, 5% failed, the rest not translated yet.
        con.execute("""
            INSERT INTO translations
            SELECT text_hash, 'en', language,
                   CASE WHEN b < 70 THEN 'English translation of ' || text_hash END,
                   CASE WHEN b < 40 THEN 'tm' WHEN b < 70 THEN 'google' END,
                   CASE WHEN b < 40 THEN 'tm' WHEN b < 70 THEN 'machine'
                        WHEN b < 75 THEN 'pending' ELSE 'failed' END,
                   CASE WHEN b >= 75 THEN 'HTTP 500 after 5 attempts' END,
                   false, TIMESTAMPTZ '2026-11-20 00:00:00+00', TIMESTAMPTZ '2026-11-20 00:00:00+00'
            FROM (SELECT text_hash, any_value(language) AS language,
                         hash(text_hash) % 100 AS b
                  FROM excerpts WHERE language <> 'en' GROUP BY text_hash)
            WHERE b < 80""")
        con.execute("""
            INSERT INTO reviews
            SELECT excerpt_id, CASE hash(excerpt_id) % 3 WHEN 0 THEN 'include'
                                    WHEN 1 THEN 'exclude' ELSE 'maybe' END,
                   'bench note', NULL, 'bench.xlsx', TIMESTAMPTZ '2026-11-21 00:00:00+00'
            FROM excerpts WHERE hash(excerpt_id) % 200 = 0""")
        seconds["translations, reviews, ledger"] = time.perf_counter() - start
        start = time.perf_counter()
        refresh_index(con)
        seconds["full-text index"] = time.perf_counter() - start
    return seconds


def required_values(con) -> dict[str, dict[str, str]]:
    """Values for the saved queries' parameters that have no default, chosen to return rows."""
    doi = con.execute("SELECT cited_doi FROM v_citation_statements WHERE cited_doi IS NOT NULL "
                      "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    theme = con.execute("SELECT theme_id FROM excerpt_themes GROUP BY ALL "
                        "ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    return {"citation_statements_of_work": {"doi": doi}, "excerpts_of_theme": {"theme": theme},
            "new_since": {"since": NOW.date().isoformat()}}


def copy_path_size(db: Path) -> float:
    """MB of the reading copy of the lake at ``db`` as of its latest snapshot."""
    from litrev.store.db import read_session
    from litrev.store.reading_copy import copy_path

    with read_session(db) as con:
        return copy_path(con).stat().st_size / 1e6


def timed(call, runs: int) -> tuple[float, float, int]:
    """(first run ms, median of ``runs`` further runs ms, rows of the last)."""
    start = time.perf_counter()
    result = call()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times), len(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (median)")
    parser.add_argument("--folder", type=Path,
                        help="where the corpus is cached (default: the system's temp folder)")
    parser.add_argument("--rebuild", action="store_true", help="build the cached corpus again")
    args = parser.parse_args()

    from litrev.store.db import read_session, write_session
    from litrev.store.queries import get_query, run_saved, saved_queries
    from litrev.store.reading_copy import copy_path, reading_session
    from litrev.store.search import search

    folder = corpus_folder(args.folder, args.excerpts, args.seed)
    # No suffix: the store decides what the path holds (a DuckDB file, or a lake's catalog).
    db, done = folder / "corpus", folder / "complete"
    if args.rebuild or not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"building {args.excerpts:,} excerpts in {folder} (seed {args.seed})", flush=True)
        try:
            steps = build(db, args.excerpts, args.seed)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        done.write_text("built by bench/query.py\n", encoding="utf-8")
        print("built: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
    else:
        print(f"reusing the corpus in {folder}")
    size = sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and "reading-copy" not in p.parts)

    slow = []
    with read_session(db) as con:
        works, excerpts = con.execute("SELECT (SELECT count(*) FROM works), "
                                      "(SELECT count(*) FROM excerpts)").fetchone()
        print(f"corpus: {excerpts:,} excerpts of {works:,} works; database files "
              f"{size / 1e6:.0f} MB")
        values = required_values(con)
        # The first query after a change of the corpus builds the reading copy: timed here.
        shutil.rmtree(copy_path(con).parent, ignore_errors=True)
    start = time.perf_counter()
    with reading_session(db) as copy:
        built = time.perf_counter() - start
        copy_mb = copy_path_size(db)
        print(f"reading copy built in {built:.1f} s ({copy_mb:.0f} MB): the first saved query "
              "after a change of the corpus waits for it")
        print(f"first run, then the median of {args.runs} runs, in process (goal: saved query < "
              f"{GOAL_QUERY_MS} ms, search < {GOAL_SEARCH_MS} ms); 'copy' as `litrev query run` "
              "answers, 'lake' as --as-of does")
        print(f"{'saved query':<34} {'first ms':>9} {'median ms':>10} {'rows':>9} "
              f"{'lake ms':>8}")
        with read_session(db) as lake:
            for name in saved_queries():
                query, params = get_query(name), values.get(name, {})
                first, median, rows = timed(lambda q=query, p=params: run_saved(copy, q, p),
                                            args.runs)
                on_lake = timed(lambda q=query, p=params: run_saved(lake, q, p), args.runs)[1]
                if median >= GOAL_QUERY_MS:
                    slow.append(name)
                print(f"{name:<34} {first:>9.0f} {median:>10.0f} {rows:>9,} {on_lake:>8.0f}"
                      + ("   over the goal" if median >= GOAL_QUERY_MS else ""))
    # A quiet night changes the ledger alone: the next copy reads only that from the lake. The
    # change rewrites one run's row with its own values (one more snapshot in the cached corpus).
    with write_session(db) as con:
        con.execute("UPDATE harvest_runs SET status = status "
                    "WHERE run_id = (SELECT min(run_id) FROM harvest_runs)")
    start = time.perf_counter()
    with reading_session(db):
        print(f"reading copy after a change of the ledger alone (a quiet night): built in "
              f"{time.perf_counter() - start:.1f} s from the previous copy")
    # A connection of its own: run_saved locked the configuration of the one above (no file
    # access), and the search loads the fts extension from its file.
    with read_session(db) as con:
        print(f"{'search (limit 20)':<34} {'first ms':>9} {'median ms':>10} {'rows':>9}")
        for text, lang in SEARCHES:
            label = f"{text!r}" + (f" lang={lang}" if lang else "")
            first, median, rows = timed(
                lambda t=text, la=lang: search(con, t, lang=la, target_language="en"),
                args.runs)
            if median >= GOAL_SEARCH_MS:
                slow.append(label)
            print(f"{label:<34} {first:>9.0f} {median:>10.0f} {rows:>9,}"
                  + ("   over the goal" if median >= GOAL_SEARCH_MS else ""))
    print(f"over the goal: {', '.join(slow) if slow else 'none'}")
    return 0


def section_name(argv: list[str]) -> str:
    """``query`` for the corpus of the goal (1,000,000 excerpts); a smaller run gets a section
    of its own, so that it never replaces the figures at full size."""
    size = argparse.ArgumentParser(add_help=False)
    size.add_argument("--excerpts", type=int, default=1_000_000)
    excerpts = size.parse_known_args(argv)[0].excerpts
    return "query" if excerpts == 1_000_000 else f"query at {excerpts:,} excerpts"


if __name__ == "__main__":
    from recording import recorded

    with recorded(section_name(sys.argv[1:])):
        sys.exit(main())
