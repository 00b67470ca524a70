"""The scores REST API (/api/v1/scorecards/): payroll rows and department figures.

Every endpoint needs the token scope read:scores. A token sees what the user it acts
as sees: an API-client login the whole company, a manager their department subtree.
Figures come from the stored tables; percentages are strings with two decimals
(rounded half up) so that nothing is lost to floating point; null means no figure.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from roles.api_auth import HasScope
from roles.models import ApiScope, Department

from . import payroll, selectors
from .forms import DashboardForm
from .models import DepartmentMonth
from .months import current_month, month_param
from .permissions import departments_in_scope

FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"month": ["Enter a month as YYYY-MM, for example 2026-03."]},
    },
    description='Invalid input: {"<parameter>": ["<reason>", ...]}.',
)
DETAIL = inline_serializer(name="ScoresErrorDetail", fields={"detail": serializers.CharField()})
COMMON_ERRORS = {
    401: OpenApiResponse(DETAIL, description="No token, or an invalid or revoked one."),
    403: OpenApiResponse(DETAIL, description="The token lacks the scope read:scores."),
    429: OpenApiResponse(DETAIL, description="Too many requests for this token: wait and retry."),
}
PARAMETERS = [
    OpenApiParameter(
        "month",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        description="The month, YYYY-MM (default: this month, in the company's time zone).",
    ),
    OpenApiParameter(
        "department",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description="Department id: only employees of it and the departments below it.",
    ),
]


class PayrollRowSerializer(serializers.Serializer[Any]):
    personnel_number = serializers.CharField()
    full_name = serializers.CharField()
    department = serializers.CharField()
    position = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    compliance_percent = serializers.CharField(
        allow_null=True, help_text="Two decimals, rounded half up; null: no figure."
    )
    answers = serializers.IntegerField(help_text="Answers yes or no behind the figure.")
    audits = serializers.IntegerField()
    earned = serializers.IntegerField()
    applicable = serializers.IntegerField()
    band_from = serializers.CharField(
        allow_null=True, help_text="The band's lowest percentage (included); null without a band."
    )
    band_to = serializers.CharField(
        allow_null=True, help_text="The next band's floor (excluded); null for the top band."
    )
    coefficient = serializers.CharField(allow_null=True)
    rules_from = serializers.CharField(allow_null=True, help_text="YYYY-MM")
    rules_position = serializers.CharField(
        allow_null=True, help_text='"" for the rules of all positions.'
    )
    status = serializers.ChoiceField(
        choices=[selectors.IN_BAND, selectors.NO_AUDITS, selectors.NO_DATA, selectors.NO_RULES]
    )


class PayrollSerializer(serializers.Serializer[Any]):
    month = serializers.CharField()
    rows = PayrollRowSerializer(many=True)


class DepartmentFigureSerializer(serializers.Serializer[Any]):
    department_id = serializers.IntegerField()
    department = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    month = serializers.CharField()
    compliance_percent = serializers.CharField(allow_null=True)
    earned = serializers.IntegerField()
    applicable = serializers.IntegerField()
    answers = serializers.IntegerField()
    audits = serializers.IntegerField()
    nps = serializers.IntegerField(allow_null=True)
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()


def _selection(request: Request) -> tuple[Any, Department | None]:
    form = DashboardForm(request.query_params, departments=departments_in_scope(request.user))
    if not form.is_valid():
        raise ValidationError(
            {field: [str(message) for message in errors] for field, errors in form.errors.items()}
        )
    return form.cleaned_data.get("month") or current_month(), form.cleaned_data.get("department")


class _ScoresView(APIView):
    permission_classes = [HasScope]
    required_scope = ApiScope.READ_SCORES


@extend_schema(
    summary="Payroll: compliance, band and coefficient per employee",
    description=(
        "One row per employee of the caller's reach for the month: compliance with the "
        "answers and audits behind it, the band and the coefficient, and the rules they "
        "came from. A month without final audits has status no_audits and no "
        "coefficient. Needs scope read:scores."
    ),
    parameters=PARAMETERS,
    responses={200: PayrollSerializer, 400: FIELD_ERRORS, **COMMON_ERRORS},
    tags=["Scores"],
)
class PayrollView(_ScoresView):
    def get(self, request: Request) -> ApiResponse:
        month, department = _selection(request)
        rows = selectors.payroll_rows(user=request.user, month=month, department=department)
        return ApiResponse(
            {"month": month_param(month), "rows": [payroll.record(row) for row in rows]}
        )


@extend_schema(
    summary="Payroll as CSV",
    description=(
        "The payroll rows as a CSV file (UTF-8 with a byte-order mark), the same columns "
        "as the JSON. Needs scope read:scores."
    ),
    parameters=PARAMETERS,
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
        400: FIELD_ERRORS,
        **COMMON_ERRORS,
    },
    tags=["Scores"],
)
class PayrollCsvView(_ScoresView):
    renderer_classes = [JSONRenderer]

    def get(self, request: Request) -> HttpResponse:
        month, department = _selection(request)
        rows = selectors.payroll_rows(user=request.user, month=month, department=department)
        response = HttpResponse(payroll.csv_text(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{payroll.file_name(month)}"'
        return response


@extend_schema(
    summary="Department figures",
    description=(
        "Compliance and NPS of every department of the caller's reach for the month, each "
        "over its whole subtree. Departments without figures that month are left out. "
        "Needs scope read:scores."
    ),
    parameters=PARAMETERS[:1],
    responses={200: DepartmentFigureSerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
    tags=["Scores"],
)
class DepartmentFiguresView(_ScoresView):
    def get(self, request: Request) -> ApiResponse:
        month, _department = _selection(request)
        rows = (
            DepartmentMonth.objects.filter(
                month=month, subtree=True, department__in=departments_in_scope(request.user)
            )
            .select_related("department")
            .order_by("department__path")
        )
        return ApiResponse(
            [
                {
                    "department_id": row.department_id,
                    "department": row.department.name,
                    "parent_id": row.department.parent_id,
                    "month": month_param(month),
                    "compliance_percent": None if row.percent is None else str(row.percent),
                    "earned": row.earned,
                    "applicable": row.applicable,
                    "answers": row.answers,
                    "audits": row.audits,
                    "nps": row.nps.nps,
                    "responses": row.nps.responses,
                    "promoters": row.promoters,
                    "passives": row.passives,
                    "detractors": row.detractors,
                }
                for row in rows
            ]
        )


urlpatterns = [
    path("scorecards/payroll/", PayrollView.as_view(), name="scorecards-payroll"),
    path("scorecards/payroll.csv", PayrollCsvView.as_view(), name="scorecards-payroll-csv"),
    path("scorecards/departments/", DepartmentFiguresView.as_view(), name="scorecards-departments"),
]
