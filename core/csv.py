"""Reading uploaded CSV files the way people save them (Russian Excel included).

The module is named after what it reads; inside it `csv` is the standard library's.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing in it is looked at further."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def decode_csv_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then Windows-1251, which Russian Excel writes."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _(
                "This is an Excel workbook, not a CSV file. In Excel choose "
                "“Save as” → “CSV UTF-8 (comma delimited)” and upload that file."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ImportFileError(
            _(
                "This file is not CSV text in UTF-8 or Windows-1251 (it looks like UTF-16 "
                "or a binary file). Save it as “CSV UTF-8” and upload it again."
            )
        )
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _(
            "The file could not be read: it is neither UTF-8 nor Windows-1251 text. "
            "Save it as “CSV UTF-8” and upload it again."
        )
    )


def header_key(text: str) -> str:
    """A header (or a name) compared the way people read it: case, "ё", spaces and
    underscores ignored."""
    text = text.replace("\ufeff", "").strip().casefold().replace("ё", "е")
    return re.sub(r"[\s_]+", " ", text)


@dataclass(frozen=True)
class CsvColumns:
    """The columns a file must (and may) have, each with the header names people type
    for it (Russian Excel included)."""

    aliases: Mapping[str, Sequence[str]]
    required: Sequence[str]
    optional: Sequence[str] = ()

    def by_header(self) -> dict[str, str]:
        return {
            header_key(alias): column
            for column, aliases in self.aliases.items()
            for alias in aliases
        }


Cells = dict[str, str]


def read_csv_rows(
    data: bytes, *, columns: CsvColumns, max_bytes: int, max_rows: int
) -> list[tuple[int, Cells]]:
    """The non-empty rows of an uploaded CSV file as (line number, {column: cell}).

    The file is decoded (`decode_csv_bytes`), split on commas or semicolons (whichever
    the header row holds more of: a header holds neither of its own), and its columns
    found by their header names. Raises ImportFileError when the file as a whole is
    unusable: too large, not text, not CSV, a column missing or given twice, more
    than `max_rows` rows.
    """
    if len(data) > max_bytes:
        raise ImportFileError(
            _("The file is larger than %(megabytes)s MB: split it into smaller files.")
            % {"megabytes": max_bytes // (1024 * 1024)}
        )
    text = decode_csv_bytes(data).lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as error:
        raise ImportFileError(
            _("The first row is not valid CSV (%(error)s).") % {"error": error}
        ) from error
    positions = _column_positions(header, columns)
    rows: list[tuple[int, Cells]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": max_rows}
                )
            rows.append(
                (
                    reader.line_num,
                    {
                        column: cells[index].strip() if index < len(cells) else ""
                        for column, index in positions.items()
                    },
                )
            )
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV after row %(rows)s (%(error)s).")
            % {"rows": len(rows) + 1, "error": error}
        ) from error
    return rows


def _column_positions(header: list[str], columns: CsvColumns) -> dict[str, int]:
    by_header = columns.by_header()
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = by_header.get(header_key(title))
        if column is None:
            continue
        if column in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice in the first row.") % {"column": column}
            )
        positions[column] = index
    missing = [column for column in columns.required if column not in positions]
    if not missing:
        return positions
    if columns.optional:
        raise ImportFileError(
            _(
                "Missing columns: %(missing)s. The first row must name the columns "
                "%(required)s (and optionally %(optional)s)."
            )
            % {
                "missing": ", ".join(missing),
                "required": ", ".join(columns.required),
                "optional": ", ".join(columns.optional),
            }
        )
    raise ImportFileError(
        _("Missing columns: %(missing)s. The first row must name the columns %(required)s.")
        % {"missing": ", ".join(missing), "required": ", ".join(columns.required)}
    )


def repeated_lines(keys: Iterable[tuple[int, str]]) -> tuple[dict[str, int], dict[int, int]]:
    """For (line number, key) in file order: the line each key first stands on, and for
    each later line that repeats a key, that first line. Empty keys are left out."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for line, key in keys:
        if not key:
            continue
        if key in first:
            repeats[line] = first[key]
        else:
            first[key] = line
    return first, repeats
