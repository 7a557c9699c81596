"""What an import reader reports besides records: one :class:`Problem` per thing the user should
know, each with the file and line and what was done.

Why kinds: PRISMA counts "records identified" per file. An entry the reader had to skip is a
record of the file (identified, not retrieved); a header line or a stray byte is not. So
``hits_reported`` is ``records + problems of kind ENTRY_SKIPPED``, never ``+ all problems``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemKind(StrEnum):
    """What a problem means for the count of records in the file."""

    ENTRY_SKIPPED = "entry skipped"  # a record of the file that could not be read
    IGNORED = "ignored"  # text between entries that is no record (headers, export banners)
    WARNING = "warning"  # the record was read, something was repaired (a stray byte, a key)
    FILE_SKIPPED = "file skipped"  # the whole file was not read (binary, empty, unknown)


@dataclass(frozen=True)
class Problem:
    """One thing the user should know about a file: where it is and what was done."""

    file: str
    line: int | None
    message: str
    kind: ProblemKind = ProblemKind.ENTRY_SKIPPED

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"
