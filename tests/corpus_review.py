"""The review corpus: :mod:`tests.corpus` plus what reviewers work with.

Adds, in a second run on 2026-11-20: real Finnish, German, Swedish and English abstracts and
two English citation statements (one of them contrasting) copied from the demo corpus
(``tests/fixtures/export``, see its PROVENANCE.md); one synthetic record whose text is a
spreadsheet formula; themes and which excerpts match them; translations in every state
(machine, pending, none); and one imported review.

What a test can rely on (besides tests.corpus):

- excerpts: 13 in all; the 5 of tests.corpus first seen 2026-11-01, 8 added on 2026-11-20.
- languages: en 9 (4 abstracts, one of them synthetic, and 5 statements), fi 2, de 1, sv 1.
- translations into en: the Finnish statement ``tm``, the German abstract ``machine`` (google),
  the Swedish abstract ``pending``; the Finnish abstract has none.
- themes (codebook test-1): role_clarity, team_collaboration, peer_networks, training,
  workload_strain (see THEMES and MATCHES).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.store.load import load_batch, records_to_batch
from tests import corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "export"
ADDED = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://example.invalid","x")'
SYNTHETIC_DOI = "10.5555/litrev.synthetic.1"
NORTON_DOI = "10.3390/ijerph182211897"
TUVESSON_DOI = "10.1080/01612840.2017.1324929"
EINSAMKEIT_MACHINE = ("About 5 to 10% of the adult population say they feel lonely fairly often "
                      "to very often.")
CODEBOOK_VERSION = "test-1"

THEMES = {
    "role_clarity": "Role clarity and role definition",
    "team_collaboration": "Team communication and collaboration",
    "peer_networks": "Peer networks among PSWs",
    "training": "Training and qualification",
    "workload_strain": "Workload, emotional strain and relapse",
}


def demo_works() -> dict[str, dict]:
    with open(FIXTURES / "demo_works.jsonl", encoding="utf-8") as f:
        return {d["id"]: d for d in map(json.loads, f)}


def demo_statements() -> dict[str, dict]:
    with open(FIXTURES / "demo_statements.jsonl", encoding="utf-8") as f:
        return {d["id"]: d for d in map(json.loads, f)}


def _work(d: dict, **extra) -> Work:
    return Work.create(doi=d["doi"], urn=d.get("urn"), title=d["title"] or None, year=d["year"],
                       authors=d["authors"], venue=d["venue"], url=d["url"],
                       language=d["language"], **extra)


def review_records() -> list[SourceRecord]:
    works = demo_works()
    records = []
    for key, d in works.items():
        w = _work(d)
        ex = Excerpt.create(work_id=w.work_id, kind="abstract", text=d["abstract"],
                            language_hint=d["language"], origin=d["source"])
        records.append(SourceRecord("files", key, w, (ex,)))
    norton = _work(works["en-806c019058"])
    brudney = Work.create(title="Towards a definition of the co-production concept", year=1983,
                          authors=["Brudney, J.L.", "England, R.E."], venue="Public Adm. Rev.")
    vennik = Work.create(title="Co-production in healthcare: Rhetoric and practice", year=2016,
                         authors=["Vennik, F.D.", "van de Bovenkamp, H.M."],
                         venue="Int. Rev. Adm. Sci.")
    for (key, d), cited, stance, conf in zip(
            demo_statements().items(), (brudney, vennik), (None, "contrasting"), (None, 0.8),
            strict=True):
        ex = Excerpt.create(work_id=norton.work_id, kind="citation_statement", text=d["text"],
                            cited_work_id=cited.work_id, section=d["section"], stance=stance,
                            stance_confidence=conf, origin=d["source"])
        records.append(SourceRecord("files", key, norton, (ex,), (cited,),
                                    ((norton.work_id, cited.work_id),)))
    synthetic = Work.create(doi=SYNTHETIC_DOI, title="Synthetic record for spreadsheet safety",
                            year=2026, synthetic=True)
    ex = Excerpt.create(work_id=synthetic.work_id, kind="abstract", text=FORMULA, synthetic=True,
                        origin="tests/corpus_review.py")
    records.append(SourceRecord("files", "synthetic-1", synthetic, (ex,)))
    return records


# (first words of the excerpt text, theme, matched_in, matched terms)
MATCHES = [
    ("Such a framework", "role_clarity", "original", ["role"]),
    ("Such a framework", "team_collaboration", "original", ["colleagues"]),
    ("Furthermore, our findings", "peer_networks", "original", ["peer support for PSWs"]),
    ("Furthermore, our findings", "role_clarity", "original", ["role-finding"]),
    ("Furthermore, individuals", "training", "original", ["PSW training"]),
    ("Furthermore, individuals", "workload_strain", "original",
     ["overwork", "symptom recurrence"]),
    ("Kokemusasiantuntijatoimintaan", "team_collaboration", "original", ["yhteistyö"]),
    ("Tiivistelmä: Hoitotyöntekijöiden", "team_collaboration", "original", ["yhteistyö"]),
    ("- This study investigated", "workload_strain", "original", ["stress"]),
    ("According to the Brudney", "team_collaboration", "original", ["co-production"]),
    ("In contrast, Vennik", "team_collaboration", "original", ["co-production"]),
]


def excerpt_id_starting(con, words: str) -> str:
    rows = con.execute("SELECT excerpt_id FROM excerpts WHERE starts_with(text, $w)",
                       {"w": words}).fetchall()
    assert len(rows) == 1, (words, rows)
    return rows[0][0]


def _text_hash_of(con, words: str) -> str:
    return con.execute("SELECT text_hash FROM excerpts WHERE excerpt_id = $e",
                       {"e": excerpt_id_starting(con, words)}).fetchone()[0]


def build(con) -> None:
    """Fill a migrated connection with tests.corpus and the review additions."""
    corpus.build(con)
    load_batch(con, records_to_batch(review_records()), run_id="run-2", now=ADDED)
    con.execute("UPDATE excerpts SET language = language_hint, language_confidence = 0.98, "
                "language_method = 'test' WHERE language IS NULL AND language_hint IS NOT NULL")
    con.execute("UPDATE excerpts SET language = 'en', language_confidence = 0.97, "
                "language_method = 'test' WHERE language IS NULL")
    for theme_id, label in THEMES.items():
        con.execute("INSERT INTO themes VALUES ($i, $l, $d, $v)",
                    {"i": theme_id, "l": label, "d": f"Excerpts about {label.lower()}.",
                     "v": CODEBOOK_VERSION})
    for words, theme_id, where, terms in MATCHES:
        con.execute("INSERT INTO excerpt_themes VALUES ($e, $t, $w, $m, $v)",
                    {"e": excerpt_id_starting(con, words), "t": theme_id, "w": where,
                     "m": terms, "v": CODEBOOK_VERSION})
    german = _text_hash_of(con, "Etwa 5 bis 10%")
    swedish = _text_hash_of(con, "Bakgrund: Covid-19")
    con.execute("INSERT INTO translations VALUES ($h, 'en', 'de', $t, 'google', 'machine', NULL, "
                "false, $n, $n)", {"h": german, "t": EINSAMKEIT_MACHINE, "n": ADDED})
    con.execute("INSERT INTO translations VALUES ($h, 'en', 'sv', NULL, 'google', 'pending', "
                "'translation provider unreachable', false, $n, $n)",
                {"h": swedish, "n": ADDED})
    con.execute("INSERT INTO reviews VALUES ($e, 'include', 'clear statement on role clarity', "
                "NULL, 'round1.xlsx', $n)",
                {"e": excerpt_id_starting(con, "Such a framework"), "n": ADDED})
