"""A writer process for tests/test_ducklake_postgres.py: MERGEs or INSERTs into a lake with a
PostgreSQL catalog, optionally in turns (PostgresWriterLock), optionally holding its open
transaction until the other writer has written too (a file barrier), then commits.

    python -m tests.pglake_worker CONNINFO DATA_PATH OP TABLE WHO [--rounds N] [--lock]
        [--barrier DIR]
Prints one JSON line: {"committed": n, "errors": ["TransactionException: ...", ...]}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

from litrev.store.errors import DatabaseBusy
from litrev.store.pglock import PostgresWriterLock
from tests.pglake import attach

STATEMENTS = {
    # the upsert every litrev table uses: a natural key, update when present, insert when not
    "merge": ("MERGE INTO {table} AS t USING (SELECT $k AS k, $v AS v) AS s ON t.k = s.k "
              "WHEN MATCHED THEN UPDATE SET v = s.v "
              "WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.v)"),
    "insert": "INSERT INTO {table} VALUES ($k, $v)",
}


def _wait_for(path: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.02)


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ("conninfo", "data_path", "op", "table", "who"):
        p.add_argument(name)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--keys", type=int, default=3)
    p.add_argument("--lock", action="store_true")
    p.add_argument("--barrier")
    args = p.parse_args()
    con = attach(args.conninfo, args.data_path)
    if args.table not in ("a", "b"):
        raise SystemExit("table must be a or b")
    sql = STATEMENTS[args.op].format(table=args.table)
    lock = PostgresWriterLock(args.conninfo) if args.lock else None
    committed, errors = 0, []
    for i in range(args.rounds):
        if lock is not None:
            while True:
                try:
                    lock.acquire()
                    break
                except DatabaseBusy:
                    time.sleep(0.01)
        try:
            con.execute("BEGIN")
            key = f"k{i % args.keys}" if args.op == "merge" else f"{args.who}-{i}"
            con.execute(sql, {"k": key, "v": i})
            if args.barrier:
                barrier = Path(args.barrier)
                (barrier / f"written-{args.who}").touch()
                others = [f for f in barrier.iterdir() if f.name.startswith("written-")]
                while len(others) < 2:
                    time.sleep(0.02)
                    others = [f for f in barrier.iterdir() if f.name.startswith("written-")]
            con.execute("COMMIT")
            committed += 1
        except duckdb.Error as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
        finally:
            if lock is not None:
                lock.release()
    print(json.dumps({"committed": committed, "errors": errors}))


if __name__ == "__main__":
    main()
