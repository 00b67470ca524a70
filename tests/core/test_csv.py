"""Reading an uploaded CSV file into rows by column."""

from __future__ import annotations

import pytest

from core.csv import CsvColumns, ImportFileError, read_csv_rows, repeated_lines

COLUMNS = CsvColumns(
    aliases={"number": ("number", "номер"), "name": ("name", "ФИО"), "note": ("note",)},
    required=("number", "name"),
    optional=("note",),
)


def _read(data: bytes, max_rows: int = 10) -> list[tuple[int, dict[str, str]]]:
    return read_csv_rows(data, columns=COLUMNS, max_bytes=1024 * 1024, max_rows=max_rows)


def test_it_reads_rows_by_their_header_names_in_any_order():
    rows = _read("ФИО;Номер\nАнна ; 7\n\n;\nЁлка;8\n".encode("cp1251"))
    assert rows == [(2, {"name": "Анна", "number": "7"}), (5, {"name": "Ёлка", "number": "8"})]


def test_a_short_row_reads_its_missing_cells_as_empty():
    assert _read(b"number,name,note\n7\n") == [(2, {"number": "7", "name": "", "note": ""})]


def test_it_names_the_missing_columns_and_the_optional_ones():
    with pytest.raises(ImportFileError) as error:
        _read(b"number\n7\n")
    assert error.value.message == (
        "Missing columns: name. The first row must name the columns number, name "
        "(and optionally note)."
    )


def test_it_refuses_a_column_given_twice():
    with pytest.raises(ImportFileError, match="appears twice"):
        _read(b"number,name,Number\n")


def test_it_refuses_more_rows_than_allowed():
    with pytest.raises(ImportFileError, match="more than 1 rows"):
        _read(b"number,name\n1,a\n2,b\n", max_rows=1)


def test_it_refuses_a_file_larger_than_allowed():
    with pytest.raises(ImportFileError, match="larger than 1 MB"):
        _read(b"number,name\n" + b"1,a\n" * 300_000)


def test_it_refuses_an_empty_file():
    with pytest.raises(ImportFileError, match="empty"):
        _read(b"")


def test_repeated_lines_point_at_where_a_key_first_stood():
    first, repeats = repeated_lines([(2, "a"), (3, ""), (4, "b"), (5, "a"), (6, "a")])
    assert first == {"a": 2, "b": 4}
    assert repeats == {5: 2, 6: 2}
