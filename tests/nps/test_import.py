"""CSV import of historical responses: preview, row errors, all or nothing, idempotent."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nps.models import Response, ResponseImport, Source
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def upload(client, text: str, *, encoding: str = "utf-8", name: str = "history.csv"):
    return client.post(
        reverse("nps:import"),
        {"file": SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")},
    )


GOOD = (
    "external_id,submitted_at,score,survey,comment,employee\n"
    "old-1,2025-03-01 10:15,3,After the deal,Ждал час решения по скидке,S-1\n"
    "old-2,15.03.2025,10,After the deal,,\n"
)


@pytest.fixture
def seller(company):
    return EmployeeFactory.create(department=company.sales, personnel_number="S-1")


def test_a_good_file_is_previewed_then_imported(manager_client, surveys, seller) -> None:
    page = upload(manager_client, GOOD)
    assert page.status_code == 302
    response_import = ResponseImport.objects.get()
    detail = manager_client.get(page["Location"])
    assert detail.context["counts"] == {"new": 2, "unchanged": 0, "error": 0}
    assert not Response.objects.exists()
    manager_client.post(reverse("nps:import_confirm", args=[response_import.pk]))
    imported = Response.objects.order_by("external_id")
    assert [(r.external_id, r.score, r.employee, r.source) for r in imported] == [
        ("old-1", 3, seller, Source.IMPORT),
        ("old-2", 10, None, Source.IMPORT),
    ]
    assert imported[0].department == seller.department
    assert imported[0].follow_up_status == ""


def test_importing_the_same_file_again_changes_nothing(manager_client, surveys, seller) -> None:
    upload(manager_client, GOOD)
    manager_client.post(reverse("nps:import_confirm", args=[ResponseImport.objects.get().pk]))
    before = list(Response.objects.values_list("pk", "score", "comment", "submitted_at"))
    page = upload(manager_client, GOOD)
    second = ResponseImport.objects.latest("created_at")
    assert manager_client.get(page["Location"]).context["counts"] == {
        "new": 0,
        "unchanged": 2,
        "error": 0,
    }
    manager_client.post(reverse("nps:import_confirm", args=[second.pk]))
    assert list(Response.objects.values_list("pk", "score", "comment", "submitted_at")) == before
    second.refresh_from_db()
    assert (second.created_count, second.unchanged_count) == (0, 2)


def test_row_errors_are_listed_and_nothing_is_imported(manager_client, surveys) -> None:
    text = (
        "external_id;submitted_at;score;survey\n"
        "a;2025-01-01;11;After the deal\n"
        "b;yesterday;5;After the deal\n"
        "c;2025-01-01;5;Unknown survey\n"
        "a;2025-01-02;5;After the deal\n"
        "d;2999-01-01;5;After the deal\n"
        "e;2025-01-01;7;After the deal\n"
    )
    page = upload(manager_client, text.encode("cp1251").decode("cp1251"), encoding="cp1251")
    assert page.status_code == 422
    statuses = {row.line: (row.status, row.errors) for row in page.context["preview_rows"]}
    assert statuses[2][0] == "error" and "0 to 10" in statuses[2][1][0]
    assert statuses[3][0] == "error"
    assert statuses[4][0] == "error"
    assert "already on line 2" in statuses[5][1][0]
    assert "future" in statuses[6][1][0]
    assert statuses[7] == ("new", [])
    assert not ResponseImport.objects.exists()
    assert not Response.objects.exists()


def test_a_changed_row_under_a_known_id_is_an_error(manager_client, surveys, seller) -> None:
    upload(manager_client, GOOD)
    manager_client.post(reverse("nps:import_confirm", args=[ResponseImport.objects.get().pk]))
    page = upload(manager_client, GOOD.replace(",3,", ",4,"))
    assert page.status_code == 422
    assert "imported before with other values" in page.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"external_id,score\n1,2\n", "Missing columns"),
        (b"PK\x03\x04binary", "Excel"),
        (b"external_id,submitted_at,score,survey\n", "no responses"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(manager_client, surveys, content, message) -> None:
    page = manager_client.post(
        reverse("nps:import"), {"file": SimpleUploadedFile("x.csv", content)}
    )
    assert page.status_code == 422
    assert message in page.content.decode()


def test_a_survey_outside_the_managers_reach_is_a_row_error(sales_manager_client, surveys) -> None:
    page = upload(
        sales_manager_client,
        "external_id,submitted_at,score,survey\nx,2025-01-01,5,After service\n",
    )
    assert page.status_code == 422


def test_an_import_is_confirmed_once(manager_client, surveys, seller) -> None:
    upload(manager_client, GOOD)
    response_import = ResponseImport.objects.get()
    manager_client.post(reverse("nps:import_confirm", args=[response_import.pk]))
    again = manager_client.post(reverse("nps:import_confirm", args=[response_import.pk]))
    assert again.status_code == 302
    assert Response.objects.count() == 2


def test_another_managers_import_is_404(
    manager_client, sales_manager_client, surveys, seller
) -> None:
    upload(manager_client, GOOD)
    response_import = ResponseImport.objects.get()
    assert (
        sales_manager_client.get(
            reverse("nps:import_detail", args=[response_import.pk])
        ).status_code
        == 404
    )
    assert (
        sales_manager_client.post(
            reverse("nps:import_confirm", args=[response_import.pk])
        ).status_code
        == 404
    )


def test_imported_responses_are_announced_to_the_scorecards(
    manager_client, surveys, seller
) -> None:
    from nps.signals import responses_changed

    received: list[dict[str, object]] = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    responses_changed.connect(listener, dispatch_uid="test-import-listener")
    try:
        upload(manager_client, GOOD)
        manager_client.post(reverse("nps:import_confirm", args=[ResponseImport.objects.get().pk]))
    finally:
        responses_changed.disconnect(dispatch_uid="test-import-listener")
    assert len(received) == 1
    assert received[0]["employee_ids"] == [seller.pk]
    assert [month.isoformat() for month in received[0]["months"]] == ["2025-03-01"]  # type: ignore[attr-defined]
