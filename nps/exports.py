"""Responses as CSV or XLSX, streamed in constant memory and safe to open in a spreadsheet.

Two paths give the same bytes: on PostgreSQL the rows come from `COPY (SELECT ...) TO
STDOUT` (the database formats the CSV, Python only passes blocks along); elsewhere
(SQLite) the ORM reads the rows in chunks and Python's csv module writes them.

CSV injection (OWASP): a cell that begins with = + - @ tab, carriage return or line
feed is prefixed with an apostrophe, and every cell is quoted, on every path: in SQL
for COPY, in `safe_cell` for the rest (XLSX included).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Func,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from .models import ProblemTag, Response, ResponseTag

HEADER = (
    "id",
    "submitted_at",
    "survey_id",
    "survey",
    "department_id",
    "department",
    "employee_id",
    "employee",
    "personnel_number",
    "step_id",
    "step",
    "score",
    "category_name",
    "comment",
    "tags",
    "follow_up_status",
    "source",
    "external_ref",
    "language",
)
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n")
TAG_SEPARATOR = "; "
CHUNK_ROWS = 2000
# Blocks of about this size go to the client: big enough that the web server does
# not write one row at a time, small enough to stay far from any memory limit.
BLOCK_BYTES = 256 * 1024


def safe_cell(value: Any) -> str:
    """A value as CSV text that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return utc_stamp(value)
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def utc_stamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _writer(buffer: IO[str]) -> Any:
    return csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")


def header_bytes(*, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    _writer(buffer).writerow(HEADER)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _category() -> Case:
    return Case(
        When(score__gte=9, then=Value("promoter")),
        When(score__gte=7, then=Value("passive")),
        default=Value("detractor"),
        output_field=CharField(),
    )


_FIELDS: tuple[str, ...] = (
    "pk",
    "submitted_at",
    "survey_id",
    "survey__name",
    "department_id",
    "department__name",
    "employee_id",
    "employee__full_name",
    "employee__personnel_number",
    "step_id",
    "step__name",
    "score",
    "category_name",
    "comment",
    "tags",
    "follow_up_status",
    "source",
    "invitation__external_ref",
    "language",
)


def ordered(queryset: QuerySet[Response]) -> QuerySet[Response]:
    return queryset.order_by("-submitted_at", "-id")


# The Python path ---------------------------------------------------------------------


def _python_rows(queryset: QuerySet[Response]) -> Iterator[list[Any]]:
    """Rows as lists of raw values, chunk by chunk, each chunk's tags in one query."""
    fields = [field for field in _FIELDS if field != "tags"]
    rows = ordered(queryset).annotate(category_name=_category()).values_list(*fields)
    iterator = rows.iterator(chunk_size=CHUNK_ROWS)
    tags_at = fields.index("comment") + 1
    while True:
        chunk = list(islice(iterator, CHUNK_ROWS))
        if not chunk:
            return
        names: dict[int, list[str]] = {}
        links = (
            ResponseTag.objects.filter(response_id__in=[row[0] for row in chunk])
            .order_by("tag__name")
            .values_list("response_id", "tag__name")
        )
        for response_id, name in links:
            names.setdefault(response_id, []).append(name)
        for row in chunk:
            values = list(row)
            values.insert(tags_at, TAG_SEPARATOR.join(names.get(row[0], [])))
            yield values


def _python_csv(
    queryset: QuerySet[Response], on_rows: Callable[[int], None] | None
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = _writer(buffer)
    written = 0
    for row in _python_rows(queryset):
        writer.writerow([safe_cell(value) for value in row])
        written += 1
        if buffer.tell() >= BLOCK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            if on_rows:
                on_rows(written)
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")
    if on_rows:
        on_rows(written)


# The COPY path (PostgreSQL) ----------------------------------------------------------


# `safe_cell` in SQL; {value} is a text expression, NULL becomes ''.
_SAFE_CASE = (
    "(CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13), chr(10)) "
    "THEN '''' || {value} ELSE COALESCE({value}, '') END)"
)


class _SafeText(Func):
    """The SQL twin of `safe_cell` for a text expression (NULL becomes '')."""

    output_field = TextField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        inner, params = compiler.compile(self.source_expressions[0])
        sql = _SAFE_CASE.format(value=inner)
        # The expression appears three times, and so do its parameters.
        return sql, [*params, *params, *params]


class _UtcStamp(Func):
    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    output_field = TextField()


def _tag_names_sql() -> Func:
    """The response's tag names, sorted and already spreadsheet-safe.

    The escaping happens inside the subquery, so the subquery runs once per row.
    """
    link_table = ResponseTag._meta.db_table
    tag_table = ProblemTag._meta.db_table
    return Func(
        F("pk"),
        template=(
            f"(SELECT {_SAFE_CASE.format(value='names')} FROM ("
            f"SELECT string_agg(tag.name, '{TAG_SEPARATOR}' ORDER BY tag.name) AS names "
            f'FROM "{link_table}" AS link JOIN "{tag_table}" AS tag ON tag.id = link.tag_id '
            "WHERE link.response_id = %(expressions)s) AS tag_names)"
        ),
        output_field=TextField(),
    )


def _as_text(expression: Any) -> Expression:
    return Coalesce(Cast(expression, TextField()), Value(""), output_field=TextField())


def copy_queryset(queryset: QuerySet[Response]) -> QuerySet[Response]:
    """The export's SELECT, every column already text and spreadsheet-safe."""
    text_columns = {
        "survey__name",
        "department__name",
        "employee__full_name",
        "employee__personnel_number",
        "step__name",
        "category",
        "comment",
        "tags",
        "follow_up_status",
        "source",
        "invitation__external_ref",
        "language",
    }
    columns: dict[str, Any] = {}
    for index, field in enumerate(_FIELDS):
        if field == "submitted_at":
            expression: Any = _UtcStamp(F("submitted_at"))
        elif field == "category_name":
            expression = _category()
        elif field == "tags":
            expression = _tag_names_sql()
        else:
            expression = F(field)
        if field in {"category_name", "tags"}:
            # Three fixed words; the tags escape themselves inside their subquery.
            columns[f"c{index:02d}"] = Coalesce(expression, Value(""), output_field=TextField())
        elif field in text_columns:
            columns[f"c{index:02d}"] = _SafeText(expression)
        else:
            columns[f"c{index:02d}"] = _as_text(expression)
    return ordered(queryset).annotate(**columns).values_list(*columns)


def copy_statement(queryset: QuerySet[Response]) -> str:
    """`COPY (SELECT ...) TO STDOUT` for the selection, parameters bound client-side.

    COPY takes no server-side parameters, so psycopg's client-side binding quotes them
    into the statement (the same escaping Django's default cursor uses).
    """
    from psycopg import ClientCursor

    connection.ensure_connection()
    sql, params = copy_queryset(queryset).query.sql_with_params()
    select = ClientCursor(connection.connection).mogrify(sql, params)
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)"


def _copy_csv(
    queryset: QuerySet[Response], on_rows: Callable[[int], None] | None
) -> Iterator[bytes]:
    statement = copy_statement(queryset)
    raw = connection.connection
    buffer = bytearray()
    rows = 0
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        # libpq hands over one row per block.
        for block in copy:
            buffer += block
            rows += 1
            if len(buffer) >= BLOCK_BYTES:
                yield bytes(buffer)
                buffer.clear()
                if on_rows:
                    on_rows(rows)
    if buffer:
        yield bytes(buffer)
    if on_rows:
        on_rows(rows)


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


def csv_blocks(
    queryset: QuerySet[Response],
    *,
    bom: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The whole CSV (header first) as byte blocks. `on_rows(n)` reports progress."""
    yield header_bytes(bom=bom)
    if uses_copy():
        yield from _copy_csv(queryset, on_rows)
    else:
        yield from _python_csv(queryset, on_rows)


def write_csv(
    queryset: QuerySet[Response], target: IO[bytes], on_rows: Callable[[int], None]
) -> None:
    for block in csv_blocks(queryset, on_rows=on_rows):
        target.write(block)


def write_xlsx(
    queryset: QuerySet[Response], target: IO[bytes], on_rows: Callable[[int], None]
) -> None:
    """An XLSX workbook written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    sheet.append(list(HEADER))
    numeric = {HEADER.index(name) for name in ("id", "score")}
    written = 0
    for row in _python_rows(queryset):
        sheet.append(
            [value if index in numeric else safe_cell(value) for index, value in enumerate(row)]
        )
        written += 1
        if written % CHUNK_ROWS == 0:
            on_rows(written)
    on_rows(written)
    workbook.save(target)


def rows_as_lists(blocks: Iterable[bytes]) -> list[list[str]]:
    """Parse exported CSV bytes back (tests and the import preview use it)."""
    text = b"".join(blocks).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))
