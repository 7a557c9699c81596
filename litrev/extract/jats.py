"""Citation statements from a JATS full text: the sentences in which a paper cites one work.

Why our own: scite builds such statements from licensed full texts; the open-access literature
in PubMed Central / Europe PMC is JATS XML, so litrev can build them itself for any seed. This
module is pure: JATS bytes in, dataclasses out (no HTTP, no database).

How a statement is found:

1. The cited work's ``<ref>`` in the reference list: by DOI (``<pub-id pub-id-type="doi">``, a
   DOI link, or a DOI written in the reference text) first; otherwise by title, year and first
   author's family name. The method is kept (:class:`litrev.vocabulary.ReferenceMatch`).
2. Every ``<xref ref-type="bibr">`` that points at it: a ``rid`` list (``rid="b3 b4 b5"``), a
   range written as two xrefs around a dash (``[<xref>1</xref>-<xref>9</xref>]`` cites 1 to 9),
   author-year styles, xrefs in figure and table captions, table cells and footnotes, and in a
   translated ``<sub-article>`` (whose ``xml:lang`` is the statement's language hint).
3. The sentence around the xref, split so that abbreviations ("et al.", "e.g.", "esim.", "bzw.",
   "t.ex.") and superscript markers after the full stop ("saúde.<sup>9</sup> O") do not cut it,
   with the sentences before and after it in the same paragraph as context.
4. The section title path ("Discussion > Limitations") and a normalised
   :class:`litrev.vocabulary.SectionKind`.

Each statement keeps the text as printed, with its citation markers (``marked_text``), and a
clean copy without them (``text``) for language detection, translation and coding.

    body = Path("PMC3166277.xml").read_bytes()     # tests/fixtures/jats/J05_...
    found = citation_statements(body, CitedWork(doi="10.1126/science.1105891"))
    found.match, found.ref_ids, [s.section_path for s in found.statements]
    # -> (<ReferenceMatch.DOI: 'doi'>, ('B5',), ['Background'])
    found.statements[0].marked_text       # B5 is cited only inside the range 1-9
    # -> 'Some phenotypic variation arises from randomness in cellular processes despite
    #     identical environments and genotypes [1-9].'
    found.statements[0].text
    # -> 'Some phenotypic variation arises from randomness in cellular processes despite
    #     identical environments and genotypes.'
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from litrev.extract.errors import ParseError
from litrev.extract.language import normalize_language
from litrev.extract.normalize import find_doi, normalize_doi, title_fingerprint
from litrev.vocabulary import ReferenceMatch, SectionKind

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# Elements whose text is read as one run of sentences.
_CONTAINERS = frozenset({"p", "tr", "title", "attrib", "def", "term"})
# Elements inside a container that are read on their own (their text is not the container's).
_OWN_BLOCKS = frozenset({"p", "fig", "table-wrap", "list", "boxed-text", "fn", "table",
                         "def-list", "supplementary-material", "disp-formula", "sec",
                         "graphic", "media", "alternatives", "tex-math", "fn-group"})
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
# Words that end with a full stop without ending the sentence (compared lower-case, without
# their last full stop). English, Finnish, German, Swedish, Portuguese and a few shared ones.
ABBREVIATIONS = frozenset({
    "al", "e.g", "i.e", "cf", "vs", "etc", "fig", "figs", "ref", "refs", "no", "nos", "vol",
    "pp", "p", "approx", "ca", "dr", "prof", "mr", "mrs", "ms", "st", "jr", "sr", "eq", "eqs",
    "sect", "ch", "ed", "eds", "suppl", "resp", "viz", "incl", "min", "max", "mg", "kg",
    "esim", "ks", "mm", "ym", "yms", "vrt", "jne", "n", "s",
    "bzw", "z.b", "u.a", "vgl", "ggf", "usw", "d.h", "s.o", "s.u", "evtl", "bspw",
    "t.ex", "bl.a", "s.k", "dvs", "jfr", "m.fl", "osv", "ev",
    "p.ex", "ex", "sra", "dra", "pág", "págs", "aprox",
})
_NUMBERED = re.compile(r"[\s(\[]*\d+[\s\d,;()\[\]\-\u2010-\u2014\u2212]*")
_SEPARATORS = re.compile(r"[\s,;\-\u2010-\u2014\u2212]*")
_OPENERS = "\"'\u201c\u2018\u00ab([{"
_CLOSERS = "\"'\u201d\u2019\u00bb"

_SECTION_WORDS: tuple[tuple[SectionKind, tuple[str, ...]], ...] = (
    (SectionKind.INTRODUCTION, ("intro", "background", "johdanto", "tausta", "einleitung",
                                "hintergrund", "inledning", "bakgrund")),
    (SectionKind.METHODS, ("method", "metod", "material", "menetelm", "aineisto",
                           "study design", "participants", "procedure")),
    (SectionKind.RESULTS, ("result", "resultad", "tulokset", "tulos", "ergebnis", "resultat",
                           "findings")),
    (SectionKind.DISCUSSION, ("discuss", "pohdinta", "diskussion", "conclu", "johtopaat",
                              "limitation", "fazit", "slutsats")),
)


@dataclass(frozen=True)
class CitedWork:
    """The work whose citation statements are wanted, as litrev knows it.

    ``first_author`` is the first author as stored (``"Otte, Ina"`` or ``"Ina Otte"``); only its
    family name is compared.
    """

    doi: str | None = None
    title: str | None = None
    year: int | None = None
    first_author: str | None = None


@dataclass(frozen=True)
class ArticleMeta:
    """The citing article, from the full text's ``<article-meta>``."""

    pmcid: str | None
    pmid: str | None
    doi: str | None
    title: str | None
    year: int | None
    authors: tuple[str, ...]
    language: str | None


@dataclass(frozen=True)
class CitationStatement:
    """One sentence that cites the work, where it stands and what surrounds it.

    ``xref_id`` is the xref's ``id`` attribute, or ``bibr-N`` (its position among the file's
    bibliography xrefs) when it has none. ``location`` is ``text``, ``caption``, ``table`` or
    ``footnote``.
    """

    xref_id: str
    ref_id: str
    marked_text: str
    text: str
    section_path: str | None
    section_kind: SectionKind
    context_before: str | None
    context_after: str | None
    language: str | None
    location: str


@dataclass(frozen=True)
class FullTextStatements:
    """What one full text yields for one cited work."""

    article: ArticleMeta
    ref_ids: tuple[str, ...]
    match: ReferenceMatch | None
    statements: tuple[CitationStatement, ...]
    xrefs_total: int
    xrefs_outside_sentences: int = 0


# --- parsing ----------------------------------------------------------------------------------

def parse_jats(body: bytes) -> Element:
    """The article element of a JATS file; :class:`ParseError` when it is not one."""
    import defusedxml.ElementTree as ET
    from defusedxml import DefusedXmlException

    try:
        root: Element = ET.fromstring(body)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise ParseError(f"not a well-formed JATS full text ({exc}); pass the XML as "
                         "downloaded from /{PMCID}/fullTextXML") from None
    if root.tag != "article":
        found = root.find(".//article")
        if found is None:
            raise ParseError(f"no <article> element (root is <{root.tag}>); pass one JATS "
                             "full text")
        root = found
    return root


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _year(value: str) -> int | None:
    match = re.search(r"\b(1[5-9]\d\d|20\d\d)", value or "")
    return int(match.group(1)) if match else None


def article_meta(root: Element) -> ArticleMeta:
    """The citing article's ids, title, year, authors and language."""
    meta = root.find("front/article-meta")
    ids: dict[str, str] = {}
    title = None
    year = None
    authors: list[str] = []
    if meta is not None:
        for aid in meta.findall("article-id"):
            ids.setdefault(aid.get("pub-id-type") or "", (aid.text or "").strip())
        title = _text(meta.find("title-group/article-title")) or None
        for date in meta.iter("pub-date"):
            year = _year(_text(date.find("year")))
            if year:
                break
        for contrib in meta.iter("contrib"):
            if contrib.get("contrib-type", "author") != "author":
                continue
            name = contrib.find("name")
            if name is not None:
                surname, given = _text(name.find("surname")), _text(name.find("given-names"))
                authors.append(f"{surname}, {given}" if given else surname)
            elif contrib.find("collab") is not None:
                authors.append(_text(contrib.find("collab")))
    pmcid = ids.get("pmc") or ids.get("pmcid") or None
    if pmcid and not pmcid.upper().startswith("PMC"):
        pmcid = f"PMC{pmcid}"
    return ArticleMeta(pmcid=pmcid, pmid=ids.get("pmid") or None,
                       doi=normalize_doi(ids.get("doi")), title=title, year=year,
                       authors=tuple(a for a in authors if a),
                       language=normalize_language(root.get(XML_LANG)))


# --- the reference ----------------------------------------------------------------------------

def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def family_name(author: str | None) -> str:
    """The family name of ``"Otte, Ina"``, ``"Otte I"`` (PubMed style) or ``"Ina Otte"``,
    folded for comparison."""
    if not author:
        return ""
    words = author.split()
    if "," in author:
        name = author.split(",")[0]
    elif len(words) > 1 and words[-1].isupper() and len(words[-1].strip(".")) <= 3:
        name = " ".join(words[:-1])
    else:
        name = words[-1] if words else ""
    return "".join(ch for ch in _fold(name) if ch.isalnum())


def _ref_dois(ref: Element) -> set[str]:
    dois = {normalize_doi(e.text) for e in ref.iter("pub-id")
            if (e.get("pub-id-type") or "").lower() == "doi"}
    for link in ref.iter("ext-link"):
        dois.add(normalize_doi(link.get(XLINK_HREF) or link.text))
    dois.add(find_doi(" ".join(" ".join(ref.itertext()).split())))
    dois.discard(None)
    return {d for d in dois if d}


def _ref_title(ref: Element) -> str:
    for tag in ("article-title", "chapter-title", "part-title", "source"):
        element = ref.find(f".//{tag}")
        if element is not None and _text(element):
            return _text(element)
    return ""


def _ref_first_author(ref: Element) -> str:
    for element in ref.iter():
        if element.tag == "surname":
            return family_name(_text(element) + ",")
        if element.tag in ("collab", "string-name") and _text(element):
            return family_name(_text(element.find("surname")) + "," if
                               element.find("surname") is not None else _text(element))
    return ""


def _same_title(a: str, b: str) -> bool:
    fa, fb = title_fingerprint(a), title_fingerprint(b)
    if not fa or not fb:
        return False
    return fa == fb or difflib.SequenceMatcher(None, fa, fb).ratio() >= 0.92


def references(root: Element) -> list[Element]:
    """Every ``<ref>`` of the article's reference lists, in order."""
    return [ref for ref_list in root.iter("ref-list") for ref in ref_list.findall("ref")]


def find_reference(root: Element, cited: CitedWork) -> tuple[tuple[str, ...],
                                                             ReferenceMatch | None]:
    """The ids of the ``<ref>`` elements that are ``cited``, and how they were matched.

    By DOI first; only when no reference carries the DOI, by title (fingerprints equal or
    nearly so), year (equal when both are known) and first author's family name (equal when
    both are known).
    """
    refs = [r for r in references(root) if r.get("id")]
    doi = normalize_doi(cited.doi)
    if doi:
        by_doi = tuple(r.get("id", "") for r in refs if doi in _ref_dois(r))
        if by_doi:
            return by_doi, ReferenceMatch.DOI
    if not cited.title:
        return (), None
    wanted_author = family_name(cited.first_author)
    found = []
    for ref in refs:
        if not _same_title(_ref_title(ref), cited.title):
            continue
        year = _year(_text(ref.find(".//year")))
        if cited.year and year and abs(cited.year - year) > 0:
            continue
        author = _ref_first_author(ref)
        if wanted_author and author and wanted_author != author:
            continue
        found.append(ref.get("id", ""))
    return (tuple(found), ReferenceMatch.TITLE_YEAR_AUTHOR) if found else ((), None)


# --- flattening a paragraph -------------------------------------------------------------------

@dataclass
class Marker:
    """One bibliography xref inside a flattened paragraph: its characters and what it cites."""

    start: int
    end: int
    element: Element
    rids: list[str]


def _flatten(container: Element, markers: list[Marker]) -> str:
    """The container's text (nested blocks left out) and, in ``markers``, its bibr xrefs."""
    parts: list[str] = []
    length = 0

    def add(text: str | None) -> None:
        nonlocal length
        if text:
            text = text.replace("\u00a0", " ").replace("\n", " ").replace("\t", " ")
            parts.append(text)
            length += len(text)

    def walk(element: Element) -> None:
        add(element.text)
        for child in element:
            if child.tag in _OWN_BLOCKS:
                add(" ")
            elif child.tag in ("td", "th"):
                walk(child)
                add(" | ")
            elif child.tag == "xref" and child.get("ref-type") == "bibr":
                start = length
                walk(child)
                markers.append(Marker(start, length, child, (child.get("rid") or "").split()))
            else:
                walk(child)
            add(child.tail)

    walk(container)
    return "".join(parts)


def _expand_ranges(text: str, markers: list[Marker], order: dict[str, int],
                   ids_in_order: list[str]) -> dict[int, set[str]]:
    """For each marker (by index), the ref ids it cites, ranges ``[1]-[9]`` expanded."""
    cited = {i: set(m.rids) for i, m in enumerate(markers)}
    for i in range(len(markers) - 1):
        a, b = markers[i], markers[i + 1]
        between = text[a.end:b.start].strip()
        if len(between) != 1 or between not in _DASHES or not a.rids or not b.rids:
            continue
        low, high = order.get(a.rids[-1]), order.get(b.rids[0])
        if low is None or high is None or high <= low:
            continue
        cited[i].update(ids_in_order[low:high + 1])
    return cited


# --- sentences --------------------------------------------------------------------------------

def _abbreviation_before(text: str, stop: int) -> bool:
    start = stop
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:stop].lower().strip(".")
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # letters with full stops between them: "U.S.", "i.v.", "p.o."
    return len(word) == 1 and text[start].isupper()  # an initial: "J. Smith"


def _past_markers(text: str, j: int, starts: dict[int, int]) -> int:
    """The end of the markers (and the commas or dashes joining them) that start at ``j``;
    ``j`` itself when no marker starts there. A numbered marker may stand after a space
    ("health. 9"); an author-year one after a space opens the next sentence ("health. Smith
    et al. 2002 showed") and is left to it."""
    n = len(text)
    after_marker = False
    while True:
        k = j
        while k < n and (k not in starts) and text[k].isspace():
            k += 1
        if k in starts and starts[k] > k and (
                k == j or after_marker or _NUMBERED.fullmatch(text[k:starts[k]])):
            j, after_marker = starts[k], True
            continue
        if after_marker and k < n and (text[k] in ",;" or text[k] in _DASHES):
            k += 1
            while k < n and (k not in starts) and text[k].isspace():
                k += 1
            if k in starts:
                j = starts[k]
                continue
        return j


def sentence_spans(text: str, markers: list[Marker] | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``.

    A sentence ends at ``.``, ``!`` or ``?`` outside brackets, followed by space and a capital
    letter, an opening quote or bracket; not after an abbreviation or an initial. Citation
    markers right after the full stop (superscripts) belong to the sentence they follow.

        >>> t = "Peers help (Smith et al. 2002). Esim. vertaistuki auttaa. Next one."
        >>> [t[a:b] for a, b in sentence_spans(t)]
        ['Peers help (Smith et al. 2002).', 'Esim. vertaistuki auttaa.', 'Next one.']
    """
    starts = {m.start: m.end for m in markers or ()}
    spans: list[tuple[int, int]] = []
    depth = 0
    begin = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch in ".!?" and depth == 0:
            j = i + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            j = _past_markers(text, j, starts)
            k = j
            while k < n and text[k].isspace():
                k += 1
            boundary = (k < n and k > j and (text[k].isupper() or text[k] in _OPENERS)
                        and not (ch == "." and _abbreviation_before(text, i)))
            if boundary:
                spans.append((begin, j))
                begin = k
                i = k
                continue
        i += 1
    if text[begin:].strip():
        spans.append((begin, n))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(\s*\|)+\s*$", "", text)
    text = re.sub(r"\(\s*[,;\s]*\)|\[\s*[,;\s]*\]", "", text)
    text = re.sub(r"\s+([,.;:!?)\]])", r"\1", text)
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def without_markers(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with its citation markers removed: the clean copy.

    A bracketed group holding a marker and at most a few words besides (``(Fonagy et al.
    2002; Gergely 1996)``, ``[1]-[9]``) goes as a whole; otherwise only the markers go, with
    the commas and dashes that joined them.
    """
    cuts: list[tuple[int, int]] = []
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in "([":
            stack.append(i)
        elif ch in ")]" and stack:
            a = stack.pop()
            inside = [(s, e) for s, e in spans if a < s and e <= i]
            if not inside:
                continue
            rest = text[a + 1:i]
            for s, e in sorted(inside, reverse=True):
                rest = rest[:s - a - 1] + " " + rest[e - a - 1:]
            if len(re.findall(r"\w+", rest)) <= 8:
                cuts.append((a, i + 1))
    joined: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if joined and _SEPARATORS.fullmatch(text[joined[-1][1]:s]):
            joined[-1] = (joined[-1][0], e)
        else:
            joined.append((s, e))
    cuts.extend(joined)
    merged: list[tuple[int, int]] = []
    for s, e in sorted(cuts):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    out = []
    last = 0
    for s, e in merged:
        out.append(text[last:s])
        out.append(" ")
        last = e
    out.append(text[last:])
    return _tidy("".join(out))


# --- where a statement stands -----------------------------------------------------------------

def section_kind(titles: list[tuple[str, str]]) -> SectionKind:
    """The kind of the innermost-to-outermost sections' ``(sec-type, title)`` pairs, the
    outermost deciding first: ``[("", "DISCUSSÃO"), ("", "Limitações")]`` -> discussion."""
    for sec_type, title in titles:
        for text in (sec_type, title):
            folded = _fold(text)
            for kind, words in _SECTION_WORDS:
                if any(word in folded for word in words):
                    return kind
    return SectionKind.OTHER


def _where(element: Element, parents: dict[Element, Element]) -> tuple[str | None, SectionKind,
                                                                        str | None, str]:
    """Section path, section kind, language and location of an element."""
    secs: list[tuple[str, str]] = []
    language: str | None = None
    location = "text"
    labels: list[str] = []
    node: Element | None = element
    while node is not None:
        if node.tag == "sec":
            title = _text(node.find("title"))
            if title:
                secs.append((node.get("sec-type") or "", title))
        elif node.tag in ("fig", "table-wrap"):
            labels.insert(0, _text(node.find("label")) or ("Figure" if node.tag == "fig"
                                                           else "Table"))
        if location == "text":
            location = {"fn": "footnote", "caption": "caption", "tr": "table",
                        "fig": "caption", "table-wrap": "table"}.get(node.tag, "text")
        if language is None and node.get(XML_LANG):
            language = normalize_language(node.get(XML_LANG))
        node = parents.get(node)
    secs.reverse()
    titles = [t for _, t in secs]
    if location == "footnote" and not labels:
        labels.append("Footnotes")
    path = " > ".join(titles + labels) or None
    return path, section_kind(secs), language, location


def _container(element: Element, parents: dict[Element, Element]) -> Element:
    node = parents.get(element)
    while node is not None:
        if node.tag in _CONTAINERS:
            return node
        node = parents.get(node)
    return parents.get(element, element)


def _bibr_xrefs(root: Element) -> Iterator[Element]:
    for element in root.iter("xref"):
        if element.get("ref-type") == "bibr":
            yield element


def citation_statements(body: bytes | Element, cited: CitedWork) -> FullTextStatements:
    """The statements of one full text that cite ``cited``; none when it is not in the
    reference list (``match`` is then ``None``)."""
    root = body if isinstance(body, Element) else parse_jats(body)
    meta = article_meta(root)
    ref_ids, match = find_reference(root, cited)
    xrefs = list(_bibr_xrefs(root))
    if not ref_ids:
        return FullTextStatements(meta, (), None, (), len(xrefs))
    targets = set(ref_ids)
    ids_in_order = [r.get("id", "") for r in references(root)]
    order = {rid: i for i, rid in enumerate(ids_in_order)}
    position = {id(x): n for n, x in enumerate(xrefs, 1)}
    parents = {child: parent for parent in root.iter() for child in parent}

    statements: list[CitationStatement] = []
    done_containers: set[int] = set()
    outside = 0
    for xref in xrefs:
        container = _container(xref, parents)
        if id(container) in done_containers:
            continue
        done_containers.add(id(container))
        markers: list[Marker] = []
        text = _flatten(container, markers)
        cited_by = _expand_ranges(text, markers, order, ids_in_order)
        hits = [i for i, refs in cited_by.items() if refs & targets]
        if not hits:
            continue
        sentences = sentence_spans(text, markers)
        used: set[int] = set()
        for i in hits:
            marker = markers[i]
            index = next((k for k, (a, b) in enumerate(sentences)
                          if a <= marker.start < b), None)
            if index is None:
                outside += 1
                continue
            if index in used:
                continue  # the work cited twice in one sentence: one statement
            used.add(index)
            a, b = sentences[index]
            inner = [(m.start - a, m.end - a) for m in markers if a <= m.start and m.end <= b]
            clean = without_markers(text[a:b], inner)
            if not clean:
                outside += 1  # a bare marker ("[50]" alone in a cell): no sentence to keep
                continue
            path, kind, language, location = _where(marker.element, parents)
            rid = next(r for r in [*marker.rids, *sorted(cited_by[i])] if r in targets)
            statements.append(CitationStatement(
                xref_id=marker.element.get("id") or f"bibr-{position[id(marker.element)]}",
                ref_id=rid,
                marked_text=_tidy_marked(text[a:b]),
                text=clean,
                section_path=path, section_kind=kind,
                context_before=_tidy_marked(text[slice(*sentences[index - 1])])
                if index > 0 else None,
                context_after=_tidy_marked(text[slice(*sentences[index + 1])])
                if index + 1 < len(sentences) else None,
                language=language or meta.language, location=location))
    return FullTextStatements(meta, ref_ids, match, tuple(statements), len(xrefs), outside)


def _tidy_marked(text: str) -> str:
    return re.sub(r"(\s*\|)+\s*$", "", " ".join(text.split()))
