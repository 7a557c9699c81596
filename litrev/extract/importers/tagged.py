"""PubMed/MEDLINE (``PMID-`` tags, ``.nbib``/``.txt``) and Web of Science plain text
(``FN``/``PT`` ... ``ER``, ``savedrecs.txt``): tagged lines, wrapped values indented.

MEDLINE (PubMed's "Save > Format: PubMed"): a tag of up to four letters padded to four, then
``- `` (``PMID- 28441597``, ``TI  - Differences in ...``); a wrapped value continues on lines
indented by six spaces; a record starts at ``PMID-`` and ends at a blank line. Fields used:
PMID (id), TI, AB, FAU (full names; AU when absent), DP (year), LID/AID ending ``[doi]``,
JT/TA (venue), LA, PT (type).

Web of Science plain text ("Export > Plain text file"): a two-letter tag, a space, the value;
wrapped values and further names continue on lines indented by three spaces; a record runs
from ``PT`` to ``ER``, the file from ``FN``/``VR`` to ``EF``. Fields used: UT (id), TI, AB,
AF (full names; AU when absent, one per line), PY (year; EA/PD when absent), DI, SO, LA, DT.
"""

from __future__ import annotations

from collections.abc import Iterator

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id

Fields = dict[str, list[str]]
# tags whose continuation lines are further values (one person per line), not wrapped text
_LIST_TAGS = {"AU", "AF", "FAU", "BA", "BF", "CA", "GP", "ED", "CR", "C1", "C3"}


def _medline_records(text: str, name: str, problems: list[Problem]
                     ) -> Iterator[tuple[int, Fields]]:
    fields: Fields | None = None
    start = 0
    values: list[str] | None = None
    stray_from = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line:
            stray_from = 0
            if fields is not None:
                yield start, fields
                fields, values = None, None
            continue
        if line.startswith("      ") and values is not None:
            values[-1] = f"{values[-1]} {line.strip()}"
            continue
        if len(line) >= 6 and line[4:6] == "- " and line[:4].rstrip().isalnum():
            tag, value = line[:4].rstrip(), line[6:].strip()
            if tag == "PMID":
                if fields is not None:
                    yield start, fields
                fields, start = {}, number
            if fields is not None:
                values = fields.setdefault(tag, [])
                values.append(value)
                stray_from = 0
                continue
        if not stray_from:  # one problem per run of stray lines
            stray_from = number
            problems.append(Problem(name, number, f"not a MEDLINE line ({line[:40]!r}) outside "
                                                  "a record; ignored", ProblemKind.IGNORED))
    if fields is not None:
        yield start, fields


def _doi_of(values: list[str]) -> str | None:
    for value in values:
        if value.endswith("[doi]"):
            return value.removesuffix("[doi]").strip()
    return None


def _first(fields: Fields, *tags: str) -> str | None:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value:
                return value
    return None


def _other_abstracts(fields: Fields) -> list[tuple[str, str | None]]:
    """MEDLINE's ``OAB`` (Other Abstract: often the abstract in the article's own language,
    from an NLM partner), each with its ``OABL`` language when the record gives one per OAB."""
    texts = [v for v in fields.get("OAB", []) if v]
    langs = list(fields.get("OABL", []))
    return [(text, langs[i] if len(langs) == len(texts) else None)
            for i, text in enumerate(texts)]


def read_medline(text: str, name: str) -> ImportResult:
    result = ImportResult()
    seen: set[str] = set()
    for start, fields in _medline_records(text, name, result.problems):
        pmid = _first(fields, "PMID")
        title = _first(fields, "TI", "BTI")
        doi = _doi_of(fields.get("LID", []) + fields.get("AID", []))
        if not (title or doi):
            result.problems.append(Problem(name, start, "record has neither a title (TI) nor a "
                                                        "DOI (LID/AID [doi]); record skipped"))
            continue
        try:
            record = entry_record(
                SOURCE, unique_id(pmid, seen, name, start), title=title,
                abstracts=[(v, None) for v in fields.get("AB", []) if v] + _other_abstracts(fields),
                authors=fields.get("FAU") or fields.get("AU", []), year=_first(fields, "DP"),
                venue=_first(fields, "JT", "TA"), doi=doi, pmid=pmid,
                language=_first(fields, "LA"), work_type=_first(fields, "PT"),
                original_title=_first(fields, "TT"), origin=f"{name}#L{start}")
        except ValueError as exc:
            result.problems.append(Problem(name, start, f"{exc}; record skipped"))
            continue
        result.records.append(record)
    return result


def _wos_records(text: str, name: str, problems: list[Problem]
                 ) -> Iterator[tuple[int, Fields]]:
    fields: Fields | None = None
    start = 0
    tag = ""
    values: list[str] | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("   ") and values is not None:
            if tag in _LIST_TAGS:
                values.append(line.strip())
            else:
                values[-1] = f"{values[-1]} {line.strip()}"
            continue
        head = line[:2]
        if len(line) >= 2 and head.isalnum() and head.isupper() and line[2:3] in ("", " "):
            tag, value = head, line[3:].strip()
            if tag == "PT":
                if fields is not None:
                    problems.append(Problem(name, start, "record has no ER line before the "
                                                         "next PT; record skipped"))
                fields, start = {}, number
            elif tag == "ER":
                if fields is not None:
                    yield start, fields
                fields, values = None, None
                continue
            elif fields is None:  # FN, VR, EF: the file's header and end
                values = None
                continue
            values = fields.setdefault(tag, [])
            values.append(value)
            continue
        problems.append(Problem(name, number, f"not a Web of Science line ({line[:40]!r}); "
                                              "ignored", ProblemKind.IGNORED))
    if fields is not None:
        problems.append(Problem(name, start, "the file ends inside this record (no ER line: cut "
                                             "short?); record skipped"))


def read_wos(text: str, name: str) -> ImportResult:
    result = ImportResult()
    seen: set[str] = set()
    for start, fields in _wos_records(text, name, result.problems):
        title = _first(fields, "TI")
        doi = _first(fields, "DI")
        if not (title or doi):
            result.problems.append(Problem(name, start, "record has neither a title (TI) nor a "
                                                        "DOI (DI); record skipped"))
            continue
        try:
            record = entry_record(
                SOURCE, unique_id(_first(fields, "UT"), seen, name, start), title=title,
                abstracts=[(v, None) for v in fields.get("AB", []) if v],
                authors=fields.get("AF") or fields.get("AU", []),
                year=_first(fields, "PY", "EA", "PD"), venue=_first(fields, "SO"), doi=doi,
                pmid=_first(fields, "PM"), language=_first(fields, "LA"),
                work_type=_first(fields, "DT"), origin=f"{name}#L{start}")
        except ValueError as exc:
            result.problems.append(Problem(name, start, f"{exc}; record skipped"))
            continue
        result.records.append(record)
    return result
