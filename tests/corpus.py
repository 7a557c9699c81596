"""A small corpus for tests: the seed work, its four citation statements from the seed page
(``shared/seed``: three English, one Finnish), abstracts, a translation and two harvest runs.

Citing works of the seed statements are not named on the page; here they carry example DOIs
(10.5555 prefix, reserved for examples) so tests can address them.
"""

from __future__ import annotations

import datetime as dt

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.store.load import load_batch, records_to_batch

SEED_DOI = "10.1177/0020764020904764"
FINNISH_STATEMENT = (
    "Kokemusasiantuntijatoimintaan kohdistuneessa tutkimuksessa on tarkasteltu toiminnan "
    "merkitystä sosiaali-ja terveyspalveluissa ja niiden kehittämisessä (24)(25)(26)(27), "
    "kokemusasiantuntijoiden ja ammattilaisten yhteistyötä sairaalaorganisaatioissa ja "
    "mielenterveyspalveluissa (18,(28)(29)(30) sekä kokemusasiantuntijuuden merkitystä "
    "osallisuuden mahdollistajana ja toisaalta osallistamispolitiikan välineenä (31)(32)(33)."
)
SUPPORTING = (
    "Such a framework gives other mental health professionals an idea about the role of their "
    "new colleagues and can, thus, avoid problems during the integration process (Asad and "
    "Chreim 2016 ). This view is in accordance with our own findings in the qualitative "
    "interview and focus group parts of our study (Otte et al 2020a , 2020b ) and with the "
    "findings of Collins et al ( 2016 )."
)
MENTIONING_1 = (
    "Furthermore, our findings suggest that PSWs benefit from the mutual exchange in "
    "transregional PSWMs during their role-finding process. This is in line with the results "
    "of our interview study, in which PSWs stated that they perceived these transregional "
    "meetings, which can be understood as a peer support for PSWs, as especially helpful "
    "(Otte et al 2020b )."
)
MENTIONING_2 = (
    "Furthermore, individuals considering PSW training may struggle with motivation [ 62 ] and "
    "the pressure to succeed [ 63 ], and role challenges can include overwork and symptom "
    "recurrence [ 64 ]."
)
SEED_ABSTRACT = (
    "Background: Being aware of the challenges that may occur during the implementation of peer "
    "support work in psychiatry is important to facilitate the integration of peer support "
    "workers (PSWs) into multidisciplinary mental health-care teams."
)


def seed_records() -> list[SourceRecord]:
    seed = Work.create(doi=SEED_DOI, title="Challenges faced by peer support workers during the "
                       "integration into hospital-based mental health-care teams", year=2020,
                       authors=["Otte, Ina", "Werning, Anna"], is_seed=True, language="en",
                       venue="International Journal of Social Psychiatry")
    citing = [
        Work.create(doi="10.5555/litrev.test.1", title="Framework for peer work", year=2021),
        Work.create(doi="10.5555/litrev.test.2", title="Peer support meetings", year=2022),
        Work.create(doi="10.5555/litrev.test.3", title="Web-based PSW training", year=2023),
        Work.create(doi="10.5555/litrev.test.4", title="Kokemusasiantuntijatoiminta", year=2024,
                    language="fi"),
    ]
    statements = [
        (citing[0], SUPPORTING, "Discussion", "supporting", 0.91),
        (citing[1], MENTIONING_1, "Discussion", "mentioning", 0.99),
        (citing[2], MENTIONING_2, "Discussion", "mentioning", 0.99),
        (citing[3], FINNISH_STATEMENT, "Tutkimustulosten merkitys käytännössä", None, None),
    ]
    records = [SourceRecord(
        "files", "seed", seed,
        (Excerpt.create(work_id=seed.work_id, kind="abstract", text=SEED_ABSTRACT),))]
    for i, (work, text, section, stance, conf) in enumerate(statements):
        ex = Excerpt.create(work_id=work.work_id, kind="citation_statement", text=text,
                            cited_work_id=seed.work_id, section=section, stance=stance,
                            stance_confidence=conf)
        records.append(SourceRecord("files", f"stmt{i}", work, (ex,), (seed,),
                                    ((work.work_id, seed.work_id),)))
    return records


def build(con, *, now: dt.datetime | None = None) -> None:
    """Fill a migrated connection with the test corpus, languages, a translation and runs."""
    now = now or dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    load_batch(con, records_to_batch(seed_records()), run_id="run-1", now=now)
    con.execute("UPDATE excerpts SET language = 'en', language_confidence = 0.99, "
                "language_method = 'test'")
    con.execute("UPDATE excerpts SET language = 'fi' WHERE text LIKE 'Kokemus%'")
    fi_hash = con.execute("SELECT text_hash FROM excerpts WHERE language = 'fi'").fetchone()[0]
    con.execute(
        "INSERT INTO translations VALUES ($h, 'en', 'fi', $t, 'tm', 'tm', NULL, false, $n, $n)",
        {"h": fi_hash, "t": "Research on expert-by-experience work has examined ...", "n": now})
    for run_id, day, status in (("run-1", 1, "succeeded"), ("run-2", 20, "partial")):
        started = dt.datetime(2026, 11, day, 2, 0, tzinfo=dt.UTC)
        con.execute("INSERT INTO harvest_runs (run_id, review_name, started_at, finished_at, "
                    "status, trigger) VALUES ($r, 'test', $s, $s, $st, 'cli')",
                    {"r": run_id, "s": started, "st": status})
    con.execute("""INSERT INTO search_log (run_id, source, platform, query, run_date,
                   hits_reported, records_retrieved, new_records, duplicates_within,
                   duplicates_across, excluded_automation, status, error) VALUES
        ('run-1', 'openalex', 'api.openalex.org', 'peer support worker', '2026-11-01', 120, 100,
         100, 2, 0, 1, 'succeeded', NULL),
        ('run-1', 'crossref', 'api.crossref.org', 'peer support worker', '2026-11-01', 60, 50,
         30, 0, 20, 0, 'succeeded', NULL),
        ('run-2', 'openalex', 'api.openalex.org', 'peer support worker', '2026-11-20', 125, 5,
         5, 0, 0, 0, 'succeeded', NULL),
        ('run-2', 'crossref', 'api.crossref.org', 'peer support worker', '2026-11-20', NULL, 0,
         0, 0, 0, 0, 'failed', 'HTTP 500 after 5 attempts')""")
