"""A manager finalizes a submitted audit; the report quotes every failure from the
version used, with a link into the book; the rollup hook is told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits import services
from audits.models import AuditStatus
from audits.selectors import final_audit_steps
from audits.signals import audit_figures_changed
from core.models import Activity

from .conftest import items_by_key
from .test_submission import submit_all


@pytest.fixture
def submitted(audit, auditor_client):
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def announcements():
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    audit_figures_changed.connect(receiver, weak=False)
    yield received
    audit_figures_changed.disconnect(receiver)


def test_a_manager_finalizes_a_submitted_audit(submitted, manager, manager_client, announcements):
    response = manager_client.post(reverse("audits:finalize", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == AuditStatus.FINAL
    assert submitted.finalized_by == manager.user
    entry = Activity.objects.get(action="audit.finalize")
    assert entry.actor == manager.user and entry.target_id == str(submitted.pk)
    assert len(announcements) == 1
    told = announcements[0]
    assert told["reason"] == "finalized"
    assert told["audit"].pk == submitted.pk
    assert str(told["month"]) == "2026-03-01"
    assert told["department_id"] == submitted.department_id
    assert len(told["employee_ids"]) == 2


def test_only_final_audits_reach_the_rollup(submitted, manager):
    assert not final_audit_steps().exists()
    services.audit_finalize(actor=manager.user, audit=submitted)
    rows = sorted(final_audit_steps().values_list("earned", "applicable"))
    assert rows == [(0, 3), (3, 5), (4, 6)]


def test_finalizing_twice_is_refused_with_409(submitted, manager, manager_client):
    services.audit_finalize(actor=manager.user, audit=submitted)
    response = manager_client.post(reverse("audits:finalize", args=[submitted.pk]))
    assert response.status_code == 409
    assert Activity.objects.filter(action="audit.finalize").count() == 1


def test_a_draft_cannot_be_finalized(audit, manager_client):
    response = manager_client.post(reverse("audits:finalize", args=[audit.pk]))
    assert response.status_code == 409
    audit.refresh_from_db()
    assert audit.status == AuditStatus.ASSIGNED


def test_the_report_quotes_each_failure_with_a_link_into_the_book(submitted, book, manager_client):
    response = manager_client.get(reverse("audits:report", args=[submitted.pk]))
    assert response.status_code == 200
    page = response.text
    book_url = reverse("standards:version", args=[book.version.pk])
    for name in ("greeting", "budget", "answer_time"):
        requirement = book.requirements[name]
        assert f"«{requirement.text}»" in page
        assert f'href="{book_url}#r-{requirement.lineage_key}"' in page
    kept = book.requirements["rings"]
    assert f"«{kept.text}»" not in page
    assert "50.0 %" in page
    assert "Finalize" in page


def test_the_report_is_printable(submitted, manager_client):
    page = manager_client.get(reverse("audits:report", args=[submitted.pk])).text
    assert "data-print" in page


def test_the_report_page_needs_a_fixed_number_of_queries(
    submitted, manager_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = manager_client.get(reverse("audits:report", args=[submitted.pk]))
    assert response.status_code == 200


def test_the_audit_list_shows_status_and_score_in_a_fixed_number_of_queries(
    submitted, template, manager, auditor, company, manager_client, django_assert_max_num_queries
):
    for _ in range(4):
        services.audit_assign(
            actor=manager.user,
            template=template,
            department=company.sales,
            auditor=auditor,
            window_start=submitted.window_start,
            window_end=submitted.window_end,
        )
    with django_assert_max_num_queries(15):
        response = manager_client.get(reverse("audits:list"))
    assert response.status_code == 200
    assert "50.0 %" in response.text
    assert response.text.count("Submitted") >= 1


def test_the_auditors_list_groups_due_in_progress_and_submitted(
    submitted, template, manager, auditor, company, auditor_client, book
):
    due = services.audit_assign(
        actor=manager.user,
        template=template,
        department=company.sales,
        auditor=auditor,
        window_start=submitted.window_start,
        window_end=submitted.window_end,
    )
    started = services.audit_assign(
        actor=manager.user,
        template=template,
        department=company.sales,
        auditor=auditor,
        window_start=submitted.window_start,
        window_end=submitted.window_end,
    )
    item = items_by_key(started, book)["rings"]
    auditor_client.post(reverse("audits:item", args=[started.pk, item]), {f"answer-{item}": "yes"})
    page = auditor_client.get(reverse("audits:list")).text
    assert 'Due <span class="muted">(1)</span>' in page
    assert 'In progress <span class="muted">(1)</span>' in page
    assert 'Submitted <span class="muted">(1)</span>' in page
    assert reverse("audits:fill", args=[due.pk]) in page
    assert reverse("audits:result", args=[submitted.pk]) in page


def test_a_manager_withdraws_an_audit_nobody_started(audit, manager_client):
    response = manager_client.post(reverse("audits:withdraw", args=[audit.pk]))
    assert response.status_code == 302
    assert not type(audit).objects.filter(pk=audit.pk).exists()
    assert Activity.objects.filter(action="audit.withdraw").count() == 1


def test_assigning_an_audit_in_the_browser(template, company, auditor, manager_client):
    response = manager_client.post(
        reverse("audits:assign"),
        {
            "template": template.pk,
            "department": company.service.pk,
            "auditor": auditor.pk,
            "window_start": "2026-04-01",
            "window_end": "2026-04-15",
        },
    )
    assert response.status_code == 302
    audit = template.audits.get()
    assert audit.department == company.service
    assert audit.items.count() == 7
    assert Activity.objects.filter(action="audit.assign").count() == 1


def test_a_manager_cannot_assign_outside_their_subtree(
    template, company, auditor, sales_manager_client
):
    response = sales_manager_client.post(
        reverse("audits:assign"),
        {
            "template": template.pk,
            "department": company.service.pk,
            "auditor": auditor.pk,
            "window_start": "2026-04-01",
            "window_end": "2026-04-15",
        },
    )
    assert response.status_code == 422
    assert not template.audits.exists()


def test_assigning_to_someone_who_is_not_an_auditor_is_refused(
    template, company, manager, manager_client
):
    response = manager_client.post(
        reverse("audits:assign"),
        {
            "template": template.pk,
            "department": company.sales.pk,
            "auditor": manager.user.pk,
            "window_start": "2026-04-15",
            "window_end": "2026-04-01",
        },
    )
    assert response.status_code == 422
    assert "The window ends before it starts." in response.text
    assert not template.audits.exists()
