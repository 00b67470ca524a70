"""The NPS REST API (/api/v1/nps/): responses, export, summary, invitations, export jobs.

Thin views: the selectors scope what the caller may see, the filters validate the
query, the services write. Errors: 400 names each field and its reason
({"field": ["reason"]}), 401 no or an invalid token, 403 a missing scope, 404 an
object outside the caller's reach, 429 too many requests.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from core.types import actor_of
from roles.api_auth import HasScope, token_of
from roles.models import ApiScope, Employee

from . import exports, scoring
from .filters import FILTER_FIELDS, ResponseFilter
from .models import ExportFormat, ExportJob, Invitation, Response, Survey
from .selectors import (
    GROUPINGS,
    employees_for_filter,
    export_jobs_of,
    invitations_visible_to,
    nps_figure,
    nps_grouped,
    responses_for_list,
    responses_visible_to,
    steps_for_choice,
    surveys_visible_to,
)
from .services import export_job_create, invitation_create
from .views import serve_export_file

# Shared error documentation -------------------------------------------------------------

FIELD_ERRORS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {
            "date_from": ["Enter a valid date."],
            "score": ["Ensure this value is less than or equal to 10."],
        },
    },
    description='Invalid input: {"<field>": ["<reason>", ...]} for every invalid field or parameter.',
)
DETAIL = inline_serializer(name="ErrorDetail", fields={"detail": serializers.CharField()})
UNAUTHORIZED = OpenApiResponse(DETAIL, description="No token, or an invalid or revoked one.")
FORBIDDEN = OpenApiResponse(DETAIL, description="The token lacks the scope this endpoint needs.")
NOT_FOUND = OpenApiResponse(DETAIL, description="No such object within the caller's reach.")
THROTTLED = OpenApiResponse(DETAIL, description="Too many requests for this token: wait and retry.")
COMMON_ERRORS = {401: UNAUTHORIZED, 403: FORBIDDEN, 429: THROTTLED}


# Serializers ----------------------------------------------------------------------------------


class ResponseSerializer(serializers.ModelSerializer[Response]):
    survey = serializers.CharField(source="survey.name")
    department = serializers.CharField(source="department.name")
    employee = serializers.CharField(source="employee.full_name", allow_null=True, default=None)
    personnel_number = serializers.CharField(
        source="employee.personnel_number", allow_null=True, default=None
    )
    step = serializers.CharField(source="step.name", allow_null=True, default=None)
    category = serializers.ChoiceField(choices=scoring.CATEGORIES)
    tags = serializers.SerializerMethodField()
    external_ref = serializers.CharField(
        source="invitation.external_ref", allow_null=True, default=None
    )

    class Meta:
        model = Response
        fields = [
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
            "category",
            "comment",
            "tags",
            "follow_up_status",
            "source",
            "external_ref",
            "language",
        ]
        read_only_fields = fields

    def get_tags(self, response: Response) -> list[str]:
        return sorted(tag.name for tag in response.tags.all())


class FigureSerializer(serializers.Serializer[Any]):
    responses = serializers.IntegerField()
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()
    nps = serializers.IntegerField(
        allow_null=True, help_text="Whole number from -100 to 100; null without responses."
    )
    margin = serializers.IntegerField(
        allow_null=True, help_text="Half-width of the 95% confidence interval, in points."
    )


class GroupSerializer(FigureSerializer):
    key = serializers.CharField(
        allow_null=True, help_text="The id of the group (YYYY-MM for months); null for none."
    )
    label = serializers.CharField()  # type: ignore[assignment]


class SummarySerializer(serializers.Serializer[Any]):
    group_by = serializers.ChoiceField(choices=GROUPINGS, allow_null=True)
    total = FigureSerializer()
    groups = GroupSerializer(many=True)


def _figure_data(figure: scoring.NpsFigure) -> dict[str, Any]:
    return {
        "responses": figure.responses,
        "promoters": figure.promoters,
        "passives": figure.passives,
        "detractors": figure.detractors,
        "nps": figure.nps,
        "margin": figure.margin,
    }


class SurveySerializer(serializers.ModelSerializer[Survey]):
    link = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "department_id",
            "step_id",
            "employee_id",
            "active_from",
            "active_until",
            "status",
            "link",
        ]
        read_only_fields = fields

    def get_link(self, survey: Survey) -> str:
        return self.context["request"].build_absolute_uri(survey.public_path())

    def get_status(self, survey: Survey) -> str:
        return survey.status()


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    status = serializers.SerializerMethodField(help_text="pending, answered or expired.")
    link = serializers.SerializerMethodField(help_text="The customer's single-use link.")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "survey_id",
            "external_ref",
            "employee_id",
            "step_id",
            "status",
            "link",
            "expires_at",
            "created_at",
            "answered_at",
        ]
        read_only_fields = fields

    def get_status(self, invitation: Invitation) -> str:
        return invitation.status()

    def get_link(self, invitation: Invitation) -> str:
        return self.context["request"].build_absolute_uri(invitation.public_path())


class InvitationCreateSerializer(serializers.Serializer[Any]):
    survey = serializers.PrimaryKeyRelatedField(queryset=Survey.objects.none())
    external_ref = serializers.CharField(
        max_length=100, help_text="Your reference (deal, order): one invitation per survey."
    )
    employee = serializers.PrimaryKeyRelatedField(
        queryset=Employee.objects.none(), required=False, allow_null=True
    )
    step = serializers.PrimaryKeyRelatedField(
        queryset=steps_for_choice(), required=False, allow_null=True
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["survey"].queryset = surveys_visible_to(user)  # type: ignore[attr-defined]
            self.fields["employee"].queryset = employees_for_filter(user)  # type: ignore[attr-defined]


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    progress = serializers.IntegerField(help_text="Whole percent done.")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "status",
            "progress",
            "rows_total",
            "rows_done",
            "filters",
            "error",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api-v1:nps-export-download", args=[job.pk])
        )


class ExportFiltersSerializer(serializers.Serializer[Any]):
    """The responses list's filters, as strings, for an export job."""

    date_from = serializers.CharField(required=False, allow_blank=True)
    date_to = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True)
    employee = serializers.CharField(required=False, allow_blank=True)
    step = serializers.CharField(required=False, allow_blank=True)
    survey = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True)
    score = serializers.CharField(required=False, allow_blank=True)
    tag = serializers.CharField(required=False, allow_blank=True)
    follow_up = serializers.CharField(required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in set(data) - set(FILTER_FIELDS))
            if unknown:
                raise ValidationError({"filters": [f"Unknown filters: {', '.join(unknown)}."]})
        values = super().to_internal_value(data)
        return {name: text for name, text in values.items() if text != ""}


class ExportJobCreateSerializer(serializers.Serializer[Any]):
    format = serializers.ChoiceField(choices=ExportFormat.values)
    filters = ExportFiltersSerializer(
        required=False,
        help_text="The same filters as the responses list: " + ", ".join(FILTER_FIELDS) + ".",
    )


def flat_errors(errors: dict[str, Any]) -> dict[str, list[str]]:
    """Serializer errors as {"field": ["reason", ...]}: a filter's error under its own name
    (as on the responses list), anything else about the filters under "filters"."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if key == "filters" and isinstance(value, dict):
            for inner, reasons in value.items():
                name = "filters" if inner in ("filters", "non_field_errors") else inner
                flat.setdefault(name, []).extend(str(reason) for reason in reasons)
        else:
            reasons = value if isinstance(value, list) else [value]
            flat.setdefault(key, []).extend(str(reason) for reason in reasons)
    return flat


# Pagination and rendering ------------------------------------------------------------------------


class _CheckedCursorPagination(CursorPagination):
    """An invalid cursor is a bad parameter (400), not a missing page.

    The position inside a cursor is compared with a timestamp column, so it must be
    one: a forged cursor could otherwise reach the database as an invalid value.
    """

    def decode_cursor(self, request: Request) -> Any:
        invalid = ValidationError({self.cursor_query_param: ["Invalid cursor."]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        position = None if cursor is None else cursor.position
        if position is not None and parse_datetime(str(position)) is None:
            raise invalid
        return cursor


class ResponseCursorPagination(_CheckedCursorPagination):
    ordering = ("-submitted_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class CsvRenderer(BaseRenderer):
    """Lets `Accept: text/csv` through negotiation; the view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return b"" if data is None else str(data).encode("utf-8")


def _validated_selection(request: Request) -> QuerySet[Response]:
    filterset = ResponseFilter(
        request.query_params, queryset=responses_visible_to(request.user), request=request
    )
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [str(message) for message in messages]
                for field, messages in filterset.errors.items()
            }
        )
    return filterset.qs


class _NpsApiView(APIView):
    permission_classes = [HasScope]


class FileContentNegotiation(BaseContentNegotiation):
    """Files are what they are: the Accept header does not change them (no 406)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def filter_parameters() -> list[OpenApiParameter]:
    """The response filters as documented query parameters (same as the list's)."""
    query: Literal["query"] = "query"
    return [
        OpenApiParameter(
            "date_from", OpenApiTypes.DATE, query, description="First day (YYYY-MM-DD)."
        ),
        OpenApiParameter("date_to", OpenApiTypes.DATE, query, description="Last day, included."),
        OpenApiParameter(
            "department",
            OpenApiTypes.INT,
            query,
            description="Department id; its subtree is included.",
        ),
        OpenApiParameter("employee", OpenApiTypes.INT, query, description="Employee id."),
        OpenApiParameter("step", OpenApiTypes.INT, query, description="Journey step id."),
        OpenApiParameter("survey", OpenApiTypes.INT, query, description="Survey id."),
        OpenApiParameter(
            "category",
            OpenApiTypes.STR,
            query,
            enum=list(scoring.CATEGORIES),
            description="Score category.",
        ),
        OpenApiParameter(
            "score",
            {"type": "integer", "minimum": 0, "maximum": 10},
            query,
            description="Exact score, 0 to 10.",
        ),
        OpenApiParameter("tag", OpenApiTypes.INT, query, description="Problem tag id."),
        OpenApiParameter(
            "follow_up",
            OpenApiTypes.STR,
            query,
            enum=["open", "contacted", "resolved"],
            description="Follow-up status of detractors.",
        ),
        OpenApiParameter("q", OpenApiTypes.STR, query, description="Words from the comment."),
    ]


# Views --------------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary="List responses",
        description=(
            "Newest first, cursor-paginated (follow `next`). Needs scope read:responses. "
            "A manager's token sees their department subtree; an API-client login the company."
        ),
        parameters=filter_parameters(),
        responses={200: ResponseSerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
        tags=["NPS responses"],
    )
)
class ResponseListView(generics.ListAPIView[Response]):
    permission_classes = [HasScope]
    required_scope = ApiScope.READ_RESPONSES
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilter
    pagination_class = ResponseCursorPagination

    def get_queryset(self) -> QuerySet[Response]:
        return responses_for_list(responses_visible_to(self.request.user))


@extend_schema(
    summary="Export responses as CSV",
    description=(
        "The same selection as the list, as one CSV streamed in constant memory (UTF-8, "
        "every cell quoted; a cell starting with = + - @ tab, CR or LF is prefixed with an "
        "apostrophe). Needs scope read:responses. For very large selections use export jobs."
    ),
    parameters=filter_parameters(),
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
        400: FIELD_ERRORS,
        **COMMON_ERRORS,
    },
    tags=["NPS responses"],
)
class ResponseExportView(_NpsApiView):
    required_scope = ApiScope.READ_RESPONSES
    renderer_classes = [CsvRenderer, JSONRenderer]
    content_negotiation_class = FileContentNegotiation

    def handle_exception(self, exc: Exception) -> Any:
        # Errors are JSON whatever the client asked for.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request: Request) -> HttpResponseBase:
        selection = _validated_selection(request)
        response = StreamingHttpResponse(
            exports.csv_blocks(selection), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="nps-responses-{stamp}.csv"'
        return response


@extend_schema(
    summary="NPS summary",
    description=(
        "The NPS of the selection, and per group when `group_by` is given: department "
        "(responses attributed to it), employee, step, survey or month. Needs scope "
        "read:responses."
    ),
    parameters=[
        OpenApiParameter(
            "group_by",
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            enum=list(GROUPINGS),
            required=False,
            description="Group the figures by this.",
        ),
        *filter_parameters(),
    ],
    responses={200: SummarySerializer, 400: FIELD_ERRORS, **COMMON_ERRORS},
    tags=["NPS responses"],
)
class SummaryView(_NpsApiView):
    required_scope = ApiScope.READ_RESPONSES

    def get(self, request: Request) -> ApiResponse:
        group_by = request.query_params.get("group_by") or None
        if group_by is not None and group_by not in GROUPINGS:
            raise ValidationError(
                {"group_by": [f"“{group_by}” is not one of: {', '.join(GROUPINGS)}."]}
            )
        selection = _validated_selection(request)
        groups = nps_grouped(selection, by=group_by) if group_by else []
        return ApiResponse(
            {
                "group_by": group_by,
                "total": _figure_data(nps_figure(selection)),
                "groups": [
                    {"key": group.key, "label": group.label, **_figure_data(group.figure)}
                    for group in groups
                ],
            }
        )


@extend_schema_view(
    get=extend_schema(
        summary="List surveys",
        description="Surveys within the caller's reach, with their public links. Needs read:responses.",
        responses={200: SurveySerializer(many=True), **COMMON_ERRORS},
        tags=["Surveys"],
    )
)
class SurveyListView(generics.ListAPIView[Survey]):
    permission_classes = [HasScope]
    required_scope = ApiScope.READ_RESPONSES
    serializer_class = SurveySerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[Survey]:
        return surveys_visible_to(self.request.user).order_by("name", "id")


class InvitationCursorPagination(_CheckedCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 100


@extend_schema_view(
    get=extend_schema(
        summary="List invitations",
        description="Filter by `external_ref` to find the invitation of one deal. Needs write:invitations.",
        parameters=[
            OpenApiParameter(
                "external_ref", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False
            ),
            OpenApiParameter("survey", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False),
        ],
        responses={200: InvitationSerializer(many=True), 400: FIELD_ERRORS, **COMMON_ERRORS},
        tags=["Invitations"],
    ),
    post=extend_schema(
        summary="Create an invitation",
        description=(
            "A single-use link for one customer, attributed to the employee and step given "
            "(or the survey's). Idempotent per survey and external_ref: repeating the call "
            "returns the existing invitation with 200 instead of 201. Needs write:invitations."
        ),
        request=InvitationCreateSerializer,
        responses={
            201: InvitationSerializer,
            200: InvitationSerializer,
            400: FIELD_ERRORS,
            **COMMON_ERRORS,
        },
        tags=["Invitations"],
    ),
)
class InvitationListView(generics.ListCreateAPIView[Invitation]):
    permission_classes = [HasScope]
    required_scope = ApiScope.WRITE_INVITATIONS
    serializer_class = InvitationSerializer
    filter_backends: list[Any] = []
    pagination_class = InvitationCursorPagination

    def get_queryset(self) -> QuerySet[Invitation]:
        invitations = invitations_visible_to(self.request.user)
        params = self.request.query_params
        if params.get("external_ref"):
            reference = params["external_ref"]
            if "\x00" in reference or len(reference) > 100:
                raise ValidationError({"external_ref": ["Not a valid external reference."]})
            invitations = invitations.filter(external_ref=reference)
        if params.get("survey"):
            survey = params["survey"]
            if not survey.isdigit() or len(survey) > 18:
                raise ValidationError({"survey": ["A survey id is a whole number."]})
            invitations = invitations.filter(survey_id=int(survey))
        return invitations

    def create(self, request: Request, *args: Any, **kwargs: Any) -> ApiResponse:
        serializer = InvitationCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            invitation, created = invitation_create(
                actor=actor_of(request),
                survey=data["survey"],
                external_ref=data["external_ref"],
                employee=data.get("employee"),
                step=data.get("step"),
                expires_at=data.get("expires_at"),
                api_token=token_of(request),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        body = InvitationSerializer(invitation, context={"request": request}).data
        return ApiResponse(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    get=extend_schema(
        summary="Read an invitation",
        description="Its status: pending, answered or expired. Needs write:invitations.",
        responses={200: InvitationSerializer, 404: NOT_FOUND, **COMMON_ERRORS},
        tags=["Invitations"],
    )
)
class InvitationDetailView(generics.RetrieveAPIView[Invitation]):
    permission_classes = [HasScope]
    required_scope = ApiScope.WRITE_INVITATIONS
    serializer_class = InvitationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Invitation]:
        return invitations_visible_to(self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="List your export jobs",
        description="The caller's own export jobs, newest first. Needs read:responses.",
        responses={200: ExportJobSerializer(many=True), **COMMON_ERRORS},
        tags=["Exports"],
    ),
    post=extend_schema(
        summary="Start an export job",
        description=(
            "Builds a CSV or XLSX file of the selection in the background. Poll the job "
            "for `progress` and download it from `download_url` when `status` is done; "
            "files expire after a configured time. Needs read:responses."
        ),
        request=ExportJobCreateSerializer,
        responses={202: ExportJobSerializer, 400: FIELD_ERRORS, **COMMON_ERRORS},
        tags=["Exports"],
    ),
)
class ExportJobListView(generics.ListCreateAPIView[ExportJob]):
    permission_classes = [HasScope]
    required_scope = ApiScope.READ_RESPONSES
    serializer_class = ExportJobSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[ExportJob]:
        return export_jobs_of(self.request.user)[:50]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> ApiResponse:
        serializer = ExportJobCreateSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(flat_errors(serializer.errors))
        try:
            job = export_job_create(
                actor=actor_of(request),
                format=serializer.validated_data["format"],
                filters=serializer.validated_data.get("filters", {}),
                api_token=token_of(request),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        job.refresh_from_db()
        return ApiResponse(
            ExportJobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


@extend_schema_view(
    get=extend_schema(
        summary="Read an export job",
        description="Status and progress of one of the caller's export jobs.",
        responses={200: ExportJobSerializer, 404: NOT_FOUND, **COMMON_ERRORS},
        tags=["Exports"],
    )
)
class ExportJobDetailView(generics.RetrieveAPIView[ExportJob]):
    permission_classes = [HasScope]
    required_scope = ApiScope.READ_RESPONSES
    serializer_class = ExportJobSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ExportJob]:
        return export_jobs_of(self.request.user)


@extend_schema(
    summary="Download an export file",
    description="The finished file, for the job's owner only. 409 while it is not ready, 410 once expired.",
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV file."),
        (
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX file."),
        404: NOT_FOUND,
        409: OpenApiResponse(DETAIL, description="Not finished yet."),
        410: OpenApiResponse(DETAIL, description="Expired or failed."),
        **COMMON_ERRORS,
    },
    tags=["Exports"],
)
class ExportJobDownloadView(_NpsApiView):
    required_scope = ApiScope.READ_RESPONSES
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileContentNegotiation

    def get(self, request: Request, pk: int) -> Any:
        job = export_jobs_of(request.user).filter(pk=pk).first()
        if job is None:
            raise NotFound
        now = timezone.now()
        if job.status in {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING}:
            return ApiResponse({"detail": "The export is not finished yet."}, status=409)
        if job.status != ExportJob.Status.DONE or (job.expires_at and job.expires_at <= now):
            return ApiResponse({"detail": "The export failed or its file has expired."}, status=410)
        return serve_export_file(request._request, job)


def not_found(request: HttpRequest) -> JsonResponse:
    """An unknown URL under /api/v1/ (a path with a malformed id, say)."""
    return JsonResponse({"detail": "Not found."}, status=404)
