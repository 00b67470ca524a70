"""The auditor's form: answers saved as given (one at a time or the whole form),
the employee observed limited to the right people, what is missing listed on submit."""

from __future__ import annotations

import datetime

from django.urls import reverse

from audits.models import AuditItem, AuditStatus
from tests.factories import EmployeeFactory

from .conftest import items_by_key, steps_in_order


def test_the_form_shows_steps_in_order_with_big_answer_buttons(audit, auditor_client):
    response = auditor_client.get(reverse("audits:fill", args=[audit.pk]))
    assert response.status_code == 200
    page = response.text
    assert page.index("Phone call") < page.index("Needs") < page.index("Asks for a discount")
    item = audit.items.first()
    for value in ("yes", "no", "na"):
        assert f'name="answer-{item.pk}" value="{value}"' in page
    assert 'accept="image/*" capture="environment"' in page
    assert 'type="datetime-local"' in page
    assert "Pay cash, ask for a discount." in page


def test_the_employee_choices_are_the_departments_holders_of_the_position(
    audit, auditor_client, company, receptionist, staff_member, salesperson_position
):
    other_branch = EmployeeFactory.create(
        full_name="Sam Service", department=company.service, position=salesperson_position
    )
    below = EmployeeFactory.create(
        full_name="Uma Used", department=company.used_cars, position=salesperson_position
    )
    gone = EmployeeFactory.create(
        full_name="Gil Gone",
        department=company.sales,
        position=salesperson_position,
        is_active=False,
    )
    response = auditor_client.get(reverse("audits:fill", args=[audit.pk]))
    phone, needs, _discount = steps_in_order(audit)
    page = response.text
    needs_select = page[page.index(f'name="employee-{needs.pk}"') :]
    needs_select = needs_select[: needs_select.index("</select>")]
    assert staff_member.full_name in needs_select
    assert below.full_name in needs_select  # Used cars is below Sales
    assert other_branch.full_name not in needs_select
    assert gone.full_name not in needs_select
    assert receptionist.full_name not in needs_select
    assert "Could not identify" in needs_select
    phone_select = page[page.index(f'name="employee-{phone.pk}"') :]
    assert receptionist.full_name in phone_select[: phone_select.index("</select>")]


def test_one_answer_is_saved_as_it_is_given(audit, book, auditor_client):
    items = items_by_key(audit, book)
    response = auditor_client.post(
        reverse("audits:item", args=[audit.pk, items["rings"]]),
        {f"answer-{items['rings']}": "no", f"comment-{items['rings']}": "Seven rings."},
    )
    assert response.status_code == 200
    assert "Saved" in response.text
    item = AuditItem.objects.get(pk=items["rings"])
    assert (item.answer, item.comment) == ("no", "Seven rings.")
    assert item.answered_at is not None
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS


def test_an_answer_endpoint_saves_only_its_own_item(audit, book, auditor_client):
    items = items_by_key(audit, book)
    auditor_client.post(
        reverse("audits:item", args=[audit.pk, items["rings"]]),
        {f"answer-{items['rings']}": "yes", f"answer-{items['greeting']}": "no"},
    )
    assert AuditItem.objects.get(pk=items["greeting"]).answer == ""


def test_a_bad_answer_value_is_refused_with_422(audit, book, auditor_client):
    items = items_by_key(audit, book)
    response = auditor_client.post(
        reverse("audits:item", args=[audit.pk, items["rings"]]),
        {f"answer-{items['rings']}": "maybe"},
    )
    assert response.status_code == 422
    assert AuditItem.objects.get(pk=items["rings"]).answer == ""


def test_the_employee_observed_is_saved_per_step(audit, auditor_client, staff_member):
    _phone, needs, _discount = steps_in_order(audit)
    response = auditor_client.post(
        reverse("audits:step", args=[audit.pk, needs.pk]),
        {f"employee-{needs.pk}": str(staff_member.pk)},
    )
    assert response.status_code == 200
    needs.refresh_from_db()
    assert needs.employee == staff_member


def test_an_employee_of_another_position_is_refused(audit, auditor_client, receptionist):
    _phone, needs, _discount = steps_in_order(audit)
    response = auditor_client.post(
        reverse("audits:step", args=[audit.pk, needs.pk]),
        {f"employee-{needs.pk}": str(receptionist.pk)},
    )
    assert response.status_code == 422
    needs.refresh_from_db()
    assert needs.employee is None


def test_could_not_identify_is_a_valid_choice(audit, auditor_client):
    phone, _needs, _discount = steps_in_order(audit)
    auditor_client.post(
        reverse("audits:step", args=[audit.pk, phone.pk]), {f"employee-{phone.pk}": "unidentified"}
    )
    phone.refresh_from_db()
    assert phone.employee_unidentified and phone.employee is None


def test_visit_details_are_saved_and_a_future_visit_is_refused(audit, auditor_client):
    response = auditor_client.post(
        reverse("audits:visit", args=[audit.pk]),
        {"visited_at": "2026-03-05T14:30", "channel": "phone"},
    )
    assert response.status_code == 200
    audit.refresh_from_db()
    assert audit.channel == "phone"
    assert audit.visited_at.strftime("%Y-%m-%d") == "2026-03-05"
    future = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = auditor_client.post(reverse("audits:visit", args=[audit.pk]), {"visited_at": future})
    assert response.status_code == 422


def test_the_whole_form_saves_without_javascript(audit, book, auditor_client, staff_member):
    items = items_by_key(audit, book)
    _phone, needs, _discount = steps_in_order(audit)
    response = auditor_client.post(
        reverse("audits:save", args=[audit.pk]),
        {
            "client_id": "7d4c5a8e-0d0a-4c8f-9a55-3d8c2f0f9b11",
            f"answer-{items['formal']}": "yes",
            f"answer-{items['budget']}": "na",
            f"comment-{items['budget']}": "Did not come up.",
            f"employee-{needs.pk}": str(staff_member.pk),
            "channel": "in_person",
            "visited_at": "",
        },
    )
    assert response.status_code == 302
    assert AuditItem.objects.get(pk=items["formal"]).answer == "yes"
    assert AuditItem.objects.get(pk=items["budget"]).comment == "Did not come up."
    audit.refresh_from_db()
    assert audit.channel == "in_person"


def test_the_whole_form_saves_the_good_values_and_reports_the_bad(audit, book, auditor_client):
    items = items_by_key(audit, book)
    response = auditor_client.post(
        reverse("audits:save", args=[audit.pk]),
        {f"answer-{items['formal']}": "yes", "visited_at": "next tuesday"},
    )
    assert response.status_code == 422
    assert "Enter the date and time of the visit." in response.text
    assert AuditItem.objects.get(pk=items["formal"]).answer == "yes"


def test_submitting_with_unanswered_items_lists_them_and_submits_nothing(
    audit, book, auditor_client
):
    items = items_by_key(audit, book)
    response = auditor_client.post(
        reverse("audits:submit", args=[audit.pk]),
        {
            "client_id": "6a1f0a52-4f8c-4f3a-8f43-0b7b3f0a9c21",
            f"answer-{items['rings']}": "yes",
            "visited_at": "2026-03-05T14:30",
            "channel": "phone",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "Not submitted" in page
    assert f'href="#item-{items["greeting"]}"' in page
    assert "Phone call: the employee observed" in page
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS
    assert audit.client_id is None
    # What was given with the attempt is kept.
    assert AuditItem.objects.get(pk=items["rings"]).answer == "yes"


def test_the_form_of_a_submitted_audit_is_closed(audit, auditor_client, auditor):
    from .test_submission import submit_all

    submit_all(auditor_client, audit)
    response = auditor_client.get(reverse("audits:fill", args=[audit.pk]))
    assert response.status_code == 302
    assert response.url == reverse("audits:result", args=[audit.pk])
    item = audit.items.first()
    response = auditor_client.post(
        reverse("audits:item", args=[audit.pk, item.pk]), {f"answer-{item.pk}": "no"}
    )
    assert response.status_code == 409
    assert "can no longer change" in response.text


def test_the_form_page_needs_a_fixed_number_of_queries(
    audit, auditor_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = auditor_client.get(reverse("audits:fill", args=[audit.pk]))
    assert response.status_code == 200
