"""Translating texts through a chain a reviewer can trust, and the online providers behind it.

The chain, first answer wins (:func:`resolve_chain`)::

    a human correction  >  the translation memory  >  the cache  >  the online provider
    status "human"         status "tm"                 status "machine" (provider named)

A human correction is never replaced. Texts the provider cannot translate now (no network,
provider down, rate limit exhausted) get status ``pending`` and are picked up again by the next
run; texts it refuses (unsupported language, invalid text) get ``failed`` with the reason.

Each provider is one small class behind the :class:`TranslationProvider` protocol
(:class:`GoogleProvider` without a key; :class:`DeepLProvider`, :class:`MicrosoftProvider`,
:class:`LibreProvider` with a key from the environment or a server's URL;
:class:`MyMemoryProvider` with the contact email; :class:`NoProvider` for ``none``): its limits
and how to build its deep-translator client. :class:`ProviderClient` wraps any of them:

- **Timeouts.** deep-translator calls ``requests.get``/``requests.post`` with no timeout, so a
  silent server would hang a nightly run for ever. :func:`_install_timeout_shim` replaces the
  name ``requests`` inside deep-translator's provider modules by :class:`_TimedRequests`, which
  adds ``timeout=`` to every request made during one of our calls (connect and read), and notes
  the HTTP status, ``Retry-After`` and any transport error so failures can be told apart.
  Outside our calls it passes through unchanged. Each call also runs in a worker thread with
  an overall deadline, for a server that trickles bytes slower than the read timeout.
- **Limits.** Each provider's real limit (:data:`PROVIDER_LIMITS`) decides how a text is split
  at sentence boundaries (:mod:`extract.chunking`); the pieces are translated in order and
  joined with the original separators.
- **Retries and the circuit breaker** live in :class:`TranslationEngine`: 429 /
  ``TooManyRequests`` and 5xx back off (honouring ``Retry-After``) and retry; after
  ``max_consecutive_failures`` consecutive connection failures the provider counts as down for
  the run and every remaining text is ``pending`` at once, without another request.
- **Secrets** (API keys) are passed to deep-translator and nowhere else: every error message is
  written by us and passed through :func:`extract.http.redact` with the key, because
  deep-translator puts keys into its exception messages and requests puts URLs (with
  ``auth_key=``/``api_key=``) into its own.

Example (what :func:`flows.translation.run_translation` does)::

    engine = TranslationEngine(ProviderClient.from_profile(profile))
    answer = engine.translate("Vertaistuki auttaa.", "fi", "en")
    answer.status, answer.text
    # -> ('machine', 'Peer support helps.')
"""

from __future__ import annotations

import contextvars
import datetime as dt
import email.utils
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Protocol, cast
from urllib.parse import quote_plus

from litrev.extract.chunking import join_pieces, split_text
from litrev.extract.errors import ExtractError
from litrev.extract.evidence import numbers_differ
from litrev.extract.http import redact
from litrev.extract.profile import SECRET_ENV, Profile, TranslationSettings
from litrev.vocabulary import TranslationStatus

log = logging.getLogger("litrev.translate")


class TranslationError(ExtractError):
    """Translation cannot start as configured (unknown provider, missing key or URL)."""


# --- provider limits ---------------------------------------------------------------------

@dataclass(frozen=True)
class ProviderLimits:
    """What one request may carry. Every set limit must hold for each piece sent.

    ``max_chars``: characters of text; ``max_query_bytes``: the text percent-encoded as a URL
    query value (``q=...``), for providers whose text travels in the URL; ``max_utf8_bytes``:
    the text's UTF-8 size.
    """

    max_chars: int | None = None
    max_query_bytes: int | None = None
    max_utf8_bytes: int | None = None
    why: str = ""

    def fits(self, text: str) -> bool:
        if self.max_chars is not None and len(text) > self.max_chars:
            return False
        if self.max_utf8_bytes is not None and len(text.encode("utf-8")) > self.max_utf8_bytes:
            return False
        return self.max_query_bytes is None or len(quote_plus(text)) <= self.max_query_bytes


class Translator(Protocol):
    """What litrev uses of a deep-translator client: languages set per call, one text."""

    source: str
    target: str

    def translate(self, text: str) -> str: ...


@dataclass(frozen=True)
class ProviderSettings:
    """What a provider may need: its key (from the environment), a server's address, the
    contact email (MyMemory's higher quota) and an Azure region (Microsoft)."""

    api_key: str | None = None
    url: str | None = None
    contact_email: str | None = None
    region: str | None = None


class TranslationProvider(Protocol):
    """One translation service (``translation.provider`` in the profile).

    ``limits`` decide how a text is split before it is sent; ``translator()`` builds the
    deep-translator client :class:`ProviderClient` wraps with timeouts and classified failures.
    ``online`` is false only for ``none``, which calls no service: every text it is asked for
    stays ``pending`` with ``unavailable_reason``.

        >>> provider_named("libre", ProviderSettings(url="http://localhost:5000/")).limits
        ProviderLimits(max_chars=None, max_query_bytes=7000, ...)
    """

    name: ClassVar[str]
    limits: ClassVar[ProviderLimits]
    online: ClassVar[bool]
    unavailable_reason: ClassVar[str | None]

    def __init__(self, settings: ProviderSettings) -> None: ...

    def translator(self) -> Translator: ...


@dataclass(frozen=True)
class GoogleProvider:
    """Google Translate's free web endpoint: no key."""

    settings: ProviderSettings
    name: ClassVar[str] = "google"
    # deep-translator sends GET translate.google.com/m?q=TEXT. Google's front end refuses
    # request URLs past about 16 KB (a 16,200-byte query passes, 17,100 bytes gets HTTP 400:
    # deep-translator issue #224); deep-translator itself refuses 5,000 characters or more.
    # For Finnish the character check binds first (4,900 characters of real Finnish are
    # ~6,600 bytes); the URL binds for texts dense in letters that encode to six bytes
    # (Greek, Cyrillic, or Finnish/Swedish full of ä, ö, å).
    limits: ClassVar[ProviderLimits] = ProviderLimits(
        max_chars=4999, max_query_bytes=14_000,
        why="URL of about 16 KB; deep-translator refuses >= 5,000 chars")
    online: ClassVar[bool] = True
    unavailable_reason: ClassVar[str | None] = None

    def translator(self) -> Translator:
        import deep_translator as dtr

        return cast(Translator, dtr.GoogleTranslator(source="auto", target="auto"))


@dataclass(frozen=True)
class DeepLProvider:
    """DeepL's API; a key ending in ``:fx`` is a free-plan key and uses the free endpoint."""

    settings: ProviderSettings
    name: ClassVar[str] = "deepl"
    # deep-translator sends GET .../v2/translate?auth_key=..&text=TEXT: the text is in the URL;
    # 8 KB is the request-line limit of common servers and proxies (nginx's default buffer).
    limits: ClassVar[ProviderLimits] = ProviderLimits(
        max_query_bytes=7_000, why="text in the URL of a GET; 8 KB request line")
    online: ClassVar[bool] = True
    unavailable_reason: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        _require_key(self.name, self.settings)

    def translator(self) -> Translator:
        import deep_translator as dtr

        key = self.settings.api_key or ""
        return cast(Translator, dtr.DeeplTranslator(source="auto", target="auto", api_key=key,
                                                    use_free_api=key.endswith(":fx")))


@dataclass(frozen=True)
class MicrosoftProvider:
    """Azure AI Translator; ``LITREV_MICROSOFT_TRANSLATOR_REGION`` for a regional resource."""

    settings: ProviderSettings
    name: ClassVar[str] = "microsoft"
    # Azure Translator v3: JSON body, at most 50,000 characters per request.
    limits: ClassVar[ProviderLimits] = ProviderLimits(
        max_chars=50_000, why="50,000 characters per request")
    online: ClassVar[bool] = True
    unavailable_reason: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        _require_key(self.name, self.settings)

    def translator(self) -> Translator:
        import deep_translator as dtr

        return cast(Translator, dtr.MicrosoftTranslator(
            source="auto", target="auto", api_key=self.settings.api_key,
            region=self.settings.region))


@dataclass(frozen=True)
class LibreProvider:
    """A LibreTranslate server at ``translation.url`` (often self-hosted, often keyless)."""

    settings: ProviderSettings
    name: ClassVar[str] = "libre"
    # deep-translator sends POST /translate?q=TEXT (query string, not a form body); a
    # self-hosted LibreTranslate usually sits behind nginx (8 KB request line).
    limits: ClassVar[ProviderLimits] = ProviderLimits(
        max_query_bytes=7_000, why="text in the URL query of a POST; 8 KB request line")
    online: ClassVar[bool] = True
    unavailable_reason: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        if not self.settings.url:
            raise TranslationError('provider "libre" needs translation.url, the address of '
                                   "your LibreTranslate server")

    def translator(self) -> Translator:
        import deep_translator as dtr

        url = self.settings.url or ""
        # deep-translator insists on a key; a self-hosted server without keys ignores it.
        return cast(Translator, dtr.LibreTranslator(
            source="auto", target="auto", api_key=self.settings.api_key or "none",
            custom_url=url if url.endswith("/") else url + "/"))


@dataclass(frozen=True)
class MyMemoryProvider:
    """MyMemory's free API; the contact email raises its daily quota."""

    settings: ProviderSettings
    name: ClassVar[str] = "mymemory"
    # MyMemory's free API answers "QUERY LENGTH LIMIT EXCEEDED" past 500 bytes;
    # deep-translator refuses 500 characters or more.
    limits: ClassVar[ProviderLimits] = ProviderLimits(
        max_chars=499, max_utf8_bytes=500, why="500 bytes per query")
    online: ClassVar[bool] = True
    unavailable_reason: ClassVar[str | None] = None

    def translator(self) -> Translator:
        import deep_translator as dtr

        return cast(Translator, dtr.MyMemoryTranslator(source="auto", target="auto",
                                                       email=self.settings.contact_email))


@dataclass(frozen=True)
class NoProvider:
    """``translation.provider = "none"``: no online service; the human corrections, the
    translation memory and the cache still answer, every other text stays ``pending``."""

    settings: ProviderSettings
    name: ClassVar[str] = "none"
    limits: ClassVar[ProviderLimits] = ProviderLimits()
    online: ClassVar[bool] = False
    unavailable_reason: ClassVar[str | None] = ("no online provider configured "
                                                "(translation.provider = none)")

    def translator(self) -> Translator:
        raise TranslationError('translation.provider = "none" calls no service; choose an '
                               "online provider to translate")


PROVIDERS: Mapping[str, type[TranslationProvider]] = {
    cls.name: cls for cls in (GoogleProvider, DeepLProvider, MicrosoftProvider, LibreProvider,
                              MyMemoryProvider, NoProvider)}
# What one request to each online provider may carry (documentation and tests read it here).
PROVIDER_LIMITS: Mapping[str, ProviderLimits] = {
    cls.name: cls.limits for cls in (GoogleProvider, DeepLProvider, MicrosoftProvider,
                                     LibreProvider, MyMemoryProvider)}


def _require_key(name: str, settings: ProviderSettings) -> None:
    if not settings.api_key:
        raise TranslationError(f"provider {name!r} needs an API key: set {SECRET_ENV[name]}")


def provider_class(name: str) -> type[TranslationProvider]:
    """The class of the provider ``translation.provider`` names."""
    if name not in PROVIDERS:
        raise TranslationError(f"unknown translation provider {name!r}; use one of "
                               f"{', '.join(PROVIDERS)} (translation.provider)")
    return PROVIDERS[name]


def provider_named(name: str, settings: ProviderSettings) -> TranslationProvider:
    """The provider ``translation.provider`` names, checked for what it needs (key, URL)."""
    return provider_class(name)(settings)


# --- timeouts: a stand-in for `requests` inside deep-translator ---------------------------

@dataclass
class _CallState:
    """What happened on the wire during one guarded provider call."""

    timeout: float
    status: int | None = None
    retry_after: str | None = None
    transport_error: BaseException | None = None


_CURRENT_CALL: contextvars.ContextVar[_CallState | None] = contextvars.ContextVar(
    "litrev_translation_call", default=None)


class _TimedRequests:
    """Stands in for the ``requests`` module inside deep-translator's provider modules.

    Only ``get`` and ``post`` differ (they add our timeout and record what happened); every
    other attribute (``exceptions``, ``RequestException``...) is the real module's.
    """

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get(self, url: str, params: Any = None, **kwargs: Any) -> Any:
        return self._send("GET", url, params=params, **kwargs)

    def post(self, url: str, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        return self._send("POST", url, data=data, json=json, **kwargs)

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        call = _CURRENT_CALL.get()
        if call is None:  # someone else's deep-translator call: unchanged behaviour
            return self._real.request(method, url, **kwargs)
        kwargs["timeout"] = call.timeout
        try:
            response = self._real.request(method, url, **kwargs)
        except self._real.RequestException as exc:
            call.transport_error = exc
            raise
        call.status = response.status_code
        call.retry_after = response.headers.get("Retry-After")
        return response


_SHIM_LOCK = threading.Lock()
_SHIM_MODULES = ("google", "deepl", "libre", "microsoft", "mymemory")  # deep_translator.<name>


def _install_timeout_shim() -> None:
    """Point deep-translator's provider modules at :class:`_TimedRequests` (once)."""
    import importlib

    import requests

    with _SHIM_LOCK:
        for name in _SHIM_MODULES:
            module: Any = importlib.import_module(f"deep_translator.{name}")
            if not isinstance(module.requests, _TimedRequests):
                module.requests = _TimedRequests(requests)


# --- one provider ---------------------------------------------------------------------------

class CallFailed(Exception):
    """One provider call did not give a translation.

    ``kind``: ``connection`` (no answer: refused, DNS, timeout), ``rate_limited`` (429,
    TooManyRequests), ``server`` (5xx), ``auth`` (key refused or missing), ``rejected`` (the
    provider refused this text: unsupported language, invalid text, no translation found).
    """

    def __init__(self, kind: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class ProviderClient:
    """One online provider through deep-translator, with timeouts and classified failures.

    ``translate_piece(text, source, target)`` sends one piece (already within
    :attr:`limits`) and returns its translation or raises :class:`CallFailed`.
    """

    def __init__(self, name: str, *, timeout_seconds: float = 20.0, api_key: str | None = None,
                 url: str | None = None, contact_email: str | None = None,
                 region: str | None = None) -> None:
        provider = provider_named(name, ProviderSettings(
            api_key=api_key, url=url, contact_email=contact_email, region=region))
        if not provider.online:
            raise TranslationError(f"provider {name!r} calls no service; "
                                   f"{provider.unavailable_reason}")
        self.provider = provider
        self.name = provider.name
        self.limits = provider.limits
        self.timeout_seconds = float(timeout_seconds)
        self._api_key = api_key
        self._translator: Translator | None = None

    @classmethod
    def from_profile(cls, profile: Profile, provider: str | None = None) -> ProviderClient:
        """The client the profile asks for (or ``provider``), its key read from the env."""
        settings: TranslationSettings = profile.translation
        name = provider or settings.provider
        return cls(name, timeout_seconds=settings.timeout_seconds, api_key=profile.secret(name),
                   url=settings.url, contact_email=profile.contact_email,
                   region=os.environ.get("LITREV_MICROSOFT_TRANSLATOR_REGION") or None)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()

    def redact(self, text: object) -> str:
        return redact(text, self.secrets)

    def _build(self) -> Translator:
        """A deep-translator client. Languages are set per call through its setters: its
        built-in language tables are older than the services (its LibreTranslate table has no
        Finnish), so codes are passed through and the service itself says what it supports."""
        return self.provider.translator()

    def translate_piece(self, text: str, source: str, target: str) -> str:
        _install_timeout_shim()
        call = _CallState(timeout=self.timeout_seconds)
        outcome: dict[str, object] = {}

        def work() -> None:
            _CURRENT_CALL.set(call)
            try:
                if self._translator is None:
                    self._translator = self._build()
                translator = self._translator
                translator.source, translator.target = source, target
                outcome["text"] = translator.translate(text)
            except BaseException as exc:  # noqa: BLE001 - classified below
                outcome["error"] = exc

        worker = threading.Thread(target=work, name=f"litrev-{self.name}", daemon=True)
        worker.start()
        # Connect + read timeouts bound each request; this bounds the whole call (a trickling
        # server, deep-translator's own second request for Google or Microsoft).
        # (A little grace, so that a socket timeout reports first, with its own name.)
        deadline = self.timeout_seconds + 0.5
        worker.join(deadline)
        if worker.is_alive():
            self._translator = None  # the stuck thread keeps its client; use a fresh one
            raise CallFailed("connection", f"{self.name}: no answer within {deadline:g} s")
        error = outcome.get("error")
        if isinstance(error, BaseException):
            raise self._classify(error, call) from None
        translated = outcome.get("text")
        if not isinstance(translated, str) or not translated.strip():
            raise CallFailed("rejected", f"{self.name} returned no translation")
        return translated

    def _classify(self, exc: BaseException, call: _CallState) -> CallFailed:
        from deep_translator import exceptions as dte

        name = self.name
        if call.transport_error is not None:
            err = call.transport_error
            kind = "timed out" if "Timeout" in type(err).__name__ else "connection failed"
            return CallFailed("connection", f"{name}: {kind} ({type(err).__name__})")
        status = call.status
        if status == 429 or isinstance(exc, dte.TooManyRequests):
            return CallFailed("rate_limited", f"{name}: too many requests (HTTP 429)",
                              _retry_after_seconds(call.retry_after))
        if isinstance(exc, (dte.AuthorizationException, dte.ApiKeyException)) \
                or status in (401, 403):
            env = SECRET_ENV.get(name, "the provider's key variable")
            return CallFailed("auth", f"{name}: the API key was refused (HTTP {status}); check "
                              f"{env}")
        if status is not None and status >= 500:
            return CallFailed("server", f"{name}: server error HTTP {status}",
                              _retry_after_seconds(call.retry_after))
        if status == 456:  # DeepL: quota for the billing period used up
            return CallFailed("auth", f"{name}: character quota used up (HTTP 456)")
        detail = self.redact(exc)[:200] if str(exc) else type(exc).__name__
        where = f"HTTP {status}: " if status and status >= 400 else ""
        return CallFailed("rejected", f"{name} refused the text ({where}{detail})")


# --- the engine: splitting, retries, circuit breaker ----------------------------------------

@dataclass(frozen=True)
class ProviderAnswer:
    text: str | None
    status: TranslationStatus  # machine | pending | failed
    error: str | None = None
    pieces: int = 0


@dataclass
class TranslationEngine:
    """Translates whole texts through one :class:`ProviderClient`, for one run.

    Identical pieces are sent once per run; 429 and 5xx answers are retried with backoff
    (``Retry-After`` honoured up to ``max_wait_seconds``; a longer wait means a quota and
    counts as the provider being down); after ``max_consecutive_failures`` consecutive
    failed calls (connection errors, exhausted retries) the circuit opens and every further
    text is answered ``pending`` without a request.
    """

    client: ProviderClient
    max_consecutive_failures: int = 3
    max_attempts: int = 4
    backoff_base_seconds: float = 1.0
    max_wait_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0
    circuit_open: bool = False
    circuit_reason: str | None = None
    _failures: int = 0
    _memo: dict = field(default_factory=dict)

    @classmethod
    def from_profile(cls, profile: Profile, provider: str | None = None) -> TranslationEngine:
        return cls(ProviderClient.from_profile(profile, provider),
                   max_consecutive_failures=max(1, profile.translation.max_consecutive_failures))

    def _open(self, reason: str) -> None:
        if not self.circuit_open:
            self.circuit_open = True
            self.circuit_reason = reason
            log.info("translation circuit open: %s", reason)

    def _call(self, piece: str, source: str, target: str) -> str:
        for attempt in range(1, self.max_attempts + 1):
            self.calls += 1
            try:
                return self.client.translate_piece(piece, source, target)
            except CallFailed as failure:
                if failure.kind not in ("rate_limited", "server") or attempt == self.max_attempts:
                    raise
                wait = failure.retry_after
                if wait is None:
                    wait = self.backoff_base_seconds * 2 ** (attempt - 1)
                if wait > self.max_wait_seconds:
                    raise CallFailed("quota", f"{failure.message}; asked to wait {wait:.0f} s, "
                                     "longer than a run waits") from None
                log.info("%s; retrying in %.1f s", failure.message, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def translate(self, text: str, source: str, target: str) -> ProviderAnswer:
        """One text: split under the provider's limits, translated piece by piece, joined."""
        if self.circuit_open:
            return ProviderAnswer(None, TranslationStatus.PENDING,
                                  f"{self.client.name} counts as down for this run: "
                                  f"{self.circuit_reason}")
        pieces, seps = split_text(text.strip(), self.client.limits.fits)
        out = []
        for piece in pieces:
            key = (piece, source, target)
            if key not in self._memo:
                try:
                    self._memo[key] = self._call(piece, source, target)
                except CallFailed as failure:
                    return self._failed(failure)
                self._failures = 0
            out.append(self._memo[key])
        return ProviderAnswer(join_pieces(out, seps), TranslationStatus.MACHINE, None, len(pieces))

    def _failed(self, failure: CallFailed) -> ProviderAnswer:
        message = self.client.redact(failure.message)
        if failure.kind == "rejected":
            self._failures = 0  # the provider answered: it is up
            return ProviderAnswer(None, TranslationStatus.FAILED, message)
        if failure.kind in ("auth", "quota"):
            self._open(message)
        else:
            self._failures += 1
            if self._failures >= self.max_consecutive_failures:
                self._open(f"{self._failures} consecutive failures, the last: {message}")
        return ProviderAnswer(None, TranslationStatus.PENDING, message)


# --- the chain -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TextToTranslate:
    text_hash: str
    text: str
    source_language: str


@dataclass(frozen=True)
class ChainResult:
    text_hash: str
    source_language: str
    target_language: str
    status: TranslationStatus
    translated_text: str | None
    provider: str | None
    error: str | None = None
    numbers_mismatch: bool = False
    new_cache_entry: bool = False  # a fresh provider answer, to be cached


def resolve_chain(items: Iterable[TextToTranslate], target_language: str, *,
                  human: Mapping[str, str] | None = None,
                  memory: Mapping[tuple[str, str], tuple[str, str]] | None = None,
                  memory_key: Callable[[str], str] | None = None,
                  cache: Mapping[tuple[str, str], tuple[str, str]] | None = None,
                  engine: TranslationEngine | None = None,
                  no_provider_reason: str = NoProvider.unavailable_reason or "",
                  ) -> list[ChainResult]:
    """The chain's answer for each text, first answer wins.

    ``human``: text_hash -> corrected text. ``memory``: (memory key, source language) ->
    (target text, origin). ``cache``: (text_hash, source language) -> (text, provider).
    ``engine``: the online provider, or None (every text left is ``pending``).
    """
    from litrev.extract.translation_memory import memory_key as default_key

    human, memory, cache = human or {}, memory or {}, cache or {}
    key_of = memory_key or default_key
    results = []
    for item in items:
        base = ChainResult(item.text_hash, item.source_language, target_language,
                           TranslationStatus.PENDING, None, None)
        if item.text_hash in human:
            results.append(replace(base, status=TranslationStatus.HUMAN,
                                   translated_text=human[item.text_hash], provider="reviewer"))
            continue
        found = memory.get((key_of(item.text), item.source_language))
        if found:
            text, origin = found
            results.append(replace(base, status=TranslationStatus.TM, translated_text=text,
                                   provider=f"tm:{origin}" if origin else "tm",
                                   numbers_mismatch=_mismatch(item, text, target_language)))
            continue
        found = cache.get((item.text_hash, item.source_language))
        if found:
            text, provider = found
            results.append(replace(base, status=TranslationStatus.MACHINE, translated_text=text,
                                   provider=provider,
                                   numbers_mismatch=_mismatch(item, text, target_language)))
            continue
        if engine is None:
            results.append(replace(base, error=no_provider_reason))
            continue
        answer = engine.translate(item.text, item.source_language, target_language)
        results.append(replace(
            base, status=answer.status, translated_text=answer.text,
            provider=engine.client.name, error=answer.error,
            numbers_mismatch=answer.text is not None and _mismatch(item, answer.text,
                                                                   target_language),
            new_cache_entry=answer.status == TranslationStatus.MACHINE))
    return results


def _mismatch(item: TextToTranslate, translation: str, target_language: str) -> bool:
    return numbers_differ(item.text, item.source_language, translation, target_language)
