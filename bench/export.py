"""Time and peak memory of `export excerpts` for a large corpus, in every format.

Builds a synthetic corpus (default 100,000 excerpts of 20,000 works, every row marked synthetic,
half of them with a machine translation and two themes), then exports it once per format, each
in a fresh process so that the peak resident memory (``ru_maxrss``) belongs to that export
alone; a second run per format measures the peak of Python allocations with ``tracemalloc``.
Bounded memory shows as a peak that does not grow with --rows (try --rows 20000). CPU seconds
are the export process's own (all its threads): on a busy machine wall time is mostly waiting
for a core, CPU time much less so.

``--xlsx-writers`` times the XLSX writers litrev did not choose (bench/xlsx_writers.py:
XlsxWriter as before and with our side made cheap, rustpy-xlsxwriter, pyexcelerate) beside
litrev's own, each in its own process on the same rows, and says which of them write the
workbook reviewers get (``pip install -e '.[bench]'`` installs them).

    python bench/export.py                 # 100,000 rows, all formats
    python bench/export.py --rows 20000 --formats csv xlsx
    python bench/export.py --formats xlsx --xlsx-writers   # and every XLSX candidate
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CANDIDATES = ("xlsxwriter-before", "xlsxwriter-lean", "rustpy-xlsxwriter", "pyexcelerate")
FORMATS = ("csv", "xlsx", "markdown", "html", "parquet", "ris")
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "markdown": "md", "html": "html", "parquet": "parquet",
          "ris": "ris"}

SENTENCE = ("Vertaistyöntekijöiden ja kokemusasiantuntijoiden yhteistyö sairaalan "
            "mielenterveystiimeissä edellyttää selkeää roolia, tukea ja koulutusta. ")


def build_corpus(db: Path, rows: int) -> None:
    sys.path.insert(0, str(REPO))
    from litrev.store.db import write_session

    works = max(1, rows // 5)
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with write_session(db) as con:
        con.execute("""
            INSERT INTO works (work_id, doi, title, year, venue, authors, language, synthetic,
                               first_seen, last_seen)
            SELECT 'doi:10.5555/bench.' || i, '10.5555/bench.' || i,
                   'Synthetic benchmark work ' || i, 1990 + i % 35, 'Bench Journal',
                   ['Author, A.', 'Author, B.'], 'fi', true, $now, $now
            FROM range($works) t(i)""", {"works": works, "now": now})
        con.execute("""
            INSERT INTO excerpts (excerpt_id, work_id, kind, cited_work_id, section, stance, text,
                                  text_hash, language, source, origin, synthetic, first_seen,
                                  last_seen)
            SELECT 'xbench' || i, 'doi:10.5555/bench.' || (i % $works),
                   CASE WHEN i % 5 = 0 THEN 'abstract' ELSE 'citation_statement' END,
                   CASE WHEN i % 5 = 0 THEN NULL ELSE 'doi:10.5555/bench.' || ((i + 1) % $works)
                   END,
                   CASE WHEN i % 5 = 0 THEN NULL ELSE 'Discussion' END,
                   CASE WHEN i % 5 = 1 THEN 'supporting' END,
                   CASE WHEN i % 97 = 0 THEN '=SUM(' || i || ')' ELSE '' END
                       || repeat($sentence, 4) || i,
                   'h' || i, 'fi', 'bench', 'bench/export.py', true, $now, $now
            FROM range($rows) t(i)""",
                    {"rows": rows, "works": works, "now": now, "sentence": SENTENCE})
        con.execute("""
            INSERT INTO translations
            SELECT text_hash, 'en', 'fi', 'Cooperation of peer workers and experts by experience '
                   || 'in hospital mental-health teams needs a clear role, support and training. '
                   || excerpt_id, 'google', 'machine', NULL, false, $now, $now
            FROM excerpts WHERE hash(excerpt_id) % 2 = 0""", {"now": now})
        con.execute("INSERT INTO themes VALUES ('role_clarity', 'Role clarity', NULL, 'b'), "
                    "('training', 'Training', NULL, 'b')")
        con.execute("""
            INSERT INTO excerpt_themes
            SELECT excerpt_id, theme, 'original', ['rooli'], 'b'
            FROM excerpts, (VALUES ('role_clarity'), ('training')) v(theme)
            WHERE hash(excerpt_id) % 3 = 0""")


def export_once(db: str, fmt: str, out: str, trace: bool) -> None:
    """Child process: export and print a JSON line with its own figures. ``xlsx:NAME`` exports
    XLSX through the candidate writer NAME of bench/xlsx_writers.py instead of litrev's."""
    sys.path.insert(0, str(REPO))
    import tracemalloc

    import pyarrow.parquet  # noqa: F401
    import rvgsrust_xlsxwriter  # noqa: F401 - imported before tracing: the figure is the export's

    from litrev.store import exporters
    from litrev.store.db import read_session
    from litrev.store.export import export_excerpts

    fmt, _, candidate = fmt.partition(":")
    if candidate:
        import importlib

        import xlsx_writers

        importlib.import_module(xlsx_writers.MODULES[candidate])
        exporters.WRITERS["xlsx"] = xlsx_writers.WRITERS[candidate]
    if trace:
        tracemalloc.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    with read_session(db) as con:
        count = export_excerpts(con, out, fmt, target_language="en").excerpts
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak_python = tracemalloc.get_traced_memory()[1] if trace else None
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"rows": count, "seconds": seconds, "cpu": cpu,
                      "maxrss_mib": maxrss_kib / 1024,
                      "python_peak_mib": peak_python / 2**20 if trace else None,
                      "size_mib": os.path.getsize(out) / 2**20}))


def child(db: Path, fmt: str, out: Path, trace: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", str(db), fmt, str(out)] + (
        ["--trace"] if trace else [])
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{fmt} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline(db: Path) -> float:
    """Resident memory of a process that only imports litrev and opens the database."""
    code = ("import sys, resource; sys.path.insert(0, sys.argv[1])\n"
            "from litrev.store.db import read_session\n"
            "import litrev.store.export, rvgsrust_xlsxwriter, pyarrow.parquet\n"
            "with read_session(sys.argv[2]) as con: con.execute('SELECT 1').fetchall()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    return float(subprocess.run([sys.executable, "-c", code, str(REPO), str(db)],
                                capture_output=True, text=True, check=True).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--xlsx-writers", nargs="*", metavar="WRITER",
                        choices=["litrev", *CANDIDATES],
                        help="also time these XLSX writers on the same rows (none named: all "
                             f"of litrev, {', '.join(CANDIDATES)})")
    parser.add_argument("--child", nargs=3, metavar=("DB", "FORMAT", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        export_once(*args.child, trace=args.trace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        start = time.perf_counter()
        build_corpus(db, args.rows)
        print(f"corpus: {args.rows} excerpts built in {time.perf_counter() - start:.1f} s; "
              f"baseline process (imports + open database): {baseline(db):.0f} MiB resident")
        print(f"{'format':<9} {'rows':>8} {'seconds':>8} {'CPU s':>6} {'peak RSS MiB':>13} "
              f"{'peak Python MiB':>16} {'file MiB':>9}")
        for fmt in args.formats:
            out = Path(tmp) / f"out.{SUFFIX[fmt]}"
            timed = child(db, fmt, out, trace=False)
            traced = child(db, fmt, out, trace=True)
            print(f"{fmt:<9} {timed['rows']:>8} {timed['seconds']:>8.1f} {timed['cpu']:>6.1f} "
                  f"{timed['maxrss_mib']:>13.0f} {traced['python_peak_mib']:>16.1f} "
                  f"{timed['size_mib']:>9.1f}")
        if args.xlsx_writers is not None:
            xlsx_candidates(db, Path(tmp), args.xlsx_writers or ["litrev", *CANDIDATES])


def xlsx_candidates(db: Path, tmp: Path, names: list[str]) -> None:
    """The XLSX writers on the same rows, one process each, one after the other."""
    import importlib.util

    from xlsx_writers import MODULES, SAME_WORKBOOK

    print("\nXLSX writers on the same rows (one process each, one after the other):")
    print(f"{'writer':<18} {'rows':>8} {'seconds':>8} {'CPU s':>6} {'peak RSS MiB':>13} "
          f"{'file MiB':>9}  same workbook as reviewers get")
    for name in names:
        if name != "litrev" and importlib.util.find_spec(MODULES[name]) is None:
            print(f"{name:<18} not installed: pip install -e '.[bench]'")
            continue
        out = tmp / f"{name}.xlsx"
        timed = child(db, "xlsx" if name == "litrev" else f"xlsx:{name}", out, trace=False)
        print(f"{name:<18} {timed['rows']:>8} {timed['seconds']:>8.1f} {timed['cpu']:>6.1f} "
              f"{timed['maxrss_mib']:>13.0f} {timed['size_mib']:>9.1f}  {SAME_WORKBOOK[name]}")


if __name__ == "__main__":
    from recording import recorded

    with recorded("export", enabled="--child" not in sys.argv):
        main()
