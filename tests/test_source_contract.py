"""The source-module contract (DEVELOPERS.md, "HTTP policy and sources"), checked on each of
every source module itself, not on whatever class happens to carry a name.

Every ``litrev/extract/sources/<name>.py`` has ``NAME`` (its own name) and ``PLATFORM``; a pure
``to_record(raw) -> SourceRecord``; ``parse(body: bytes) -> list[SourceRecord]``;
``harvest(ctx: HarvestContext) -> list[SearchResult]``; and ``iter_records`` with a hard cap
(``max_records``, keyword-only, no default): on a client class that takes the injected
``httpx.Client`` and the source's ``HttpSource``, or, for the local files source (no HTTP), on
the module, where ``None`` is its default because a file the user dropped in is never capped.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from litrev.extract.errors import ParseError
from litrev.extract.http import HttpSource
from litrev.extract.profile import SOURCE_NAMES
from litrev.extract.records import SourceRecord, Work
from litrev.extract.sources import HarvestContext, SearchResult, source_module

LOCAL_SOURCES = {"files"}  # read from disk, no HTTP client


def hints(func: object) -> dict[str, object]:
    return typing.get_type_hints(func)


def own_classes(module: ModuleType) -> list[type]:
    return [v for v in vars(module).values()
            if isinstance(v, type) and v.__module__ == module.__name__]


def test_every_source_module_is_checked():
    folder = Path(source_module("files").__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert modules == {name.replace("-", "_") for name in SOURCE_NAMES}


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_names_and_pure_functions(name):
    module = source_module(name)
    assert module.NAME == name
    assert isinstance(module.PLATFORM, str) and module.PLATFORM.strip()
    assert hints(module.to_record)["return"] is SourceRecord
    assert hints(module.parse)["body"] is bytes
    assert hints(module.parse)["return"] == list[SourceRecord]
    required = [p for p in inspect.signature(module.parse).parameters.values()
                if p.default is p.empty]
    assert [p.name for p in required] == ["body"]  # `litrev parse FILE` passes the body only
    assert hints(module.harvest) == {"ctx": HarvestContext, "return": list[SearchResult]}


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_iter_records_has_a_hard_cap(name):
    module = source_module(name)
    clients = [c for c in own_classes(module) if c.__name__.endswith("Client")]
    if name in LOCAL_SOURCES:
        assert clients == []
        iter_records = module.iter_records
    else:
        assert len(clients) == 1, f"{name}: one client class, found {clients}"
        client_hints = hints(clients[0].__init__)
        assert client_hints["client"] is httpx.Client and client_hints["http"] is HttpSource
        assert not hasattr(module, "iter_records")  # one place: the client's method
        iter_records = clients[0].iter_records
    cap = inspect.signature(iter_records).parameters["max_records"]
    assert cap.kind is cap.KEYWORD_ONLY
    assert cap.default is (None if name in LOCAL_SOURCES else cap.empty)
    assert hints(iter_records)["return"] == Iterator[SourceRecord]


@pytest.mark.parametrize("name", sorted(set(SOURCE_NAMES) - LOCAL_SOURCES))
def test_an_unreadable_saved_response_is_one_clear_parse_error(name):
    parse = source_module(name).parse
    # a full text answers for one cited work at a time: it is named, as `litrev parse --cites`
    extra = ({"cites": Work.create(doi="10.5555/litrev.test.1")}
             if "cites" in inspect.signature(parse).parameters else {})
    with pytest.raises(ParseError, match="not a"):
        parse(b"\x00 this is no saved response", **extra)
