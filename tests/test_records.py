"""The common records: the fast copy detection makes of them, and their rows for the store."""

from __future__ import annotations

import dataclasses

import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work, with_fields
from litrev.store.load import (
    EXCERPT_COLUMNS,
    TITLE_LANGUAGE_COLUMNS,
    WORK_COLUMNS,
    flatten_records,
)


def _work() -> Work:
    return Work.create(doi="10.1000/peer.1", title="Vertaistyöntekijät sairaalassa", year=2021,
                       authors=("Virtanen, A.",), language="fi")


def _excerpt(work: Work) -> Excerpt:
    return Excerpt.create(work_id=work.work_id, kind="abstract",
                          text="Kokemusasiantuntijat osana psykiatrisen osaston tiimiä.",
                          language_hint="fi", intents=("background",), origin="export.ris")


def _record() -> SourceRecord:
    work = _work()
    cited = Work.create(doi="10.1000/cited.2", title="Peer support workers in teams")
    return SourceRecord(source="files", source_record_id="export.ris:1", work=work,
                        excerpts=(_excerpt(work),), related=(cited,),
                        citations=((work.work_id, cited.work_id),), extra={"line": 1})


@pytest.mark.parametrize("record, changes", [
    (_work(), {"title_language": "fi", "title_language_confidence": 0.97,
               "title_language_method": "ensemble"}),
    (_excerpt(_work()), {"language": "fi", "language_confidence": 0.99,
                         "language_method": "hint+detector"}),
    (_record(), {"excerpts": (), "related": ()}),
])
def test_with_fields_builds_what_dataclasses_replace_builds(record, changes):
    fast = with_fields(record, **changes)
    slow = dataclasses.replace(record, **changes)
    assert type(fast) is type(slow)
    assert fast == slow
    assert vars(fast) == vars(slow)  # every field, those left out of == too (extra)
    assert all(getattr(record, name) != value for name, value in changes.items())


def test_with_fields_of_a_frozen_record_leaves_the_original_and_stays_frozen():
    excerpt = _excerpt(_work())
    copy = with_fields(excerpt, language="fi")
    assert excerpt.language is None and copy.language == "fi"
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.language = "sv"  # type: ignore[misc]
    assert hash(copy) == hash(dataclasses.replace(excerpt, language="fi"))


def test_with_fields_refuses_a_name_that_is_no_field():
    with pytest.raises(TypeError, match="Excerpt has no field langauge"):
        with_fields(_excerpt(_work()), langauge="fi")


def test_records_have_nothing_computed_at_construction():
    """What ``with_fields`` relies on: a class that gains a ``__post_init__`` would make its
    copies differ from ``replace``'s."""
    for cls in (Work, Excerpt, SourceRecord):
        assert not hasattr(cls, "__post_init__"), cls


def test_the_rows_of_a_record_have_exactly_the_store_columns():
    """flatten_records copies a work's or an excerpt's fields whole: a field added to a record
    must be a column of the store too (or be left out there on purpose)."""
    rows = flatten_records([_record()])
    assert [set(row) for row in rows.works] == [{*WORK_COLUMNS, *TITLE_LANGUAGE_COLUMNS}] * 2
    assert [set(row) for row in rows.excerpts] == [set(EXCERPT_COLUMNS)]
    row = rows.excerpts[0]
    assert row["source"] == "files" and row["intents"] == ["background"]
    assert row["origin"] == "export.ris" and row["language_hint"] == "fi"
    assert rows.works[0]["authors"] == ["Virtanen, A."]
