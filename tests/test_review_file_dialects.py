"""`import-reviews` reads the CSV Excel writes in any locale: `;` in Finnish, Swedish and German
settings (in the Windows code page), tabs in "Unicode text" (UTF-16); a stray byte is refused
with its line, before anything is written."""

from __future__ import annotations

import pytest

from litrev.store.reviews import ReviewFileError, read_review_file

HEADER = ["excerpt_id", "decision", "note", "corrected_translation"]
ROWS = [["x1a2b3", "include", "Hyvä, selkeä perustelu", ""],
        ["x4c5d6", "exclude", "ei vertaistyötä; väärä aihe", "Peer work, not support"]]


def table(delimiter: str) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value or ";" in value else value
    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in [HEADER, *ROWS]) + "\r\n"


@pytest.mark.parametrize("delimiter,encoding", [
    (";", "cp1252"),            # Excel, Finnish settings, "CSV (semicolon delimited)"
    (",", "utf-8-sig"),         # "CSV UTF-8"
    ("\t", "utf-16"),           # "Unicode text": UTF-16 with BOM, tabs
    ("|", "utf-8"),
])
def test_review_csv_in_any_delimiter_and_encoding(tmp_path, delimiter, encoding):
    path = tmp_path / "review.csv"
    path.write_bytes(table(delimiter).encode(encoding))
    rows = read_review_file(path)
    assert [(r.line, r.excerpt_id, r.decision, r.note, r.corrected_translation)
            for r in rows] == [
        (2, "x1a2b3", "include", "Hyvä, selkeä perustelu", None),
        (3, "x4c5d6", "exclude", "ei vertaistyötä; väärä aihe", "Peer work, not support")]


def test_a_stray_byte_is_refused_with_its_line(tmp_path):
    path = tmp_path / "review.csv"
    path.write_bytes(table(",").encode("utf-8").replace("ei vertaistyötä".encode(),
                                                        b"ei vertaisty\xf6t\xe4"))
    with pytest.raises(ReviewFileError) as err:
        read_review_file(path)
    assert str(err.value).startswith("review.csv:3: byte b'\\xf6' is not UTF-8")
    assert str(err.value).endswith("save the file as 'CSV UTF-8' and retry (nothing was "
                                   "imported)")
