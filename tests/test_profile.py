"""The review profile: one frozen settings object, invalid files refused line by line."""

from __future__ import annotations

import dataclasses

import pytest

from litrev.extract.errors import ProfileError
from litrev.extract.profile import STARTER_PROFILE, load_profile


def test_the_starter_profile_parses_into_frozen_settings(tmp_path):
    path = tmp_path / "review.toml"
    path.write_text(STARTER_PROFILE, encoding="utf-8")
    profile = load_profile(path)
    assert profile.target_language == "en"
    assert profile.candidate_languages == ("en", "fi", "sv", "de")
    assert profile.terms["fi"] == ("kokemusasiantuntija", "vertaistyöntekijä")
    assert profile.seed_dois == ("10.1177/0020764020904764",)
    assert profile.schedule.timezone == "Europe/Helsinki"
    assert profile.database_path == tmp_path / "litrev.ducklake"
    assert profile.sources["semanticscholar"].rate_per_second == 1.0
    assert profile.sources["oaipmh"].enabled is False
    assert profile.sources["files"].options["folder"] == str(tmp_path / "imports")
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.target_language = "fi"
    with pytest.raises(TypeError):
        profile.terms["en"] = ("x",)


def test_an_invalid_profile_is_refused_with_one_line_per_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("""
[review]
name = "x"
target_language = "english"
candidate_languages = ["en", "finnish"]
contact_email = "nobody"

[seeds]
dois = ["not-a-doi"]

[sources.openalex]
rate_per_second = "fast"
api_key = "sk-123"

[sources.scopus]
enabled = true

[schedule]
cron = "every night"
timezone = "Mars/Olympus"
""", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    lines = str(err.value).splitlines()
    keys = [line.split(": ")[1] for line in lines]
    assert keys == ["review.target_language", "review.candidate_languages",
                    "review.contact_email", "seeds.dois", "sources.openalex.rate_per_second",
                    "sources.openalex.api_key", "sources.scopus", "schedule.cron",
                    "schedule.timezone"]
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "LITREV_OPENALEX_API_KEY" in str(err.value)
    assert "sk-123" not in str(err.value)


def test_a_missing_or_broken_file_says_what_to_do(tmp_path):
    with pytest.raises(ProfileError, match="litrev init"):
        load_profile(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[review\nname=", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(broken)


def test_secrets_come_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "review.toml"
    path.write_text(STARTER_PROFILE, encoding="utf-8")
    monkeypatch.setenv("LITREV_OPENALEX_API_KEY", "secret-value")
    profile = load_profile(path)
    assert profile.secret("openalex") == "secret-value"
    assert "secret-value" not in repr(profile)
