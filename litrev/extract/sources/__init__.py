"""Sources: what a harvest asks each of them, what comes back, and how failures are reported.

Every source module ``litrev/extract/sources/<name>.py`` has the same shape (see DEVELOPERS.md):
``NAME``, ``PLATFORM``, a client class taking an injected ``httpx.Client``, ``iter_records``
with a hard cap, a pure ``to_record(raw)``, ``parse(body)`` and ``harvest(ctx)``. Modules are
found by name (:func:`source_module`), so adding a source needs no registry edit.

Why :class:`SearchResult` per query: the search ledger (PRISMA-S) records each query exactly as
sent, with hits reported and records retrieved, and whether it failed. :func:`run_source` never
raises for a source's failure, so one broken API never stops the others.

    ctx = HarvestContext(profile, profile.sources["openalex"], client=None)
    results = run_source("openalex", ctx)
    [(r.query, r.status, len(r.records)) for r in results]
    # -> [('peer support worker', 'succeeded', 120), ...]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any, Protocol

import httpx

from litrev.extract.errors import (
    ExtractError,
    HostUnreachable,
    ParseError,
    QuotaExhausted,
    SourceError,
)
from litrev.extract.http import (
    Clock,
    HttpSource,
    RateLimiter,
    RequestPolicy,
    new_client,
    redact,
)
from litrev.extract.normalize import normalize_doi
from litrev.extract.profile import SOURCE_NAMES, Profile, SourceSettings
from litrev.extract.records import SourceRecord, Work
from litrev.vocabulary import SearchStatus

log = logging.getLogger("litrev.sources")

DEFAULT_MAX_PAGES = 1000  # hard cap on pages per query, whatever the API keeps answering


@dataclass(frozen=True)
class WrittenRecords:
    """One search's records as a :class:`RecordWriter` wrote them into files: what the harvest
    needs of them without reading them again (the ledger's work ids and deletion flags, in
    record order, and each work's first metadata language, first wins in record order)."""

    files: tuple[Path, ...]
    work_ids: tuple[str, ...]
    deleted: tuple[bool, ...]
    title_hints: Mapping[str, str]
    file_records: tuple[int, ...] = ()  # records in each of ``files``

    @property
    def records(self) -> int:
        return len(self.work_ids)


class RecordWriter(Protocol):
    """Writes one search's records into files where the harvest reads them. It pickles, so a
    worker process that parsed the records writes them itself: they are not pickled back to
    the harvest's process first. ``part`` names the files apart from every other call's."""

    def write(self, records: list[SourceRecord], part: str) -> WrittenRecords: ...


class SearchSink(Protocol):
    """Where a source hands each finished search, so that its records are saved and dropped
    while the next search runs: the harvest's memory then holds one search's records, not the
    whole source's (issue 16). A source that hands on no search returns them all instead."""

    def take(self, result: SearchResult) -> None:
        """Save ``result`` with its records (the caller may drop them afterwards)."""

    def record_writer(self) -> RecordWriter:
        """A writer for records parsed in a worker process (:meth:`take_written`)."""

    def take_written(self, result: SearchResult, written: WrittenRecords) -> None:
        """Save ``result`` (its ``records`` empty) whose records ``written`` already holds."""


@dataclass(frozen=True)
class HarvestContext:
    """Everything one source needs for one run.

    ``state`` maps each ``query_key`` to the watermark the last successful search returned
    (stored in ``source_state``); a source asks only for what is new or updated since then.
    ``limit`` (when given) caps records per query below ``settings.max_records``.
    ``limiter`` is where every request waits for its host's rate (``None``: this process's
    limiter table; a run on a worker passes one shared by every worker).
    ``sink`` (optional) takes each finished search a source hands on (:meth:`hand_on`); the
    source returns only the searches it did not hand on. ``cache_dir`` (optional) is a folder
    where a source may keep what it derived from its inputs between runs (the files source:
    the stamps of the files it hashed); without one it derives everything again.
    """

    profile: Profile
    settings: SourceSettings
    client: httpx.Client | None = None
    state: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    since: dt.date | None = None
    limit: int | None = None
    clock: Clock | None = None
    on_progress: Callable[[str, int], None] | None = None
    limiter: RateLimiter | None = None
    on_plan: Callable[[int], None] | None = None
    sink: SearchSink | None = None
    cache_dir: Path | None = None

    @property
    def max_records(self) -> int:
        cap = self.settings.max_records
        return min(cap, self.limit) if self.limit else cap

    def option(self, key: str, default: Any = None) -> Any:
        return self.settings.options.get(key, default)

    def secret(self) -> str | None:
        """This source's API key from its environment variable (never from the profile)."""
        return self.profile.secret(self.settings.name)

    def policy(self, **overrides: Any) -> RequestPolicy:
        secret = self.secret()
        fields: dict[str, Any] = {
            "source": self.settings.name, "contact_email": self.profile.contact_email,
            "rate_per_second": self.settings.rate_per_second,
            "secrets": (secret,) if secret else (),
        }
        for key in ("timeout_seconds", "max_attempts", "backoff_base_seconds",
                    "backoff_max_seconds"):
            if key in self.settings.options:
                fields[key] = float(self.settings.options[key]) if key != "max_attempts" \
                    else int(self.settings.options[key])
        fields.update(overrides)
        return RequestPolicy(**fields)

    def http(self, **overrides: Any) -> HttpSource:
        """The source's :class:`HttpSource`: the injected client, or a new one."""
        policy = self.policy(**overrides)
        client = self.client if self.client is not None else new_client(policy)
        return HttpSource(client, policy, clock=self.clock, limiter=self.limiter)

    @contextlib.contextmanager
    def session(self, **overrides: Any) -> Iterator[HttpSource]:
        """:meth:`http` for one harvest; a client created here is closed at the end."""
        http = self.http(**overrides)
        try:
            yield http
        finally:
            if self.client is None:
                http.client.close()

    def since_for(self, query_key: str) -> str | None:
        """The date (ISO) to ask from: the stored watermark, else ``since``, else ``None``."""
        if self.state.get(query_key):
            return self.state[query_key]
        return self.since.isoformat() if self.since else None

    def today(self) -> str:
        now = self.clock.now() if self.clock else dt.datetime.now(dt.UTC)
        return now.date().isoformat()

    def progress(self, query_key: str, records: int) -> None:
        if self.on_progress:
            self.on_progress(query_key, records)

    def hand_on(self, result: SearchResult, results: list[SearchResult]) -> None:
        """A finished search to the :attr:`sink` (its records saved there and no longer held
        here), or, without a sink, added to ``results``, the list the source returns."""
        if self.sink is None:
            results.append(result)
            return
        self.sink.take(result)
        result.records = []

    def plan(self, searches: int) -> None:
        """How many searches this source will send in this run (the progress display shows
        searches done of that total); a source whose searches depend on answers need not say."""
        if self.on_plan:
            self.on_plan(searches)

    def distinct_terms(self, languages: Iterable[str] | None = None) -> list[str]:
        """The profile's search terms once each, in order (of ``languages`` only, when given):
        what a source that searches all languages at once sends."""
        wanted = set(languages) if languages else None
        return list(dict.fromkeys(term for lang, terms in self.profile.terms.items()
                                  if wanted is None or lang in wanted for term in terms))


@dataclass
class SearchResult:
    """One query sent to one source, as the search ledger records it.

    ``query`` is exactly what was sent (keys redacted); ``status`` is ``succeeded``, ``failed``
    or ``stopped`` (quota); a failed search keeps only complete pages and no watermark.
    """

    source: str
    query_key: str
    query: str
    platform: str
    filters: str | None = None
    limits: str | None = None
    update_method: str = "full"
    hits_reported: int | None = None
    records: list[SourceRecord] = field(default_factory=list)
    status: SearchStatus = SearchStatus.SUCCEEDED
    error: str | None = None
    watermark: str | None = None
    query_url: str | None = None
    unreachable: bool = False  # the host could not be reached: retrying the source cannot help

    @property
    def records_retrieved(self) -> int:
        return len(self.records)


@dataclass
class Page:
    """One page of a paged answer: its records, the hits the API reports, the next token.

    ``next_token`` is ``None`` on the last page (cursor, offset or page number as a string).
    """

    records: list[SourceRecord]
    hits_reported: int | None = None
    next_token: str | None = None


def paginate(fetch: Callable[[str | None], Page], first_token: str | None, *,
             max_records: int, max_pages: int = DEFAULT_MAX_PAGES) -> Iterator[Page]:
    """Pages from ``fetch(token)`` until the last one, an empty one, or a cap.

    Stops too when the API repeats a token (a cursor loop would otherwise never end). The
    record cap cuts the last page so at most ``max_records`` records come out in all.
    """
    token = first_token
    seen: set[str | None] = set()
    total = 0
    for _ in range(max_pages):
        page = fetch(token)
        if total + len(page.records) > max_records:
            page = replace(page, records=page.records[:max_records - total], next_token=None)
        total += len(page.records)
        yield page
        seen.add(token)
        if not page.records or page.next_token is None or page.next_token in seen \
                or total >= max_records:
            return
        token = page.next_token
    log.warning("stopped paging after the hard cap of %d pages", max_pages)


def map_records(raws: list[Any], to_record: Callable[[Any], SourceRecord | None], *,
                source: str) -> list[SourceRecord]:
    """``to_record`` over one page; a record that cannot be mapped is skipped and logged."""
    out: list[SourceRecord] = []
    for raw in raws:
        try:
            rec = to_record(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("%s: skipped a record that could not be mapped (%s: %s)", source,
                        type(exc).__name__, exc)
            continue
        if rec is not None:
            out.append(rec)
    return out


def parse_json(body: bytes, *, what: str) -> Any:
    """A saved JSON response for ``parse``; :class:`ParseError` when it is not JSON."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"not a {what} JSON response ({exc}); pass the raw saved body") from None


def mark_seeds(records: list[SourceRecord], seed_dois: Iterable[str]) -> list[SourceRecord]:
    """The records with every work whose DOI is a seed DOI flagged ``is_seed``."""
    seeds = {normalize_doi(d) for d in seed_dois}
    seeds.discard(None)
    if not seeds:
        return records

    def flag(work: Work) -> Work:
        return replace(work, is_seed=True) if work.doi in seeds and not work.is_seed else work

    return [replace(r, work=flag(r.work), related=tuple(flag(w) for w in r.related))
            for r in records]


def failure_status(exc: SourceError) -> SearchStatus:
    """How a search that raised ``exc`` ends: ``stopped`` when the source's quota ran out (what
    came until then is kept and the next run carries on), ``failed`` for any other error."""
    return SearchStatus.STOPPED if isinstance(exc, QuotaExhausted) else SearchStatus.FAILED


def collect(result: SearchResult, pages: Iterator[Page], *, ctx: HarvestContext | None = None,
            watermark: str | None = None, secrets: tuple[str, ...] = ()) -> SearchResult:
    """Drain ``pages`` into ``result``: whole pages only, failures reported, never raised.

    On success the result gets ``watermark``; on a :class:`SourceError` it keeps the pages that
    arrived complete, gets status ``failed`` (``stopped`` for a quota) and no watermark.
    """
    try:
        for page in pages:
            if page.hits_reported is not None and result.hits_reported is None:
                result.hits_reported = page.hits_reported
            result.records.extend(page.records)
            if ctx is not None:
                ctx.progress(result.query_key, len(result.records))
    except SourceError as exc:
        result.status = failure_status(exc)
        result.error = redact(exc, secrets)
        result.watermark = None
        result.unreachable = isinstance(exc, HostUnreachable)
        # An unreachable host was reported once, when its circuit opened; each search it
        # refuses afterwards is noted at info level (in the run's log, not on a -v console).
        (log.info if result.unreachable else log.warning)("%s: %s", result.source, result.error)
        return result
    result.status = SearchStatus.SUCCEEDED
    result.watermark = watermark
    return result


# --- lookup and running ---------------------------------------------------------------------

def source_module(name: str) -> ModuleType:
    """The module ``litrev.extract.sources.<name>`` (a dash in the name is an underscore in
    the module's: ``europepmc-fulltext`` is ``europepmc_fulltext``), imported on first use."""
    if name not in SOURCE_NAMES:
        raise ExtractError(f"unknown source {name!r}; expected one of {', '.join(SOURCE_NAMES)}")
    module_name = f"litrev.extract.sources.{name.replace('-', '_')}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ExtractError(f"source {name!r} is not available in this version of litrev; "
                               "disable it in the profile") from None
        raise


def run_source(name: str, ctx: HarvestContext) -> list[SearchResult]:
    """Run one source's harvest; a failure becomes a failed (or stopped) result, never raised."""
    secret = ctx.secret()
    secrets = (secret,) if secret else ()
    try:
        module = source_module(name)
        return list(module.harvest(ctx))
    except SourceError as exc:
        status = failure_status(exc)
        error = redact(exc, secrets)
        unreachable = isinstance(exc, HostUnreachable)
    except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
        log.exception("%s: unexpected error", name)
        status = SearchStatus.FAILED
        error = redact(f"unexpected {type(exc).__name__}: {exc}", secrets)
        unreachable = False
    platform = getattr(_safe_module(name), "PLATFORM", name)
    return [SearchResult(source=name, query_key="*", query="(source could not run)",
                         platform=platform, status=status, error=error,
                         unreachable=unreachable)]


def _safe_module(name: str) -> ModuleType | None:
    try:
        return source_module(name)
    except Exception:  # noqa: BLE001 - only used to name the platform in a failure
        return None
