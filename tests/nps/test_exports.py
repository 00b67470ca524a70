"""CSV export: spreadsheet safety on every path, and the COPY path equal to the Python one."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from nps import exports
from nps.models import Response
from tests.factories import EmployeeFactory
from tests.nps.factories import InvitationFactory, ProblemTagFactory, ResponseFactory

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY streaming exists only on PostgreSQL: run with DATABASE_URL=postgres://...",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_safe_cell_prefixes_only_dangerous_first_characters(value, expected) -> None:
    assert exports.safe_cell(value) == expected


def test_times_are_written_in_utc(db) -> None:
    moment = timezone.make_aware(datetime.datetime(2026, 3, 1, 10, 30, 5))
    assert exports.safe_cell(moment) == moment.astimezone(datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def _varied_responses(surveys, company) -> None:
    seller = EmployeeFactory.create(
        department=company.sales, full_name='Orlov "Den" -x', personnel_number="=P1"
    )
    tags = [
        ProblemTagFactory.create(name="Beta"),
        ProblemTagFactory.create(name="Alpha"),
        ProblemTagFactory.create(name="-minus"),
    ]
    texts = [
        "",
        "plain",
        'quote " inside',
        "line\nbreak",
        "=1+1",
        "\r\n",
        "привет, «ты»",
        "@x",
        "tab\tin",
    ]
    for index, text in enumerate(texts):
        response = ResponseFactory.create(
            survey=surveys.sales,
            score=index % 11,
            comment=text,
            employee=seller if index % 2 else None,
            step=surveys.step if index % 3 else None,
            invitation=InvitationFactory.create(survey=surveys.sales, external_ref=f"+REF{index}")
            if index % 4 == 0
            else None,
            submitted_at=timezone.now() - datetime.timedelta(hours=index),
        )
        response.tags.add(*tags[: index % 4])


@needs_postgresql
def test_the_copy_path_writes_the_same_bytes_as_the_python_path(surveys, company) -> None:
    _varied_responses(surveys, company)
    queryset = Response.objects.all()
    copied = b"".join(exports._copy_csv(queryset, None))
    written = b"".join(exports._python_csv(queryset, None))
    assert copied == written
    rows = exports.rows_as_lists([exports.header_bytes(), copied])
    assert len(rows) == 10


@needs_postgresql
def test_the_copy_statement_binds_filter_values_safely(surveys, company) -> None:
    _varied_responses(surveys, company)
    hostile = Response.objects.filter(comment="x'); DROP TABLE nps_response; --")
    assert b"".join(exports._copy_csv(hostile, None)) == b""
    assert Response.objects.count() == 9


def test_the_python_path_reports_progress_and_every_row(surveys, company) -> None:
    _varied_responses(surveys, company)
    seen: list[int] = []
    body = b"".join(exports.csv_blocks(Response.objects.all(), on_rows=seen.append))
    assert seen[-1] == 9
    assert len(exports.rows_as_lists([body])) == 10
