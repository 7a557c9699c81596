"""One real request to each network source (opt-in: ``pytest -m live``; needs the internet).

These check that the live APIs still answer in the shape the parsers expect. They use the seed
work of the first review (Otte et al. 2020) and small page sizes; API keys come from
``LITREV_OPENALEX_API_KEY`` / ``LITREV_S2_API_KEY`` when set (the autouse fixture of conftest
clears ``LITREV_*``, so they are read before it runs).
"""

from __future__ import annotations

import os

import pytest

from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, run_source

pytestmark = pytest.mark.live

SEED = "10.1177/0020764020904764"
KEYS = {name: os.environ.get(var) for name, var in (
    ("openalex", "LITREV_OPENALEX_API_KEY"), ("semanticscholar", "LITREV_S2_API_KEY"))}


def live_context(name: str, monkeypatch, **options) -> HarvestContext:
    if KEYS.get(name):
        monkeypatch.setenv({"openalex": "LITREV_OPENALEX_API_KEY",
                            "semanticscholar": "LITREV_S2_API_KEY"}[name], KEYS[name])
    profile = parse_profile({
        "review": {"name": "live", "target_language": "en", "candidate_languages": ["en"],
                   "contact_email": os.environ.get("LITREV_LIVE_CONTACT", "litrev@example.org")},
        "search": {"terms": {"en": ["peer support worker"]}},
        "seeds": {"dois": [SEED]},
        "sources": {name: {"max_records": 5, **options}}})
    return HarvestContext(profile, profile.sources[name], None)


def test_openalex_live(monkeypatch):
    results = run_source("openalex", live_context("openalex", monkeypatch, searches=False))
    [res] = results
    assert res.status == "succeeded", res.error
    assert res.records[0].work.doi == SEED and res.records[0].work.is_seed
    assert len(res.records) > 1


def test_semanticscholar_live(monkeypatch):
    [res] = run_source("semanticscholar", live_context("semanticscholar", monkeypatch))
    assert res.status in ("succeeded", "stopped"), res.error  # unauthenticated pool may throttle
    if res.status == "succeeded":
        assert res.records[0].work.doi == SEED


def test_crossref_live(monkeypatch):
    results = run_source("crossref", live_context("crossref", monkeypatch, searches=False))
    [res] = results
    assert res.status == "succeeded", res.error
    assert res.records[0].work.year == 2020


def test_europepmc_live(monkeypatch):
    [res] = run_source("europepmc", live_context("europepmc", monkeypatch))
    assert res.status == "succeeded", res.error
    assert res.hits_reported and res.hits_reported > 0
    assert res.records
