"""The closed sets of values litrev stores: kinds of excerpt, stances, statuses and triggers.

Why one module: these words are written to the database, shown in exports and compared in SQL,
so each must be spelled once. Every member is a ``StrEnum``: it *is* its string, so it can be
bound as a query parameter, written to a CSV cell or compared with a value read back::

    >>> RunStatus.SUCCEEDED == "succeeded"
    True
    >>> ExcerptKind("citation_statement") is ExcerptKind.CITATION_STATEMENT
    True

It imports nothing from litrev, so every layer (extract, store, flows) may use it.
"""

from __future__ import annotations

from enum import StrEnum


class ExcerptKind(StrEnum):
    """What an excerpt is: a work's abstract, its title (when it has no abstract), or a citation
    statement (the sentence in which another work cites it)."""

    ABSTRACT = "abstract"
    CITATION_STATEMENT = "citation_statement"
    TITLE = "title"


class Stance(StrEnum):
    """How a citation statement cites its work, as the source classified it. A statement no
    source classified has no stance (NULL) and is counted as ``unclassified``."""

    SUPPORTING = "supporting"
    MENTIONING = "mentioning"
    CONTRASTING = "contrasting"


class TranslationStatus(StrEnum):
    """Where a stored translation came from, in the chain's order of precedence: a reviewer's
    correction (``human``) is never overwritten by anything below it."""

    HUMAN = "human"
    TM = "tm"
    MACHINE = "machine"
    PENDING = "pending"
    FAILED = "failed"


class RunStatus(StrEnum):
    """A harvest run in the search ledger. ``interrupted``: the process ended without finishing
    the run (killed, Ctrl-C, power lost); what it committed is kept."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class SearchStatus(StrEnum):
    """One search (one query sent to one source) in the ledger: ``stopped`` means the source's
    quota ended it, with what it returned until then kept."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"


class SourceOutcome(StrEnum):
    """How one source's part of a run ended, as the progress display shows it: every search
    succeeded, some failed or stopped, or all failed."""

    DONE = "done"
    PARTLY_FAILED = "partly failed"
    FAILED = "failed"


class Trigger(StrEnum):
    """What started a run."""

    CLI = "cli"
    SCHEDULE = "schedule"
    DEPLOYMENT = "deployment"
    DEMO = "demo"


class SectionKind(StrEnum):
    """The kind of section of the citing paper a citation statement stands in, normalised from
    the section's title or ``sec-type`` ("INTRODUÇÃO", "Background" -> ``introduction``)."""

    INTRODUCTION = "introduction"
    METHODS = "methods"
    RESULTS = "results"
    DISCUSSION = "discussion"
    OTHER = "other"


class ReferenceMatch(StrEnum):
    """How the cited work was found in a full text's reference list: by the DOI of the
    reference, or (no DOI there) by its title, year and first author's family name."""

    DOI = "doi"
    TITLE_YEAR_AUTHOR = "title_year_author"
