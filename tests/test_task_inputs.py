"""What Prefect walks between the harvest's tasks: references, never the records (issue 16).

Prefect visits every object inside every task parameter (``visit_collection``) to find futures
and record task inputs, and again at depth one in every return value. A harvest of 100,000
records that handed its records from task to task spent about a fifth of its time there. Here
the flow runs in this process against a real Prefect server on 400 imported works, while every
top-level ``visit_collection`` call of Prefect's engines is counted: no call may visit more than
a few dozen objects, whatever the number of records. A control task given the records
themselves shows that the count sees a large parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.prefect_server import prefect_server  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

WORKS = 400
MOST_OBJECTS_WALKED = 50  # per parameter or return value; 400 records are thousands of objects


def review(folder: Path) -> Path:
    imports = folder / "imports"
    imports.mkdir()
    with (imports / "works.jsonl").open("w", encoding="utf-8") as out:
        for i in range(WORKS):
            out.write(json.dumps({
                "id": f"w{i}", "doi": f"10.5555/walk.{i}", "year": 2020, "language": "en",
                "title": f"Peer support workers in hospital teams {i}",
                "abstract": f"Peer support workers joined ward teams in study {i}; role clarity "
                            "and supervision shaped how staff accepted them."}) + "\n")
    profile = folder / "review.toml"
    profile.write_text(
        '[review]\nname = "Walk"\ntarget_language = "en"\ncandidate_languages = ["en"]\n'
        'contact_email = "t@example.org"\ndatabase = "review.duckdb"\n\n'
        '[search.terms]\nen = ["peer support"]\n\n[translation]\nprovider = "none"\n\n'
        '[sources.files]\nfolder = "imports"\n', encoding="utf-8")
    return profile


class Walks:
    """Counts the objects each top-level ``visit_collection`` call of Prefect's engines visits."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def counting(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def visit_collection(expr: Any, visit_fn: Callable[..., Any], *args: Any,
                             **kwargs: Any) -> Any:
            seen = 0
            context = kwargs.get("context")

            def count(*visit_args: Any) -> Any:
                nonlocal seen
                seen += 1
                return visit_fn(*visit_args)

            try:
                return real(expr, count, *args, **kwargs)
            finally:
                where = (context or {}).get("parameter_name") or type(expr).__name__
                self.calls.append((str(where), seen))

        return visit_collection

    def largest(self) -> tuple[str, int]:
        return max(self.calls, key=lambda call: call[1])


@pytest.fixture
def walks(monkeypatch) -> Walks:
    import prefect.flow_engine
    import prefect.task_engine
    import prefect.utilities.engine

    counter = Walks()
    for module in (prefect.task_engine, prefect.flow_engine, prefect.utilities.engine):
        monkeypatch.setattr(module, "visit_collection", counter.counting(module.visit_collection))
    return counter


def test_harvest_tasks_pass_references_not_records(prefect_server, tmp_path, walks):  # noqa: F811
    from prefect import flow, task
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from litrev.flows.harvest import nightly_harvest
    from litrev.flows.runlog import load, save

    profile = review(tmp_path)
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        summary = nightly_harvest(profile_path=str(profile),
                                  db_path=str(tmp_path / "review.duckdb"), trigger="cli")
        harvest_walks = list(walks.calls)

        # Control: the same records handed to a task as a parameter are walked one by one.
        @task
        def count_records(records: list) -> int:
            return len(records)

        @flow
        def control(path: str) -> int:
            return count_records(load(Path(path)))

        saved = save(tmp_path, "records", _files_records(tmp_path))
        walks.calls.clear()
        assert control(str(saved)) == WORKS
        control_walks = list(walks.calls)
        APILogWorker.drain_all(timeout=10)

    assert summary.status == "succeeded"
    assert [(row.source, row.retrieved) for row in summary.sources] == [("files", WORKS)]
    assert summary.new_excerpts == WORKS
    assert harvest_walks, "Prefect's engines were not observed"
    largest = sorted(harvest_walks, key=lambda call: -call[1])[:5]
    assert largest[0][1] <= MOST_OBJECTS_WALKED, f"Prefect walked (where, objects): {largest}"
    assert max(n for _, n in control_walks) > 10 * WORKS  # the count does see records
    assert not (tmp_path / "litrev-logs" / summary.run_id).exists()  # work folder removed


def _files_records(folder: Path) -> list:
    from litrev.extract.importers import read_file

    path = folder / "imports" / "works.jsonl"
    return read_file(path.read_bytes(), path.name).records
