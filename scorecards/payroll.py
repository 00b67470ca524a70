"""The payroll export: one row per employee and month, the same for the page and the API.

Columns: personnel number, name, department, position, month (YYYY-MM), compliance
(percent with two decimals, rounded half up; empty when there is no figure), the
answers and audits behind it, earned and applicable weight, the band (from, inclusive,
and to, exclusive; no "to" for the top band), the coefficient (empty when no band
applies), the rules it came from, and the status:
"band", "no_audits" (no final audit that month), "no_data" (nothing applicable was
checked) or "no_rules" (no incentive rules in force).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from typing import Any, TypedDict

from .months import month_param
from .selectors import PayrollRow

HEADER = [
    "personnel_number",
    "full_name",
    "department",
    "position",
    "month",
    "compliance_percent",
    "answers",
    "audits",
    "earned",
    "applicable",
    "band_from",
    "band_to",
    "coefficient",
    "rules_from",
    "rules_position",
    "status",
]


class PayrollRecord(TypedDict):
    personnel_number: str
    full_name: str
    department: str
    position: str
    month: str
    compliance_percent: str | None
    answers: int
    audits: int
    earned: int
    applicable: int
    band_from: str | None
    band_to: str | None
    coefficient: str | None
    rules_from: str | None
    rules_position: str | None
    status: str


def record(row: PayrollRow) -> PayrollRecord:
    """A row as plain values; decimals as strings so nothing is lost to floats."""
    figures = row.figures
    incentive = row.incentive
    band_set = incentive.band_set
    percent = figures.percent if figures else None
    return {
        "personnel_number": row.employee.personnel_number,
        "full_name": row.employee.full_name,
        "department": row.employee.department.name,
        "position": row.employee.position.name,
        "month": month_param(row.month),
        "compliance_percent": None if percent is None else str(percent),
        "answers": figures.answers if figures else 0,
        "audits": figures.audits if figures else 0,
        "earned": figures.earned if figures else 0,
        "applicable": figures.applicable if figures else 0,
        "band_from": None if incentive.band is None else str(incentive.band.min_percent),
        "band_to": None
        if incentive.band is None or incentive.upper is None
        else str(incentive.upper),
        "coefficient": None if incentive.coefficient is None else str(incentive.coefficient),
        "rules_from": None if band_set is None else month_param(band_set.effective_from),
        "rules_position": (
            None
            if band_set is None
            else (band_set.position.name if band_set.position is not None else "")
        ),
        "status": incentive.status,
    }


def csv_text(rows: Iterable[PayrollRow]) -> str:
    """The CSV, with a byte-order mark so that spreadsheet programs read UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        values: dict[str, Any] = dict(record(row))
        writer.writerow(["" if values[name] is None else values[name] for name in HEADER])
    return buffer.getvalue()


def file_name(month: datetime.date) -> str:
    return f"payroll-{month_param(month)}.csv"
