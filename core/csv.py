"""Reading uploaded CSV files the way people save them (Russian Excel included)."""

from __future__ import annotations

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
