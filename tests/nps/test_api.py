"""The REST API contract: auth, scopes, filters and their errors, pagination, summary,
invitations, throttling, the streamed CSV and export jobs."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from nps.exports import rows_as_lists
from nps.models import ExportJob, Invitation, Response
from roles.models import ApiScope, ApiToken
from tests.factories import EmployeeFactory, UserFactory
from tests.nps.conftest import token_client
from tests.nps.factories import InvitationFactory, ProblemTagFactory, ResponseFactory

pytestmark = pytest.mark.django_db

RESPONSES = reverse("api-v1:nps-responses")
EXPORT = reverse("api-v1:nps-responses-export")
SUMMARY = reverse("api-v1:nps-summary")
INVITATIONS = reverse("api-v1:nps-invitations")
EXPORTS = reverse("api-v1:nps-exports")
SURVEYS = reverse("api-v1:nps-surveys")


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


# Authentication and scopes ----------------------------------------------------------------


@pytest.mark.parametrize("url", [RESPONSES, EXPORT, SUMMARY, INVITATIONS, EXPORTS, SURVEYS])
def test_no_token_is_401_with_a_bearer_challenge(url, db) -> None:
    answer = APIClient().get(url)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer sst_wrong", "Bearer", "Bearer a b", "Token nope", "Bearer \u00e9t\u00e9"]
)
def test_an_invalid_token_is_401(header, db) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(RESPONSES).status_code == 401


def test_a_revoked_token_is_401_at_once(api_client_user, manager) -> None:
    from roles.api_auth import api_token_create, api_token_revoke

    token, key = api_token_create(actor=manager.user, name="x", scopes=["read:responses"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(RESPONSES).status_code == 200
    api_token_revoke(actor=manager.user, token=token)
    assert client.get(RESPONSES).status_code == 401


def test_a_token_records_when_it_was_last_used(reader) -> None:
    assert ApiToken.objects.get().last_used_at is None
    reader.get(RESPONSES)
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("url", "method", "needs"),
    [
        (RESPONSES, "get", ApiScope.READ_RESPONSES),
        (EXPORT, "get", ApiScope.READ_RESPONSES),
        (SUMMARY, "get", ApiScope.READ_RESPONSES),
        (EXPORTS, "post", ApiScope.READ_RESPONSES),
        (INVITATIONS, "get", ApiScope.WRITE_INVITATIONS),
        (INVITATIONS, "post", ApiScope.WRITE_INVITATIONS),
    ],
)
def test_a_missing_scope_is_403(api_client_user, url, method, needs) -> None:
    other = [scope for scope in ApiScope.values if scope != needs]
    client = token_client(api_client_user, other)
    answer = getattr(client, method)(url, {}, format="json")
    assert answer.status_code == 403
    assert needs in answer.json()["detail"]


def test_a_signed_in_manager_may_use_the_browsable_api(manager_client, surveys) -> None:
    ResponseFactory.create(survey=surveys.sales)
    assert manager_client.get(RESPONSES, HTTP_ACCEPT="text/html").status_code == 200
    assert manager_client.get(RESPONSES).json()["results"]


def test_signed_in_staff_may_not_use_the_api(staff_client) -> None:
    assert staff_client.get(RESPONSES).status_code == 403


# Responses -----------------------------------------------------------------------------------


def test_a_managers_token_sees_their_subtree_an_api_client_the_company(
    sales_manager, reader, surveys
) -> None:
    sales = ResponseFactory.create(survey=surveys.sales)
    service = ResponseFactory.create(survey=surveys.service)
    branch = token_client(sales_manager.user, [ApiScope.READ_RESPONSES])
    assert [row["id"] for row in branch.get(RESPONSES).json()["results"]] == [sales.pk]
    assert {row["id"] for row in reader.get(RESPONSES).json()["results"]} == {sales.pk, service.pk}


def test_a_response_row_carries_its_attribution_and_tags(reader, surveys, company) -> None:
    seller = EmployeeFactory.create(department=company.sales, full_name="Denis Orlov")
    response = ResponseFactory.create(
        survey=surveys.sales, employee=seller, step=surveys.step, score=3, comment="«ты»"
    )
    response.tags.add(ProblemTagFactory.create(name="Informal"))
    row = reader.get(RESPONSES).json()["results"][0]
    assert row["employee"] == "Denis Orlov"
    assert row["step"] == surveys.step.name
    assert (row["score"], row["category"], row["tags"], row["comment"]) == (
        3,
        "detractor",
        ["Informal"],
        "«ты»",
    )


def test_responses_are_cursor_paginated_newest_first(reader, surveys) -> None:
    now = timezone.now()
    made = [
        ResponseFactory.create(
            survey=surveys.sales, submitted_at=now - datetime.timedelta(minutes=i)
        )
        for i in range(5)
    ]
    first = reader.get(RESPONSES, {"page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == [made[0].pk, made[1].pk]
    seen = [row["id"] for row in first["results"]]
    url = first["next"]
    while url:
        page = reader.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [response.pk for response in made]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "31.02.2026x"}, "date_from"),
        ({"date_to": "2026-13-01"}, "date_to"),
        ({"score": "11"}, "score"),
        ({"score": "-1"}, "score"),
        ({"score": "nine"}, "score"),
        ({"category": "fan"}, "category"),
        ({"department": "999999"}, "department"),
        ({"employee": "abc"}, "employee"),
        ({"survey": "0"}, "survey"),
        ({"follow_up": "maybe"}, "follow_up"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_filters_are_400_naming_the_field(reader, surveys, params, field) -> None:
    ResponseFactory.create(survey=surveys.sales)
    for url in (RESPONSES, SUMMARY, EXPORT):
        if field == "cursor" and url != RESPONSES:
            continue
        answer = reader.get(url, params)
        assert answer.status_code == 400, url
        body = answer.json()
        assert field in body and body[field] and isinstance(body[field][0], str)


def test_a_department_outside_a_managers_reach_is_a_bad_filter(
    sales_manager, company, surveys
) -> None:
    branch = token_client(sales_manager.user, [ApiScope.READ_RESPONSES])
    assert branch.get(RESPONSES, {"department": company.service.pk}).status_code == 400


# Summary -------------------------------------------------------------------------------------


def test_the_summary_groups_with_n_and_nps(reader, surveys, company) -> None:
    for score in (10, 9, 3):
        ResponseFactory.create(survey=surveys.sales, score=score)
    ResponseFactory.create(survey=surveys.service, score=8)
    body = reader.get(SUMMARY, {"group_by": "survey"}).json()
    assert body["total"]["responses"] == 4
    assert body["total"]["nps"] == 25
    groups = {group["label"]: group for group in body["groups"]}
    assert groups["After the deal"]["nps"] == 33
    assert groups["After the deal"]["responses"] == 3
    assert groups["After service"] == {
        "key": str(surveys.service.pk),
        "label": "After service",
        "responses": 1,
        "promoters": 0,
        "passives": 1,
        "detractors": 0,
        "nps": 0,
        "margin": groups["After service"]["margin"],
    }


@pytest.mark.parametrize("group_by", ["department", "employee", "step", "survey", "month"])
def test_every_grouping_answers(reader, surveys, group_by) -> None:
    ResponseFactory.create(survey=surveys.sales, score=10)
    body = reader.get(SUMMARY, {"group_by": group_by}).json()
    assert sum(group["responses"] for group in body["groups"]) == 1


def test_the_month_grouping_uses_year_and_month_keys(reader, surveys) -> None:
    ResponseFactory.create(
        survey=surveys.sales, submitted_at=timezone.make_aware(datetime.datetime(2026, 1, 15, 12))
    )
    ResponseFactory.create(
        survey=surveys.sales, submitted_at=timezone.make_aware(datetime.datetime(2026, 2, 1, 0, 30))
    )
    keys = [group["key"] for group in reader.get(SUMMARY, {"group_by": "month"}).json()["groups"]]
    assert keys == ["2026-01", "2026-02"]


def test_an_empty_selection_has_no_nps(reader, db) -> None:
    body = reader.get(SUMMARY).json()
    assert body["total"] == {
        "responses": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "nps": None,
        "margin": None,
    }


def test_an_unknown_grouping_is_400(reader, db) -> None:
    answer = reader.get(SUMMARY, {"group_by": "weather"})
    assert answer.status_code == 400
    assert "group_by" in answer.json()


# Invitations ---------------------------------------------------------------------------------


def test_a_crm_creates_an_invitation_and_reads_its_status(inviter, surveys, company) -> None:
    seller = EmployeeFactory.create(department=company.sales)
    answer = inviter.post(
        INVITATIONS,
        {
            "survey": surveys.sales.pk,
            "external_ref": "DEAL-77",
            "employee": seller.pk,
            "step": surveys.step.pk,
        },
        format="json",
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "pending"
    invitation = Invitation.objects.get()
    assert body["link"].endswith(invitation.public_path())
    assert invitation.api_token is not None
    APIClient().post(invitation.public_path(), {"score": "9"})
    status = inviter.get(reverse("api-v1:nps-invitation-detail", args=[invitation.pk])).json()
    assert status["status"] == "answered"
    assert Response.objects.get().employee == seller


def test_creating_the_same_invitation_again_returns_it_with_200(inviter, surveys) -> None:
    payload = {"survey": surveys.sales.pk, "external_ref": "DEAL-1"}
    first = inviter.post(INVITATIONS, payload, format="json")
    again = inviter.post(INVITATIONS, payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"survey": ..., "external_ref": "X"}, "survey"),
        ({"survey": 999999, "external_ref": "X"}, "survey"),
        ({"survey": "abc", "external_ref": "X"}, "survey"),
        ({"survey": None, "external_ref": "X"}, "survey"),
        ({"external_ref": ""}, "external_ref"),
        ({"external_ref": "X" * 101}, "external_ref"),
        ({"external_ref": "X", "expires_at": "tomorrow"}, "expires_at"),
        ({"external_ref": "X", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"external_ref": "X", "employee": 999999}, "employee"),
    ],
)
def test_bad_invitations_are_400_naming_the_field(inviter, surveys, payload, field) -> None:
    payload = {
        key: value
        for key, value in {"survey": surveys.sales.pk, **payload}.items()
        if value is not ...
    }
    answer = inviter.post(INVITATIONS, payload, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Invitation.objects.exists()


def test_a_closed_survey_gets_no_invitations(inviter, surveys) -> None:
    surveys.sales.is_active = False
    surveys.sales.save()
    answer = inviter.post(
        INVITATIONS, {"survey": surveys.sales.pk, "external_ref": "X"}, format="json"
    )
    assert answer.status_code == 400
    assert "survey" in answer.json()


def test_invitations_are_found_by_external_reference(inviter, surveys) -> None:
    InvitationFactory.create(survey=surveys.sales, external_ref="A")
    wanted = InvitationFactory.create(survey=surveys.sales, external_ref="B")
    rows = inviter.get(INVITATIONS, {"external_ref": "B"}).json()["results"]
    assert [row["id"] for row in rows] == [wanted.pk]
    assert inviter.get(INVITATIONS, {"survey": "x"}).status_code == 400


def test_an_invitation_outside_a_managers_reach_is_404(sales_manager, surveys) -> None:
    invitation = InvitationFactory.create(survey=surveys.service)
    branch = token_client(sales_manager.user, [ApiScope.WRITE_INVITATIONS])
    assert (
        branch.get(reverse("api-v1:nps-invitation-detail", args=[invitation.pk])).status_code == 404
    )


def test_a_malformed_json_body_is_400(inviter, db) -> None:
    answer = inviter.post(INVITATIONS, data="{not json", content_type="application/json")
    assert answer.status_code == 400


# Throttling ------------------------------------------------------------------------------------


def test_each_token_is_throttled_on_its_own(api_client_user, settings, db) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
    }
    first = token_client(api_client_user, [ApiScope.READ_RESPONSES])
    second = token_client(
        UserFactory.create(username="bi", roles=["api_client"]), [ApiScope.READ_RESPONSES]
    )
    assert [first.get(RESPONSES).status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get(RESPONSES)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert second.get(RESPONSES).status_code == 200


# The streamed CSV ------------------------------------------------------------------------------


def test_the_csv_export_streams_the_filtered_selection(reader, surveys) -> None:
    ResponseFactory.create(survey=surveys.sales, score=10, comment="Great")
    ResponseFactory.create(survey=surveys.sales, score=2, comment="Bad")
    answer = reader.get(EXPORT, {"category": "detractor"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer.streaming
    rows = rows_as_lists([streamed(answer)])
    assert rows[0][:3] == ["id", "submitted_at", "survey_id"]
    assert [row[13] for row in rows[1:]] == ["Bad"]


def test_the_csv_export_answers_whatever_the_client_accepts(reader, surveys) -> None:
    ResponseFactory.create(survey=surveys.sales)
    assert reader.get(EXPORT, HTTP_ACCEPT="text/csv").status_code == 200
    assert reader.get(EXPORT, HTTP_ACCEPT="application/xml").status_code == 200
    bad = reader.get(EXPORT, {"score": "99"}, HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400
    assert bad.json() == {"score": ["Ensure this value is less than or equal to 10."]}


DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "\nLF", '=HYPERLINK("http://x")']


def test_cells_that_could_be_formulas_are_defused_and_every_cell_is_quoted(
    reader, surveys, company
) -> None:
    seller = EmployeeFactory.create(
        department=company.sales, full_name="=evil()", personnel_number="+7"
    )
    for text in DANGEROUS:
        ResponseFactory.create(
            survey=surveys.sales, employee=seller, score=5, comment=text
        ).tags.add(ProblemTagFactory.create(name="@tag"))
    body = streamed(reader.get(EXPORT)).decode()
    rows = rows_as_lists([body.encode()])
    comments = {row[13] for row in rows[1:]}
    assert comments == {"'" + text for text in DANGEROUS}
    for row in rows[1:]:
        assert row[7] == "'=evil()" and row[8] == "'+7" and row[14] == "'@tag"
    for line in body.splitlines()[:2]:
        assert line.startswith('"')


def test_harmless_text_is_left_alone(reader, surveys) -> None:
    ResponseFactory.create(survey=surveys.sales, comment="Fine, 5 = good; thanks -- ok")
    rows = rows_as_lists([streamed(reader.get(EXPORT))])
    assert rows[1][13] == "Fine, 5 = good; thanks -- ok"


# Export jobs -------------------------------------------------------------------------------------


def test_an_export_job_runs_after_commit_and_its_file_is_served_to_its_owner(
    reader, surveys, api_client_user, django_capture_on_commit_callbacks
) -> None:
    ResponseFactory.create(survey=surveys.sales, score=2, comment="=cmd")
    ResponseFactory.create(survey=surveys.sales, score=10)
    with django_capture_on_commit_callbacks(execute=True):
        answer = reader.post(
            EXPORTS, {"format": "csv", "filters": {"category": "detractor"}}, format="json"
        )
    assert answer.status_code == 202
    job_id = answer.json()["id"]
    job = reader.get(reverse("api-v1:nps-export-detail", args=[job_id])).json()
    assert (job["status"], job["progress"], job["rows_total"]) == ("done", 100, 1)
    download = reader.get(job["download_url"])
    assert download.status_code == 200
    rows = rows_as_lists([b"".join(download.streaming_content)])
    assert [row[13] for row in rows[1:]] == ["'=cmd"]
    stranger = token_client(
        UserFactory.create(username="other", roles=["api_client"]), [ApiScope.READ_RESPONSES]
    )
    assert stranger.get(reverse("api-v1:nps-export-download", args=[job_id])).status_code == 404
    assert stranger.get(reverse("api-v1:nps-export-detail", args=[job_id])).status_code == 404


def test_an_xlsx_export_has_the_same_rows_defused(
    reader, surveys, django_capture_on_commit_callbacks
) -> None:
    from openpyxl import load_workbook

    ResponseFactory.create(survey=surveys.sales, score=4, comment="=1+1")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = reader.post(EXPORTS, {"format": "xlsx"}, format="json").json()["id"]
    download = reader.get(reverse("api-v1:nps-export-download", args=[job_id]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][13] == "comment"
    assert rows[1][13] == "'=1+1"
    assert rows[1][11] == 4


def test_an_expired_export_is_410_and_its_file_is_swept(
    reader, surveys, django_capture_on_commit_callbacks, settings
) -> None:
    from nps.services import export_file_path, export_job_sweep

    ResponseFactory.create(survey=surveys.sales)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = reader.post(EXPORTS, {"format": "csv"}, format="json").json()["id"]
    job = ExportJob.objects.get(pk=job_id)
    path = export_file_path(job)
    assert path is not None and path.exists()
    assert str(path).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    later = timezone.now() + datetime.timedelta(hours=settings.NPS_EXPORT_EXPIRE_HOURS, minutes=1)
    ExportJob.objects.filter(pk=job_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert reader.get(reverse("api-v1:nps-export-download", args=[job_id])).status_code == 410
    assert export_job_sweep(now=later)["expired"] == 1
    assert not path.exists()
    assert ExportJob.objects.get(pk=job_id).status == ExportJob.Status.EXPIRED


def test_a_queued_export_is_409_until_it_runs(reader, surveys) -> None:
    job_id = reader.post(EXPORTS, {"format": "csv"}, format="json").json()["id"]
    assert ExportJob.objects.get(pk=job_id).status == ExportJob.Status.QUEUED
    assert reader.get(reverse("api-v1:nps-export-download", args=[job_id])).status_code == 409


def test_running_an_export_job_twice_builds_it_once(reader, surveys) -> None:
    from nps.services import export_job_run

    job_id = reader.post(EXPORTS, {"format": "csv"}, format="json").json()["id"]
    export_job_run(job_id=job_id)
    first = ExportJob.objects.get(pk=job_id)
    export_job_run(job_id=job_id)
    assert ExportJob.objects.get(pk=job_id).file_path == first.file_path


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({}, "format"),
        ({"format": "csv", "filters": {"weather": "sunny"}}, "filters"),
        ({"format": "csv", "filters": {"score": "12"}}, "score"),
        ({"format": "csv", "filters": ["score"]}, "filters"),
    ],
)
def test_bad_export_requests_are_400(reader, db, payload, field) -> None:
    answer = reader.post(EXPORTS, payload, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not ExportJob.objects.exists()


def test_the_schema_documents_every_endpoint_and_the_bearer_scheme(client, db) -> None:
    import yaml

    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    paths = set(schema["paths"])
    assert {
        "/api/v1/nps/responses/",
        "/api/v1/nps/responses/export.csv",
        "/api/v1/nps/summary/",
        "/api/v1/nps/invitations/",
        "/api/v1/nps/invitations/{id}/",
        "/api/v1/nps/exports/",
        "/api/v1/nps/exports/{id}/",
        "/api/v1/nps/exports/{id}/download/",
        "/api/v1/nps/surveys/",
    } <= paths
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    listing = schema["paths"]["/api/v1/nps/responses/"]["get"]
    assert {"400", "401", "403", "429"} <= set(listing["responses"])
    assert {"date_from", "department", "category", "score", "cursor"} <= {
        p["name"] for p in listing["parameters"]
    }


def test_the_docs_are_served_from_local_assets(client, db) -> None:
    page = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn" not in page.lower()


def test_a_forged_cursor_position_is_400_not_a_database_error(reader, surveys) -> None:
    import base64

    ResponseFactory.create(survey=surveys.sales)
    forged = base64.b64encode(b"o=0&p=not-a-time").decode()
    answer = reader.get(RESPONSES, {"cursor": forged})
    assert answer.status_code == 400
    assert answer.json() == {"cursor": ["Invalid cursor."]}


@pytest.mark.parametrize("path", ["/api/v1/nps/exports/abc/", "/api/v1/nope/"])
def test_unknown_api_urls_answer_json_404(reader, path) -> None:
    answer = reader.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}
