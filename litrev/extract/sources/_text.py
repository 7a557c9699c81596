"""Abstract markup shared by several sources: section headings become "Label: " prefixes.

Why: structured abstracts (Crossref JATS ``<jats:sec><jats:title>``, Europe PMC ``<h4>``) carry
their section names as markup; plain tag stripping would glue "Background" onto the first
sentence. The label is kept as written, followed by a colon; nothing else is rewritten.

    >>> labelled_abstract("<jats:sec><jats:title>Aims</jats:title><jats:p>To see.</jats:p>"
    ...                   "</jats:sec>")
    'Aims: To see.'
"""

from __future__ import annotations

import re

from litrev.extract.normalize import clean_text

_HEADING = re.compile(
    r"<(?P<tag>(?:jats:)?title|h[1-6])\b[^>]*>(?P<label>.*?)</(?P=tag)>", re.IGNORECASE | re.DOTALL)
_LEADING_ABSTRACT = re.compile(r"^(?:abstract|summary|tiivistelmä|zusammenfassung)\s*:\s*",
                               re.IGNORECASE)


def _label(match: re.Match) -> str:
    label = clean_text(match.group("label"))
    if not label:
        return " "
    return f" {label} " if label[-1] in ":.?!" else f" {label}: "


def labelled_abstract(markup: str | None) -> str:
    """Clean text of an abstract, with each section heading kept as ``"Label: "``."""
    if not markup:
        return ""
    text = clean_text(_HEADING.sub(_label, markup))
    return _LEADING_ABSTRACT.sub("", text)
