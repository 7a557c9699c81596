"""source_state: watermarks saved only for searches that succeeded, read back per source."""

from __future__ import annotations

import datetime as dt

from litrev.extract.sources import SearchResult
from litrev.store.db import read_session, write_session
from litrev.store.state import load_state, save_watermarks


def result(source, key, status="succeeded", watermark="2026-11-25"):
    return SearchResult(source=source, query_key=key, query=key, platform="p", status=status,
                        watermark=watermark)


def test_watermarks_saved_for_succeeded_searches_only_and_moved_forward(tmp_path):
    db = tmp_path / "s.ducklake"
    with write_session(db) as con:
        assert load_state(con, "oaipmh") == {}
        saved = save_watermarks(con, [
            result("oaipmh", "helda"),
            result("oaipmh", "theseus", status="failed", watermark=None),
            result("oaipmh", "julkari", status="stopped", watermark="2026-11-25"),
            result("files", "scite.csv", watermark="sha256:ab12"),
        ], run_id="run-1", now=dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC))
        assert saved == 2
        # next night: helda moves forward, theseus fails again and keeps nothing
        save_watermarks(con, [result("oaipmh", "helda", watermark="2026-11-26"),
                              result("oaipmh", "theseus", status="failed", watermark=None)],
                        run_id="run-2")
    with read_session(db) as con:
        assert dict(load_state(con, "oaipmh")) == {"helda": "2026-11-26"}
        assert dict(load_state(con, "files")) == {"scite.csv": "sha256:ab12"}
        assert con.execute("SELECT run_id FROM source_state WHERE query_key = 'helda'"
                           ).fetchone() == ("run-2",)
