"""Translation: the chain, the providers through deep-translator, pending, memory, evidence.

Every provider call here is a real HTTP round trip through deep-translator's LibreTranslator
to a LibreTranslate-compatible server on loopback (tests/libre_server.py), which "translates"
with str.swapcase so a test can check the text came back whole and in order.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pyarrow as pa
import pytest

from litrev.extract.chunking import join_pieces, split_text
from litrev.extract.evidence import numbers_differ
from litrev.extract.normalize import text_hash
from litrev.extract.profile import TRANSLATION_PROVIDERS, parse_profile
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.extract.translate import (
    PROVIDER_LIMITS,
    PROVIDERS,
    ProviderClient,
    ProviderSettings,
    TextToTranslate,
    TranslationEngine,
    TranslationError,
    provider_named,
    resolve_chain,
)
from litrev.extract.translation_memory import MemoryFileError, memory_key, read_memory
from litrev.flows.cli import main
from litrev.flows.translation import AnswerSources, import_translation_memory, run_translation
from litrev.store.db import read_session, write_session
from litrev.store.load import load_batch, records_to_batch
from tests.corpus import FINNISH_STATEMENT, SUPPORTING
from tests.libre_server import MAX_REQUEST_LINE, LibreServer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "translation"
KEY = "lt-key-7f3a9c21-secret"
SHORT_TITLE = "Psykiatrinen hoitoketju"          # 23 characters, a real thesis title part
SHORT_QUOTE = "Jes, must on johonkin"            # 21 characters


def finnish_abstracts() -> list[str]:
    lines = (FIXTURES / "finnish_abstracts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["abstract"] for line in lines]


def finnish_sentences() -> list[str]:
    out = []
    for abstract in finnish_abstracts():
        out += [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÅ])", abstract) if len(s) > 20]
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_profile(tmp_path: Path, url: str, **translation):
    raw = {"review": {"name": "test", "target_language": "en",
                      "candidate_languages": ["en", "fi", "sv", "de"],
                      "contact_email": "reviewer@example.org", "database": "corpus.ducklake"},
           "translation": {"provider": "libre", "url": url, "timeout_seconds": 2,
                           "max_consecutive_failures": 3, **translation}}
    return parse_profile(raw, path=tmp_path / "review.toml")


def write_profile(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "review.toml"
    path.write_text(f"""[review]
name = "test"
target_language = "en"
contact_email = "reviewer@example.org"
database = "corpus.ducklake"

[translation]
provider = "libre"
url = "{url}"
timeout_seconds = 2
""", encoding="utf-8")
    return path


def make_db(path: Path, texts: list[tuple[str, str | None]], kind: str = "abstract") -> Path:
    """A database holding one excerpt per (text, detected language)."""
    records = []
    for i, (text, _lang) in enumerate(texts):
        work = Work.create(doi=f"10.5555/litrev.translate.{i}", title=f"Work {i}", year=2020)
        ex = Excerpt.create(work_id=work.work_id, kind=kind, text=text)
        records.append(SourceRecord("files", f"rec{i}", work, (ex,)))
    langs = pa.table({"text_hash": [text_hash(t) for t, _ in texts],
                      "language": pa.array([lang for _, lang in texts], pa.string())})
    with write_session(path) as con:
        load_batch(con, records_to_batch(records), run_id="test",
                   now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        con.register("langs", langs)
        con.execute("UPDATE excerpts SET language = l.language FROM langs l "
                    "WHERE excerpts.text_hash = l.text_hash")
        con.unregister("langs")
    return path


def rows(db: Path) -> dict[str, dict]:
    with read_session(db) as con:
        cur = con.execute("SELECT text_hash, status, translated_text, provider, error, "
                          "numbers_mismatch, source_language FROM translations "
                          "WHERE target_language = 'en'")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


SEED_TEXTS = [(FINNISH_STATEMENT, "fi"), (SHORT_TITLE, "fi"), (SHORT_QUOTE, "fi"),
              (SUPPORTING, "en"), ("Kokemusasiantuntija", "und")]


# --- the real round trip -----------------------------------------------------------------

def test_seed_statement_goes_through_libre_over_http_and_comes_back(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", SEED_TEXTS)
    with LibreServer() as server:
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.by_status == {"machine": 3}
    assert summary.provider_calls == 3 and len(server.calls) == 3
    sent = {c["q"]: c for c in server.calls}
    # English (the target) and 'und' texts are not sent; the Finnish ones are, from fi to en
    assert set(sent) == {FINNISH_STATEMENT, SHORT_TITLE, SHORT_QUOTE}
    assert {(c["source"], c["target"], c["format"]) for c in server.calls} == {("fi", "en",
                                                                               "text")}
    stored = rows(db)
    seed = stored[text_hash(FINNISH_STATEMENT)]
    assert seed["status"] == "machine" and seed["provider"] == "libre"
    assert seed["translated_text"].startswith("kOKEMUSASIANTUNTIJATOIMINTAAN KOHDISTUNEESSA")
    assert seed["translated_text"].swapcase() == FINNISH_STATEMENT
    assert seed["numbers_mismatch"] is False and seed["error"] is None
    assert stored[text_hash(SHORT_TITLE)]["translated_text"] == "pSYKIATRINEN HOITOKETJU"
    with read_session(db) as con:  # the view reviewers read shows it
        view = con.execute("SELECT translation, translation_status, translation_provider FROM "
                           "v_excerpts WHERE text = $t", {"t": SHORT_QUOTE}).fetchone()
    assert view == ("jES, MUST ON JOHONKIN", "machine", "libre")


def test_a_second_run_makes_zero_provider_calls_and_the_cache_answers(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", SEED_TEXTS)
    with LibreServer() as server:
        profile = make_profile(tmp_path, server.url)
        first = run_translation(db, profile)
        second = run_translation(db, profile, retry_failed=True)
        assert first.provider_calls == 3 and server.state.requests == 3
        assert (second.texts, second.provider_calls) == (0, 0)
        # without their translations rows, the texts are answered from the cache
        with write_session(db) as con:
            con.execute("DELETE FROM translations")
        third = run_translation(db, profile)
        assert server.state.requests == 3
    assert third.by_status == {"machine": 3} and third.by_source == AnswerSources(cache=3)
    assert third.provider_calls == 0
    assert rows(db)[text_hash(SHORT_TITLE)]["translated_text"] == "pSYKIATRINEN HOITOKETJU"


def test_identical_texts_are_sent_once(tmp_path):
    # the same statement cited by two works: two excerpts, one text hash, one request
    db = make_db(tmp_path / "corpus.ducklake", [(FINNISH_STATEMENT, "fi"),
                                              (FINNISH_STATEMENT, "fi")])
    with read_session(db) as con:
        assert con.execute("SELECT count(*) FROM excerpts").fetchone()[0] == 2
    with LibreServer() as server:
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.texts == 1 and len(server.calls) == 1


# --- limits and splitting ------------------------------------------------------------------

def long_finnish_text(min_chars: int = 9000) -> str:
    text = ""
    for abstract in finnish_abstracts():
        text = f"{text} {abstract}".strip()
        if len(text) >= min_chars:
            break
    return text


def test_a_9000_character_finnish_text_is_split_translated_and_joined_in_order(tmp_path):
    text = long_finnish_text()
    assert 9000 <= len(text) < 12000 and len(quote_plus(text)) > MAX_REQUEST_LINE
    db = make_db(tmp_path / "corpus.ducklake", [(text, "fi")])
    with LibreServer() as server:
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.by_status == {"machine": 1}
    pieces = [c["q"] for c in server.calls]
    assert len(pieces) >= 2
    assert max(server.state.request_lines) <= MAX_REQUEST_LINE  # none refused with 414
    # each piece ends a sentence, and the pieces in the order sent are the text
    assert all(p.rstrip()[-1] in ".!?)" for p in pieces)
    assert " ".join(pieces) == text
    translated = rows(db)[text_hash(text)]["translated_text"]
    assert translated.swapcase() == text
    assert translated.startswith("tIIVISTELMÄ: hOITOTYÖNTEKIJÖIDEN KOKEMUKSIA")


def test_google_limit_counts_percent_encoded_bytes_so_finnish_letters_cost_six():
    google = PROVIDER_LIMITS["google"]
    assert quote_plus("ä") == "%C3%A4"
    finnish = " ".join(finnish_sentences())            # real text, ~26,000 characters
    pieces, seps = split_text(finnish, google.fits)
    assert join_pieces(pieces, seps) == finnish
    encoded = [len(quote_plus(p)) for p in pieces]
    assert max(encoded) <= google.max_query_bytes and max(len(p) for p in pieces) <= 4999
    # 5,000 characters of "ä" are 30,000 bytes in the URL: under the character limit, over
    # the URL limit, so it is split although deep-translator's own check would let it pass
    assert not google.fits("ä" * 4000) and google.fits("a" * 4000)
    assert not PROVIDER_LIMITS["mymemory"].fits("ä" * 300)       # 600 bytes > 500


def test_every_provider_a_profile_may_name_has_its_class():
    assert set(PROVIDERS) == set(TRANSLATION_PROVIDERS)
    assert [name for name, cls in PROVIDERS.items() if not cls.online] == ["none"]
    assert set(PROVIDER_LIMITS) == set(TRANSLATION_PROVIDERS) - {"none"}


@pytest.mark.parametrize(("name", "settings", "says"), [
    ("deepl", ProviderSettings(), "set LITREV_DEEPL_API_KEY"),
    ("microsoft", ProviderSettings(url="http://ignored.invalid"),
     "set LITREV_MICROSOFT_TRANSLATOR_KEY"),
    ("libre", ProviderSettings(api_key=KEY), "needs translation.url"),
    ("yandex", ProviderSettings(), "use one of google, deepl, microsoft, libre, mymemory, none"),
])
def test_a_provider_missing_what_it_needs_says_what_to_set(name, settings, says):
    with pytest.raises(TranslationError, match=says):
        provider_named(name, settings)


def test_the_none_provider_calls_no_service():
    assert provider_named("none", ProviderSettings()).unavailable_reason == (
        "no online provider configured (translation.provider = none)")
    with pytest.raises(TranslationError, match="calls no service"):
        ProviderClient("none")


def test_splitting_keeps_abbreviations_and_years_inside_sentences():
    text = ("Tulokset on esitetty esim. taulukossa 2. Otte et al. 2020 kuvaavat haasteita. "
            "Kolmas lause.")
    pieces, seps = split_text(text, lambda s: len(s) <= 60)
    assert pieces == ["Tulokset on esitetty esim. taulukossa 2.",
                      "Otte et al. 2020 kuvaavat haasteita. Kolmas lause."]
    assert join_pieces(pieces, seps) == text


# --- no network: pending, circuit breaker, the next run -------------------------------------

def test_with_the_provider_unreachable_1000_texts_are_pending_fast_and_the_next_run_translates(
        tmp_path):
    sentences = finnish_sentences()
    texts = [f"{sentences[i % len(sentences)]} {sentences[(i * 7 + 3) % len(sentences)]} "
             f"({i})" for i in range(1000)]
    assert len(set(texts)) == 1000
    db = make_db(tmp_path / "corpus.ducklake", [(t, "fi") for t in texts])
    port = free_port()  # nothing listens there: connection refused
    profile = make_profile(tmp_path, f"http://127.0.0.1:{port}/")
    started = time.monotonic()
    down = run_translation(db, profile)
    assert time.monotonic() - started < 10
    assert down.by_status == {"pending": 1000}
    assert down.circuit_open and down.provider_calls == 3
    stored = rows(db)
    assert len(stored) == 1000 and {r["status"] for r in stored.values()} == {"pending"}
    assert "3 consecutive failures" in stored[text_hash(texts[-1])]["error"]

    with LibreServer(port=port) as server:  # the provider is back
        back = run_translation(db, profile)
    assert back.by_status == {"machine": 1000} and not back.circuit_open
    assert len(server.calls) == 1000
    stored = rows(db)
    assert stored[text_hash(texts[0])]["translated_text"].swapcase() == texts[0]
    assert {r["status"] for r in stored.values()} == {"machine"}


def test_a_provider_that_never_answers_times_out_and_opens_the_circuit(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", [(s, "fi") for s in finnish_sentences()[:8]])
    with LibreServer() as server:
        server.state.delay_seconds = 5
        profile = make_profile(tmp_path, server.url, timeout_seconds=0.3)
        started = time.monotonic()
        summary = run_translation(db, profile)
        elapsed = time.monotonic() - started
        server.state.delay_seconds = 0
    assert elapsed < 6  # without timeouts: 8 texts x 5 s; with them: 3 x 0.3 s, then none
    assert summary.by_status == {"pending": 8} and summary.circuit_open
    assert summary.provider_calls == 3
    assert "timed out (ReadTimeout)" in summary.circuit_reason


def test_a_call_that_never_returns_is_abandoned_at_the_overall_deadline():
    release = threading.Event()

    class Stuck:
        source = target = None

        def translate(self, text):
            release.wait(10)  # a server trickling bytes: no socket timeout fires
            return "late"

    client = ProviderClient("libre", url="http://127.0.0.1:9/", timeout_seconds=0.2)
    client._build = Stuck  # the deep-translator client, replaced by one that hangs
    engine = TranslationEngine(client, max_consecutive_failures=2)
    started = time.monotonic()
    answers = [engine.translate(t, "fi", "en") for t in ("Yksi.", "Kaksi.", "Kolme.")]
    release.set()
    assert time.monotonic() - started < 5  # two deadlines of 0.7 s, then the circuit is open
    assert [a.status for a in answers] == ["pending"] * 3
    assert "no answer within" in answers[0].error
    assert engine.circuit_open and engine.calls == 2


def test_a_429_answer_is_retried_after_retry_after(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", [(FINNISH_STATEMENT, "fi")])
    with LibreServer() as server:
        server.fail_next(429, retry_after="0")
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.by_status == {"machine": 1}
    assert summary.provider_calls == 2 and server.state.requests == 2
    assert rows(db)[text_hash(FINNISH_STATEMENT)]["translated_text"].swapcase() \
        == FINNISH_STATEMENT


def test_429_without_retry_after_backs_off_exponentially_then_gives_up_as_pending():
    waits = []
    with LibreServer() as server:
        server.fail_next(429, times=2)
        engine = TranslationEngine(ProviderClient("libre", url=server.url), sleep=waits.append)
        ok = engine.translate(SHORT_TITLE, "fi", "en")
        server.fail_next(429, times=4)
        given_up = engine.translate(SHORT_QUOTE, "fi", "en")
    assert ok.text == "pSYKIATRINEN HOITOKETJU" and waits[:2] == [1.0, 2.0]
    assert given_up.status == "pending" and "too many requests" in given_up.error
    assert engine.calls == 3 + 4


def test_a_quota_sized_retry_after_stops_the_provider_for_the_run(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", [(SHORT_TITLE, "fi"), (SHORT_QUOTE, "fi")])
    with LibreServer() as server:
        server.fail_next(429, retry_after="86400")
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.by_status == {"pending": 2} and summary.circuit_open
    assert summary.provider_calls == 1 and "86400 s" in summary.circuit_reason


def test_a_refused_text_fails_and_is_retried_only_when_asked(tmp_path):
    # the server has no Estonian model: HTTP 400 is a refusal, not an outage
    estonian = "Kogemusnõustajad töötavad haiglas."
    db = make_db(tmp_path / "corpus.ducklake", [(estonian, "et"), (SHORT_TITLE, "fi")])
    with LibreServer() as server:
        profile = make_profile(tmp_path, server.url)
        first = run_translation(db, profile)
        failed = rows(db)[text_hash(estonian)]
        again = run_translation(db, profile)
        server.state.languages.add("et")
        retried = run_translation(db, profile, retry_failed=True)
    assert first.by_status == {"failed": 1, "machine": 1} and not first.circuit_open
    assert failed["status"] == "failed" and failed["translated_text"] is None
    assert failed["error"].startswith("libre refused the text (HTTP 400")
    assert again.texts == 0
    assert retried.by_status == {"machine": 1}
    assert rows(db)[text_hash(estonian)]["translated_text"] == estonian.swapcase()


def test_api_keys_never_reach_stored_errors_or_the_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("LITREV_LIBRETRANSLATE_API_KEY", KEY)
    db = make_db(tmp_path / "corpus.ducklake", [(SHORT_TITLE, "fi"), (SHORT_QUOTE, "fi")])
    with LibreServer() as server:
        server.state.api_key = "the-server-wants-another-key"
        refused = run_translation(db, make_profile(tmp_path, server.url))
        assert server.calls[0]["api_key"] == KEY  # the key did go to the provider
    # deep-translator's AuthorizationException carries the key in its message
    errors = [r["error"] for r in rows(db).values()]
    assert errors and all("LITREV_LIBRETRANSLATE_API_KEY" in e for e in errors)
    assert all(KEY not in e for e in errors)
    assert KEY not in json.dumps(refused.as_dict())
    # requests' connection errors carry the URL with ?api_key=...
    unreachable = run_translation(db, make_profile(tmp_path, f"http://127.0.0.1:{free_port()}/"))
    with read_session(db) as con:
        everything = json.dumps(con.execute("SELECT * FROM translations").fetchall(),
                                default=str)
    assert "connection failed" in everything and KEY not in everything
    assert KEY not in json.dumps(unreachable.as_dict())


# --- the chain: human corrections, memory ---------------------------------------------------

def test_a_human_correction_survives_a_later_litrev_translate(tmp_path, capsys):
    db = make_db(tmp_path / "corpus.ducklake", [(FINNISH_STATEMENT, "fi"), (SHORT_TITLE, "fi")])
    corrected = "Research on expert-by-experience work has examined (a reviewer's words)."
    with write_session(db) as con:
        con.execute("INSERT INTO translations VALUES ($h, 'en', 'fi', $t, 'reviewer', 'human', "
                    "NULL, false, now(), now())",
                    {"h": text_hash(FINNISH_STATEMENT), "t": corrected})
    with LibreServer() as server:
        profile = write_profile(tmp_path, server.url)
        for extra in ([], ["--retry-failed"]):
            assert main(["--db", str(db), "--profile", str(profile), "translate", *extra]) == 0
        assert [c["q"] for c in server.calls] == [SHORT_TITLE]
    stored = rows(db)[text_hash(FINNISH_STATEMENT)]
    assert (stored["status"], stored["translated_text"], stored["provider"]) == (
        "human", corrected, "reviewer")
    out = capsys.readouterr().out
    assert "translation into en with libre: 1 texts (machine 1)" in out


def test_saving_never_replaces_a_human_row_even_when_asked_to():
    from litrev.store.translations import save_results

    results = resolve_chain([TextToTranslate("h1", SHORT_TITLE, "fi")], "en",
                            cache={("h1", "fi"): ("Psychiatric care chain", "google")})
    assert results[0].status == "machine"
    import duckdb

    from litrev.store.db import migrate
    con = duckdb.connect()
    migrate(con)
    con.execute("INSERT INTO translations VALUES ('h1', 'en', 'fi', 'Psychiatric care pathway', "
                "'reviewer', 'human', NULL, false, now(), now())")
    save_results(con, results)
    assert con.execute("SELECT status, translated_text FROM translations").fetchone() == (
        "human", "Psychiatric care pathway")


def test_the_chain_order_is_human_then_memory_then_cache_then_provider():
    item = TextToTranslate("h1", SHORT_TITLE, "fi")
    key = memory_key(SHORT_TITLE)
    everything = dict(human={"h1": "H"}, memory={(key, "fi"): ("M", "glossary.csv")},
                      cache={("h1", "fi"): ("C", "google")})
    assert resolve_chain([item], "en", **everything)[0].status == "human"
    del everything["human"]
    first = resolve_chain([item], "en", **everything)[0]
    assert (first.status, first.translated_text, first.provider) == ("tm", "M",
                                                                     "tm:glossary.csv")
    del everything["memory"]
    first = resolve_chain([item], "en", **everything)[0]
    assert (first.status, first.provider, first.new_cache_entry) == ("machine", "google", False)
    none = resolve_chain([item], "en")[0]
    assert none.status == "pending" and "translation.provider = none" in none.error


def test_tmx_import_gives_tm_matching_normalised_text_and_records_its_origin(tmp_path, capsys):
    db = make_db(tmp_path / "corpus.ducklake", [(FINNISH_STATEMENT, "fi"), (SHORT_QUOTE, "fi"),
                                              (SHORT_TITLE, "fi")])
    assert main(["--db", str(db), "tm", "import",
                 str(FIXTURES / "psw-memory.tmx")]) == 0
    out = capsys.readouterr().out
    assert "imported 2 memory entries (fi>en) from psw-memory.tmx; creationtool OmegaT 6.0.1; " \
           "note: Reviewed by the review team, 2026-10" in out
    assert "skipped 1 units" in out and "2 stored texts now take their translation" in out
    stored = rows(db)
    seed = stored[text_hash(FINNISH_STATEMENT)]  # the TMX has it in capitals, extra spaces
    assert seed["status"] == "tm" and seed["provider"] == "tm:psw-memory.tmx"
    assert seed["translated_text"].startswith("Research on expert-by-experience work")
    assert seed["numbers_mismatch"] is False
    assert stored[text_hash(SHORT_QUOTE)]["translated_text"] == "Yes, I am good for something"
    with read_session(db) as con:
        origin = con.execute("SELECT DISTINCT origin FROM translation_memory").fetchall()
    assert origin == [("psw-memory.tmx; creationtool OmegaT 6.0.1; note: Reviewed by the "
                       "review team, 2026-10",)]
    # the next run asks the provider only for the text the memory does not hold
    with LibreServer() as server:
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert [c["q"] for c in server.calls] == [SHORT_TITLE] and summary.texts == 1
    assert rows(db)[text_hash(FINNISH_STATEMENT)]["status"] == "tm"


def test_csv_import_gives_tm_and_replaces_a_machine_translation(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", [(SHORT_TITLE, "fi"), (SHORT_QUOTE, "fi")])
    with LibreServer() as server:
        run_translation(db, make_profile(tmp_path, server.url))
    assert rows(db)[text_hash(SHORT_TITLE)]["status"] == "machine"
    summary = import_translation_memory(db, FIXTURES / "psw-glossary.csv")
    assert summary.entries == 2 and summary.applied == 1 and summary.pairs == ["fi>en"]
    stored = rows(db)
    assert (stored[text_hash(SHORT_TITLE)]["status"],
            stored[text_hash(SHORT_TITLE)]["translated_text"]) == ("tm",
                                                                   "Psychiatric care pathway")
    assert stored[text_hash(SHORT_QUOTE)]["status"] == "machine"


def test_memory_files_that_cannot_be_read_say_what_to_do(tmp_path, capsys):
    plain = tmp_path / "pairs.csv"
    plain.write_text("Psykiatrinen hoitoketju,Psychiatric care pathway\n", encoding="utf-8")
    with pytest.raises(MemoryFileError, match="--source-lang and --target-lang"):
        read_memory(plain)
    assert read_memory(plain, source_language="fi", target_language="en").entries[0] \
        .target_text == "Psychiatric care pathway"
    tmx = tmp_path / "all.tmx"
    tmx.write_text('<tmx version="1.4"><header srclang="*all*"/><body><tu>'
                   '<tuv xml:lang="fi"><seg>Vertaistuki</seg></tuv>'
                   '<tuv xml:lang="en"><seg>Peer support</seg></tuv></tu></body></tmx>',
                   encoding="utf-8")
    with pytest.raises(MemoryFileError, match="pass --source-lang"):
        read_memory(tmx)
    assert read_memory(tmx, source_language="fi").entries[0].target_text == "Peer support"
    # TMX 1.4 lets each unit name its own source language under a header saying *all*
    tmx.write_text(tmx.read_text(encoding="utf-8").replace("<tu>", '<tu srclang="fi">'),
                   encoding="utf-8")
    entry = read_memory(tmx).entries[0]
    assert (entry.source_language, entry.target_language, entry.source_text) == (
        "fi", "en", "Vertaistuki")
    bomb = tmp_path / "bomb.tmx"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaa">]>'
                    '<tmx><body>&a;</body></tmx>', encoding="utf-8")
    db = make_db(tmp_path / "corpus.ducklake", [(SHORT_TITLE, "fi")])
    assert main(["--db", str(db), "tm", "import", str(bomb)]) == 1
    assert capsys.readouterr().err.startswith("litrev: error: bomb.tmx: not a readable TMX file "
                                              "(EntitiesForbidden")
    assert main(["--db", str(tmp_path / "none.ducklake"), "tm", "import",
                 str(FIXTURES / "psw-glossary.csv")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.ducklake").exists()


# --- evidence: numbers -----------------------------------------------------------------------

def test_a_translation_whose_numbers_differ_is_flagged(tmp_path):
    db = make_db(tmp_path / "corpus.ducklake", [(FINNISH_STATEMENT, "fi"), (SHORT_TITLE, "fi")])
    with LibreServer() as server:
        server.state.transform = lambda q: q.swapcase().replace("(30)", "(13)")
        summary = run_translation(db, make_profile(tmp_path, server.url))
    assert summary.numbers_mismatch == 1
    stored = rows(db)
    assert stored[text_hash(FINNISH_STATEMENT)]["numbers_mismatch"] is True
    assert stored[text_hash(SHORT_TITLE)]["numbers_mismatch"] is False


@pytest.mark.parametrize("source, lang, translation, differ", [
    ("Osuus oli 3,5 % (n = 1 200) vuonna 2019.", "fi",
     "The share was 3.5% (n = 1,200) in 2019.", False),
    ("viitteet (24,25,26) ja 1200 potilasta", "fi", "references (24,25,26) and 1,200 patients",
     False),
    ("Vastaajia oli 120.", "fi", "There were 210 respondents.", True),
    ("Anteil 2,5 %", "de", "share 25%", True),
    ("120 ja 30 haastattelua", "fi", "120 interviews", True),
    ("Kolme haastattelua", "fi", "Three interviews", False),
])
def test_numbers_are_compared_as_written_and_as_values(source, lang, translation, differ):
    assert numbers_differ(source, lang, translation, "en") is differ


# --- CLI ----------------------------------------------------------------------------------

def test_translate_cli_json_and_usage_errors(tmp_path, capsys):
    db = make_db(tmp_path / "corpus.ducklake", [(SHORT_TITLE, "fi")])
    with LibreServer() as server:
        profile = write_profile(tmp_path, server.url)
        assert main(["--db", str(db), "--profile", str(profile), "translate", "--json",
                     "--limit", "5"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["by_status"] == {"machine": 1} and summary["provider"] == "libre"
    assert main(["--db", str(db), "--profile", str(profile), "translate", "--limit", "0"]) == 1
    assert "--limit expects a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # memory options belong to `litrev tm import`
        main(["--db", str(db), "translate", "--source-lang", "fi"])
    assert "unrecognized arguments: --source-lang" in capsys.readouterr().err


# --- Google's keyless endpoint, on loopback ------------------------------------------------

class _GoogleMobilePage(BaseHTTPRequestHandler):
    """Answers like translate.google.com/m: an HTML page with the translation in a div."""

    urls: list[str] = []

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        type(self).urls.append(self.path)
        if len(self.requestline) > 16_384:  # Google's front end refuses longer URLs
            self.send_response(400)
            self.end_headers()
            return
        q = parse_qs(urlsplit(self.path).query)["q"][0]
        body = (f'<html><body><div class="result-container">{html.escape(q.swapcase())}'
                "</div></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_google_splits_a_long_finnish_text_under_its_limits_and_joins_it(monkeypatch):
    from deep_translator.constants import BASE_URLS

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _GoogleMobilePage)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _GoogleMobilePage.urls = []
    text = long_finnish_text()
    try:
        monkeypatch.setitem(BASE_URLS, "GOOGLE_TRANSLATE",
                            f"http://127.0.0.1:{httpd.server_address[1]}/m")
        engine = TranslationEngine(ProviderClient("google", timeout_seconds=5))
        answer = engine.translate(text, "fi", "en")
    finally:
        httpd.shutdown()
        httpd.server_close()
    sent = [parse_qs(urlsplit(u).query)["q"][0] for u in _GoogleMobilePage.urls]
    assert answer.status == "machine" and answer.pieces == len(sent) == 2
    assert all(len(q) <= 4999 and len(u) < 16_384
               for q, u in zip(sent, _GoogleMobilePage.urls, strict=True))
    assert all("sl=fi" in u and "tl=en" in u for u in _GoogleMobilePage.urls)
    assert " ".join(sent) == text and answer.text.swapcase() == text
