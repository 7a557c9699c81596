"""The review profile: one TOML file parsed into one frozen :class:`Profile`.

Why one object: every part of a run (sources, translation, coding, loading) reads the same
validated settings, built once at the edge (the CLI or the flow) and passed down. Secrets never
live here: API keys come from environment variables named in :data:`SECRET_ENV`.

An invalid profile raises :class:`~extract.errors.ProfileError` with one line per problem::

    profile.toml: review.target_language: expected a two-letter ISO 639-1 code such as "en",
    got "english"
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from litrev.extract.errors import ProfileError

SOURCE_NAMES = ("openalex", "semanticscholar", "crossref", "europepmc", "europepmc-fulltext",
                "finna", "oaipmh", "files")
TRANSLATION_PROVIDERS = ("google", "deepl", "microsoft", "libre", "mymemory", "none")
DEFAULT_RATE_PER_SECOND = {
    "openalex": 5.0, "semanticscholar": 1.0, "crossref": 5.0, "europepmc": 5.0,
    "europepmc-fulltext": 5.0, "finna": 3.0, "oaipmh": 2.0, "files": 0.0,
}
DEFAULT_MAX_RECORDS = 2000
# Environment variables that hold secrets; never written to the profile, logs or database.
SECRET_ENV = {
    "openalex": "LITREV_OPENALEX_API_KEY",
    "semanticscholar": "LITREV_S2_API_KEY",
    "deepl": "LITREV_DEEPL_API_KEY",
    "microsoft": "LITREV_MICROSOFT_TRANSLATOR_KEY",
    "libre": "LITREV_LIBRETRANSLATE_API_KEY",
}
_LANG = re.compile(r"^[a-z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")


@dataclass(frozen=True)
class SourceSettings:
    name: str
    enabled: bool = True
    rate_per_second: float = 1.0
    max_records: int = DEFAULT_MAX_RECORDS
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class TranslationSettings:
    provider: str = "google"
    url: str | None = None  # LibreTranslate-compatible server, for provider "libre"
    timeout_seconds: float = 20.0
    max_consecutive_failures: int = 3


@dataclass(frozen=True)
class Schedule:
    cron: str = "0 2 * * *"
    timezone: str = "UTC"


@dataclass(frozen=True)
class Profile:
    name: str
    target_language: str
    candidate_languages: tuple[str, ...]
    terms: MappingProxyType  # language -> tuple of search terms
    seed_dois: tuple[str, ...]
    sources: MappingProxyType  # name -> SourceSettings
    translation: TranslationSettings
    codebook_path: Path | None  # None means the bundled default codebook
    schedule: Schedule
    contact_email: str
    database_path: Path | str  # a local lake's catalog file, or a catalog URL as written
    path: Path | None = None  # the file it was read from; relative paths resolve against it

    def enabled_sources(self) -> tuple[SourceSettings, ...]:
        return tuple(s for s in self.sources.values() if s.enabled)

    def secret(self, name: str) -> str | None:
        """The secret for a source or provider, read from its environment variable."""
        env = SECRET_ENV.get(name)
        return os.environ.get(env) or None if env else None


def load_profile(path: str | os.PathLike) -> Profile:
    """Read and validate a profile file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(
            f"{path}: no such profile; create one with `litrev init --profile {path}`"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc}); fix the syntax and retry") from None
    return parse_profile(raw, path=path)


def parse_profile(raw: dict[str, Any], *, path: Path | None = None) -> Profile:
    """Validate a parsed TOML document; collect every problem before refusing it."""
    problems: list[str] = []
    where = f"{path}: " if path else ""
    base = path.parent if path else Path.cwd()

    def need(table: dict, key: str, kind: type | tuple, what: str, *, prefix: str,
             default: Any = ..., ) -> Any:
        if key not in table:
            if default is ...:
                problems.append(f"{prefix}{key}: missing; expected {what}")
            return None if default is ... else default
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(f"{prefix}{key}: expected {what}, got {value!r}")
            return None if default is ... else default
        return value

    review = raw.get("review")
    if not isinstance(review, dict):
        problems.append("review: missing table [review]; expected name, target_language, "
                        "candidate_languages, contact_email, database")
        review = {}
    name = need(review, "name", str, "the review's name as a string", prefix="review.")
    target = need(review, "target_language", str, 'a two-letter ISO 639-1 code such as "en"',
                  prefix="review.")
    if isinstance(target, str) and not _LANG.match(target):
        problems.append(f'review.target_language: expected a two-letter ISO 639-1 code such as '
                        f'"en", got {target!r}')
    candidates = need(review, "candidate_languages", list, 'a list of ISO 639-1 codes such as '
                      '["en", "fi", "de"]', prefix="review.", default=[])
    for code in candidates or []:
        if not isinstance(code, str) or not _LANG.match(code):
            problems.append(f"review.candidate_languages: {code!r} is not a two-letter ISO 639-1 "
                            "code")
    email = need(review, "contact_email", str, "an email address (sent to APIs as mailto)",
                 prefix="review.")
    if isinstance(email, str) and not _EMAIL.match(email):
        problems.append(f"review.contact_email: expected an email address, got {email!r}")
    database = need(review, "database", str, 'a path such as "litrev.ducklake"',
                    prefix="review.", default="litrev.ducklake")
    codebook = need(review, "codebook", str, 'a path to a codebook TOML, or "default"',
                    prefix="review.", default="default")

    search = raw.get("search", {})
    terms_raw = search.get("terms", {}) if isinstance(search, dict) else {}
    terms: dict[str, tuple[str, ...]] = {}
    if not isinstance(terms_raw, dict):
        problems.append("search.terms: expected a table of language = [terms]")
        terms_raw = {}
    for lang, values in terms_raw.items():
        if not _LANG.match(lang):
            problems.append(f"search.terms.{lang}: the key must be a two-letter language code")
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip()
                                                   for v in values):
            problems.append(f"search.terms.{lang}: expected a list of non-empty strings")
            continue
        terms[lang] = tuple(v.strip() for v in values)

    seeds = raw.get("seeds", {})
    seed_dois: tuple[str, ...] = ()
    if isinstance(seeds, dict):
        dois = need(seeds, "dois", list, 'a list of DOIs such as ["10.1177/0020764020904764"]',
                    prefix="seeds.", default=[])
        from litrev.extract.normalize import normalize_doi

        cleaned = []
        for doi in dois or []:
            norm = normalize_doi(doi) if isinstance(doi, str) else None
            if not norm:
                problems.append(f"seeds.dois: {doi!r} is not a DOI (expected 10.xxxx/...)")
            else:
                cleaned.append(norm)
        seed_dois = tuple(cleaned)
    else:
        problems.append("seeds: expected a table with dois = [...]")

    sources: dict[str, SourceSettings] = {}
    sources_raw = raw.get("sources", {})
    if not isinstance(sources_raw, dict):
        problems.append("sources: expected tables such as [sources.openalex]")
        sources_raw = {}
    for sname, sraw in sources_raw.items():
        prefix = f"sources.{sname}."
        if sname not in SOURCE_NAMES:
            problems.append(f"sources.{sname}: unknown source; expected one of "
                            f"{', '.join(SOURCE_NAMES)}")
            continue
        if not isinstance(sraw, dict):
            problems.append(f"sources.{sname}: expected a table")
            continue
        enabled = need(sraw, "enabled", bool, "true or false", prefix=prefix, default=True)
        rate = need(sraw, "rate_per_second", (int, float), "a number of requests per second",
                    prefix=prefix, default=DEFAULT_RATE_PER_SECOND[sname])
        if isinstance(rate, (int, float)) and rate < 0:
            problems.append(f"{prefix}rate_per_second: expected a number >= 0, got {rate}")
        cap = need(sraw, "max_records", int, "a whole number of records", prefix=prefix,
                   default=DEFAULT_MAX_RECORDS)
        if isinstance(cap, int) and cap <= 0:
            problems.append(f"{prefix}max_records: expected a positive whole number, got {cap}")
        for key in sraw:
            if "key" in key.lower() and key.lower() != "key_env":
                problems.append(f"{prefix}{key}: secrets do not belong in the profile; set "
                                f"{SECRET_ENV.get(sname, 'an environment variable')} instead")
        options = {k: v for k, v in sraw.items()
                   if k not in ("enabled", "rate_per_second", "max_records")}
        if sname == "files" and "folder" in options and isinstance(options["folder"], str):
            options["folder"] = str((base / options["folder"]).resolve()) \
                if not Path(options["folder"]).is_absolute() else options["folder"]
        sources[sname] = SourceSettings(
            name=sname, enabled=bool(enabled), rate_per_second=float(rate or 0),
            max_records=int(cap or DEFAULT_MAX_RECORDS), options=MappingProxyType(options))

    tr = raw.get("translation", {})
    if not isinstance(tr, dict):
        problems.append("translation: expected a table [translation]")
        tr = {}
    provider = need(tr, "provider", str, f"one of {', '.join(TRANSLATION_PROVIDERS)}",
                    prefix="translation.", default="google")
    if provider not in TRANSLATION_PROVIDERS:
        problems.append(f"translation.provider: expected one of "
                        f"{', '.join(TRANSLATION_PROVIDERS)}, got {provider!r}")
    url = need(tr, "url", str, "the URL of a LibreTranslate server", prefix="translation.",
               default=None)
    if provider == "libre" and not url:
        problems.append('translation.url: provider "libre" needs the URL of your '
                        'LibreTranslate server')
    timeout = need(tr, "timeout_seconds", (int, float), "a number of seconds",
                   prefix="translation.", default=20.0)
    failures = need(tr, "max_consecutive_failures", int, "a whole number",
                    prefix="translation.", default=3)
    for key in tr:
        if "key" in key.lower():
            problems.append(f"translation.{key}: secrets do not belong in the profile; set "
                            f"{SECRET_ENV.get(provider, 'an environment variable')} instead")

    sch = raw.get("schedule", {})
    if not isinstance(sch, dict):
        problems.append("schedule: expected a table [schedule] with cron and timezone")
        sch = {}
    cron = need(sch, "cron", str, 'a cron expression such as "0 2 * * *"', prefix="schedule.",
                default="0 2 * * *")
    if isinstance(cron, str):
        fields = cron.split()
        if len(fields) not in (5, 6) or not all(_CRON_FIELD.match(f) for f in fields):
            problems.append(f'schedule.cron: expected five cron fields such as "0 2 * * *", '
                            f"got {cron!r}")
    tz = need(sch, "timezone", str, 'an IANA time zone such as "Europe/Helsinki"',
              prefix="schedule.", default="UTC")
    if isinstance(tz, str):
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(f'schedule.timezone: expected an IANA time zone such as '
                            f'"Europe/Helsinki", got {tz!r}')

    if problems:
        raise ProfileError("\n".join(where + p for p in problems))

    def resolve(p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else base / q

    return Profile(
        name=name,
        target_language=target,
        candidate_languages=tuple(candidates or ()),
        terms=MappingProxyType(terms),
        seed_dois=seed_dois,
        sources=MappingProxyType(sources),
        translation=TranslationSettings(provider=provider, url=url,
                                        timeout_seconds=float(timeout),
                                        max_consecutive_failures=int(failures)),
        codebook_path=None if codebook in (None, "default") else resolve(codebook),
        schedule=Schedule(cron=cron, timezone=tz),
        contact_email=email,
        database_path=(database if ':' in str(database).split('/', 1)[0]
                       else resolve(str(database))),
        path=path,
    )


STARTER_PROFILE = """\
# litrev review profile. Secrets (API keys) do not go here: set them in the environment,
# e.g. LITREV_OPENALEX_API_KEY, LITREV_S2_API_KEY, LITREV_DEEPL_API_KEY.

[review]
name = "My review"
target_language = "en"                       # the language reviewers read
candidate_languages = ["en", "fi", "sv", "de"]
contact_email = "you@example.org"            # sent to APIs as mailto / User-Agent
database = "litrev.ducklake"                 # relative to this file (or a postgresql:// URL)
codebook = "default"                         # or a path to your codebook TOML

[search.terms]
en = ["peer support worker", "peer specialist"]
fi = ["kokemusasiantuntija", "vertaistyöntekijä"]
de = ["Genesungsbegleiter", "EX-IN"]
sv = ["erfarenhetsexpert"]

[seeds]
dois = ["10.1177/0020764020904764"]

[sources.openalex]
enabled = true
rate_per_second = 5
max_records = 2000

[sources.semanticscholar]
enabled = true
rate_per_second = 1

[sources.crossref]
enabled = true

[sources.europepmc]
enabled = true

[sources.finna]
enabled = true

[sources.oaipmh]
enabled = false
presets = ["journal.fi", "julkari", "theseus", "helda"]

[sources.files]
enabled = true
folder = "imports"                           # drop RIS, BibTeX, CSV, JSONL files here

[translation]
provider = "google"                          # google, deepl, microsoft, libre, mymemory, none
timeout_seconds = 20

[schedule]
cron = "0 2 * * *"                           # every night at 02:00
timezone = "Europe/Helsinki"                 # IANA zone: daylight saving handled
"""
