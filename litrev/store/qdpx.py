"""The coded corpus as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA, QDA Miner.

Why: reviewers code and annotate in the qualitative-analysis tools they already use; REFI-QDA
(``urn:QDA-XML:project:1.0``, www.qdasoftware.org) is the exchange format those tools import. A
``.qdpx`` is a zip holding ``project.qde`` (the XML project) and ``sources/`` (one plain-text
file per source, named by its GUID).

What goes in, for the excerpts the filters of ``litrev export excerpts`` keep:

- the codebook's themes as codes (label as the name; description, id and the terms per
  language as the code's description);
- each excerpt as a text source (its stored text: for statements read from full text the clean
  copy, the sentence as printed being in the source's description), and its translation, when
  there is one, as a second text source named with its status (``human``, ``tm``, ``machine``);
- each stored theme match as a coded selection at the characters its terms matched (found
  again with the codebook's matching rules, :meth:`litrev.extract.themes.Coder.spans`); a match
  whose terms cannot be found again (the codebook changed since coding) codes the whole text
  and is counted;
- reviewers' decisions and notes as notes on the original source;
- each work as a case holding its excerpts' sources, with the work's metadata (authors, year,
  title, venue, DOI) as the case's variables; every source also carries them, with the
  excerpt's own facts (kind, language, section, stance, source, origin, ...), as variables.

GUIDs are derived from litrev's ids (UUID 5), so exporting the same corpus twice gives the same
GUIDs and a tool can tell a re-import from new material.

    with read_session(db) as con:
        write_qdpx(con, "review.qdpx", languages=["fi"], codebook=load_codebook())
    # -> 2 (the number of excerpts written)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import duckdb

from litrev.extract.themes import Codebook, Coder
from litrev.store.export import default_target_language
from litrev.store.exporters.table import ExportError, ExportRequest, iter_rows
from litrev.store.sqlfiles import internal
from litrev.vocabulary import ExcerptKind, TranslationStatus

NAMESPACE = "urn:QDA-XML:project:1.0"
GUID_NAMESPACE = uuid.UUID("6f1c3a52-7a0e-5c55-9a57-1e5f0a3c2b10")
USABLE_TRANSLATIONS = (TranslationStatus.HUMAN, TranslationStatus.TM, TranslationStatus.MACHINE)
# Variables of every text source: (name, REFI type, export row key).
VARIABLES: tuple[tuple[str, str, str], ...] = (
    ("excerpt_id", "Text", "excerpt_id"), ("kind", "Text", "kind"),
    ("language", "Text", "language"), ("section", "Text", "section"),
    ("section_kind", "Text", "section_kind"), ("stance", "Text", "stance"),
    ("authors", "Text", "authors"), ("year", "Integer", "year"), ("title", "Text", "title"),
    ("venue", "Text", "venue"), ("doi", "Text", "doi_link"),
    ("cited_work", "Text", "cited_work"), ("cited_doi", "Text", "cited_doi_link"),
    ("source", "Text", "source"), ("origin", "Text", "origin"),
    ("synthetic", "Boolean", "synthetic"), ("retrieved", "Date", "retrieved"),
    ("translation_status", "Text", "translation_status"),
)
# The variables that describe the work, given to its case.
WORK_VARIABLES = ("authors", "year", "title", "venue", "doi")


def guid(*parts: object) -> str:
    """A stable GUID for a litrev object: ``guid("excerpt", "x380e...")``."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts)))


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), {k: str(v) for k, v in attrs.items()
                                             if v is not None})
    if text is not None:
        element.text = text
    return element


@dataclass
class QdpxSummary:
    """What one export wrote."""

    excerpts: int = 0
    sources: int = 0
    codings: int = 0
    whole_text_codings: int = 0
    notes: int = 0
    codes: int = 0
    cases: int = 0
    problems: list[str] = field(default_factory=list)


def _codes(con: duckdb.DuckDBPyConnection, codebook: Codebook | None,
           project: ET.Element) -> dict[str, str]:
    """The CodeBook element; theme id -> code GUID."""
    terms = {t.id: t.terms for t in codebook.themes} if codebook else {}
    rows = con.execute(internal("qdpx_codes").sql).fetchall()
    ids: dict[str, str] = {}
    if not rows:  # not coded yet: the schema wants at least one code in a <CodeBook>
        return ids
    codes = _sub(_sub(project, "CodeBook"), "Codes")
    for theme_id, label, description in rows:
        ids[theme_id] = guid("theme", theme_id)
        code = _sub(codes, "Code", guid=ids[theme_id], name=label or theme_id, isCodable="true")
        lines = [description or "", f"litrev theme id: {theme_id}"]
        for lang, lang_terms in sorted(terms.get(theme_id, {}).items()):
            lines.append(f"terms ({lang}): " + "; ".join(t.text for t in lang_terms))
        _sub(code, "Description", "\n".join(line for line in lines if line))
    return ids


def _value(kind: str, value: Any) -> tuple[str, str] | None:
    if value is None or value == "":
        return None
    if kind == "Integer":
        return "IntegerValue", str(int(value))
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Date":
        return "DateValue", value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "TextValue", str(value)


class _Writer:
    def __init__(self, zf: zipfile.ZipFile, project: ET.Element, sources: ET.Element,
                 code_ids: dict[str, str], coder: Coder | None, target: str,
                 variable_ids: dict[str, str], user: str, now: str) -> None:
        self.zf, self.project, self.sources = zf, project, sources
        self.code_ids, self.coder, self.target = code_ids, coder, target
        self.variable_ids, self.user, self.now = variable_ids, user, now
        self.notes: ET.Element | None = None
        self.summary = QdpxSummary(codes=len(code_ids))
        # work id -> (its first row, the GUIDs of its excerpts' sources), for the cases
        self.works: dict[str, tuple[dict[str, Any], list[str]]] = {}

    def text_source(self, source_guid: str, name: str, text: str, description: str,
                    codings: list[tuple[str, str | None]], row: dict[str, Any]
                    ) -> ET.Element:
        """One TextSource with its file, coded selections and variables.

        ``codings`` holds ``(theme_id, language)``: the themes to locate in ``text``, read
        as that language.
        """
        self.zf.writestr(f"sources/{source_guid}.txt", text.encode("utf-8"))
        source = _sub(self.sources, "TextSource", guid=source_guid, name=name,
                      plainTextPath=f"internal://{source_guid}.txt", creatingUser=self.user,
                      creationDateTime=self.now)
        _sub(source, "Description", description)
        for theme_id, language in codings:
            code_guid = self.code_ids.get(theme_id)
            if code_guid is None:
                self.summary.problems.append(f"{row['excerpt_id']}: theme {theme_id} is not in "
                                             "the stored codebook; not coded")
                continue
            spans = self.coder.spans(text, language).get(theme_id, ()) if self.coder else ()
            if not spans:
                spans = ((0, len(text), "(whole text: the terms were not found again)"),)
                self.summary.whole_text_codings += 1
            for start, end, term in spans:
                selection = _sub(source, "PlainTextSelection",
                                 guid=guid("selection", source_guid, theme_id, start, end),
                                 name=term, startPosition=start, endPosition=end,
                                 creatingUser=self.user, creationDateTime=self.now)
                coding = _sub(selection, "Coding",
                              guid=guid("coding", source_guid, theme_id, start, end),
                              creatingUser=self.user, creationDateTime=self.now)
                _sub(coding, "CodeRef", targetGUID=code_guid)
                self.summary.codings += 1
        self.summary.sources += 1
        self.works.setdefault(row["_work_id"], (row, []))[1].append(source_guid)
        return source

    def variables(self, source: ET.Element, row: dict[str, Any],
                  names: Iterable[str] | None = None) -> None:
        wanted = set(names) if names is not None else None
        for name, kind, key in VARIABLES:
            if wanted is not None and name not in wanted:
                continue
            value = _value(kind, row.get(key))
            if value is None:
                continue
            element = _sub(source, "VariableValue")
            _sub(element, "VariableRef", targetGUID=self.variable_ids[name])
            _sub(element, value[0], value[1])

    def cases(self) -> ET.Element | None:
        """One case per work: its metadata as variables, its excerpts' sources as members."""
        if not self.works:
            return None
        cases = ET.Element(_q("Cases"))
        for work_id, (row, source_guids) in self.works.items():
            name = row.get("title") or work_id
            case = _sub(cases, "Case", guid=guid("work", work_id),
                        name=f"{name} ({row['year']})" if row.get("year") else name)
            _sub(case, "Description", f"litrev work id: {work_id}")
            self.variables(case, row, WORK_VARIABLES)
            for source_guid in source_guids:
                _sub(case, "SourceRef", targetGUID=source_guid)
            self.summary.cases += 1
        return cases

    def note(self, source: ET.Element, row: dict[str, Any]) -> None:
        if not (row.get("decision") or row.get("note")):
            return
        if self.notes is None:
            self.notes = ET.Element(_q("Notes"))
        note_guid = guid("review", row["excerpt_id"])
        text = "\n".join(f"{label}: {row[key]}" for label, key in
                         (("Decision", "decision"), ("Note", "note")) if row.get(key))
        note = _sub(self.notes, "Note", guid=note_guid, name=f"Review of {row['excerpt_id']}",
                    creatingUser=self.user, creationDateTime=self.now)
        _sub(note, "PlainTextContent", text)
        _sub(source, "NoteRef", targetGUID=note_guid)
        self.summary.notes += 1

    def excerpt(self, row: dict[str, Any], matches: list[tuple[str, str]]) -> None:
        excerpt_id = row["excerpt_id"]
        described = [f"{row['kind']} ({row['language'] or 'language undecided'}) of: "
                     f"{row['title'] or row['_work_id']}"]
        if row.get("marked_text"):
            described.append(f"As printed, with citation markers: {row['marked_text']}")
        for label, key in (("Before", "context_before"), ("After", "context_after")):
            if row.get(key):
                described.append(f"{label}: {row[key]}")
        if row.get("origin"):
            described.append(f"Origin: {row['origin']}")
        original = self.text_source(
            guid("excerpt", excerpt_id), f"{excerpt_id} original ({row['language'] or 'und'})",
            row["original_text"], "\n".join(described),
            [(t, row["language"]) for t, m in matches if m == "original"], row)
        translated = row.get("translation") and row.get("translation_status") in \
            USABLE_TRANSLATIONS
        # Schema order inside a TextSource: selections, codings, note refs, then variables.
        self.note(original, row)
        self.variables(original, row)
        if translated:
            status = row["translation_status"]
            provider = f", {row['translation_provider']}" if row.get("translation_provider") \
                else ""
            source = self.text_source(
                guid("translation", excerpt_id, self.target),
                f"{excerpt_id} translation ({self.target}, {status}{provider})",
                row["translation"],
                f"Translation into {self.target} of {excerpt_id} ({status}{provider})",
                [(t, self.target) for t, m in matches if m == "translation"], row)
            self.variables(source, row)
        self.summary.excerpts += 1


def _details(con: duckdb.DuckDBPyConnection, ids: list[str]
             ) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, str]]]]:
    statement = internal("qdpx_excerpt_details")
    cursor = con.execute(statement.sql, statement.bind({"ids": ids}))
    names = [d[0] for d in cursor.description]
    details = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    statement = internal("qdpx_theme_matches")
    matches: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for excerpt_id, theme_id, matched_in, _ in con.execute(
            statement.sql, statement.bind({"ids": ids})).fetchall():
        matches[excerpt_id].append((theme_id, matched_in))
    return details, matches


def write_qdpx(con: duckdb.DuckDBPyConnection, out_path: str | os.PathLike[str], *,
               themes: Sequence[str] = (), languages: Sequence[str] = (),
               kind: str | None = None, since: dt.date | None = None,
               excerpt_ids: Sequence[str] | None = None, target_language: str | None = None,
               codebook: Codebook | None = None, project_name: str = "litrev review",
               summary: QdpxSummary | None = None) -> int:
    """Write the filtered excerpts as a REFI-QDA project; return the number of excerpts.

    The filters are those of :func:`litrev.store.export.export_excerpts`. ``codebook`` (the
    review's) locates each theme match's characters and lists the codes' terms; without it
    every match codes its whole text. Pass a :class:`QdpxSummary` to read what was written.
    The file appears only when complete.
    """
    out = Path(out_path)
    if not out.parent.exists():
        raise ExportError(f"the folder {out.parent} does not exist; create it or choose another "
                          "-o path")
    target = default_target_language(con, target_language)
    request = ExportRequest(target_language=target, themes=themes, languages=languages,
                            kind=ExcerptKind(kind) if kind else None, since=since,
                            excerpt_ids=excerpt_ids)
    batches: Iterable[list[dict[str, Any]]] = iter_rows(con, request)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    ET.register_namespace("", NAMESPACE)
    user = guid("user", "litrev")
    project = ET.Element(_q("Project"), {"name": project_name, "origin": "litrev",
                                         "creatingUserGUID": user, "creationDateTime": now})
    users = _sub(project, "Users")
    _sub(users, "User", guid=user, name="litrev")
    code_ids = _codes(con, codebook, project)
    variables = _sub(project, "Variables")
    variable_ids = {}
    for name, kind_of, _ in VARIABLES:
        variable_ids[name] = guid("variable", name)
        _sub(variables, "Variable", guid=variable_ids[name], name=name, typeOfVariable=kind_of)
    sources = _sub(project, "Sources")

    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            writer = _Writer(zf, project, sources, code_ids, Coder(codebook) if codebook else None,
                             target, variable_ids, user, now)
            for batch in batches:
                details, matches = _details(con, [r["excerpt_id"] for r in batch])
                for row in batch:
                    row.update({k: v for k, v in details.get(row["excerpt_id"], {}).items()
                                if k != "excerpt_id"})
                    writer.excerpt(row, matches.get(row["excerpt_id"], []))
            if not len(sources):  # the schema wants at least one source in <Sources>
                project.remove(sources)
            else:  # the schema's order: ..., Variables, Cases, Sources, Notes, ...
                cases = writer.cases()
                if cases is not None:
                    project.insert(list(project).index(sources), cases)
                if writer.notes is not None:
                    project.insert(list(project).index(sources) + 1, writer.notes)
            zf.writestr("project.qde", ET.tostring(project, encoding="utf-8",
                                                   xml_declaration=True))
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if summary is not None:
        for name, value in vars(writer.summary).items():
            setattr(summary, name, value)
    return writer.summary.excerpts
