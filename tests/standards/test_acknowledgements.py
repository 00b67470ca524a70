"""Who is asked to acknowledge a new version, what they see, and what managers see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from roles.models import Gender
from standards import services
from standards.models import Acknowledgement, AppearanceStandard, Principle, Requirement, Term
from tests.factories import EmployeeFactory, PositionFactory
from tests.standards.conftest import PublishedBook


@pytest.fixture
def people(company, published_book: PublishedBook):
    """Salespeople of both genders, a cashier, and an inactive salesperson."""
    cashier = PositionFactory.create(name="Cashier")
    return {
        "female_seller": EmployeeFactory.create(full_name="Anna", department=company.sales, position=published_book.position, gender=Gender.FEMALE),
        "male_seller": EmployeeFactory.create(full_name="Boris", department=company.used_cars, position=published_book.position, gender=Gender.MALE),
        "cashier": EmployeeFactory.create(full_name="Clara", department=company.service, position=cashier, gender=Gender.FEMALE),
        "gone": EmployeeFactory.create(full_name="Dmitry", department=company.sales, position=published_book.position, is_active=False),
    }  # fmt: skip


def _asked(version) -> set[str]:
    return set(
        Acknowledgement.objects.filter(version=version).values_list(
            "employee__full_name", flat=True
        )
    )


def _publish(manager, draft):
    return services.version_publish(actor=manager.user, version=draft, change_note="Changes.")


def test_the_first_version_asks_every_active_employee(
    staff_member, manager, published_book: PublishedBook
):
    # The fixture published version 1 with a principle: it concerns everybody active then.
    assert _asked(published_book.version) == {"Staff Member", "Manager"}


def test_an_appearance_change_asks_only_that_position_and_gender(
    people, published_book, manager, staff_member
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    appearance = AppearanceStandard.objects.get(version=draft)
    services.requirement_create(
        actor=manager.user, parent=appearance, text="Low heels.", kind="look"
    )
    version = _publish(manager, draft)
    assert _asked(version) == {"Anna", "Staff Member"}  # female salespeople, active


def test_a_communication_change_asks_the_position_of_both_genders(
    people, published_book, manager, staff_member
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copy = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    version = _publish(manager, draft)
    assert _asked(version) == {"Anna", "Boris", "Staff Member"}


def test_a_principle_change_asks_every_active_employee(
    people, published_book, manager, staff_member
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    principle = Principle.objects.get(version=draft)
    services.requirement_create(actor=manager.user, parent=principle, text="Smile.", kind="do")
    version = _publish(manager, draft)
    assert _asked(version) == {"Anna", "Boris", "Clara", "Staff Member", "Manager"}


def test_nobody_is_asked_when_nothing_changed_for_anybody(people, published_book, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    term = Term.objects.get(version=draft)
    services.term_update(
        actor=manager.user, term=term, revision=term.revision, name="Client", definition="Anyone."
    )
    version = _publish(manager, draft)
    assert _asked(version) == set()


def test_staff_see_the_banner_read_their_changes_and_confirm(
    staff_client, staff_member, people, published_book, manager
):
    # Confirm version 1 first, so only version 2 is pending.
    services.acknowledgement_confirm(actor=staff_member.user, employee=staff_member)
    assert (
        "New version: what changed for you"
        not in staff_client.get(reverse("standards:mine")).content.decode()
    )

    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copy = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    cashier_standard = services.appearance_standard_create(
        actor=manager.user,
        version=draft,
        position=people["cashier"].position,
        gender="any",
        task="At the till",
    )
    services.requirement_create(
        actor=manager.user, parent=cashier_standard, text="Name badge on.", kind="look"
    )
    _publish(manager, draft)

    assert (
        "New version: what changed for you"
        in staff_client.get(reverse("standards:mine")).content.decode()
    )
    assert (
        "New version: what changed for you"
        in staff_client.get(reverse("standards:book")).content.decode()
    )
    page = staff_client.get(reverse("standards:acknowledge")).content.decode()
    assert "<ins>two </ins>" in page
    assert "Name badge on." not in page  # the cashier's change is not theirs
    response = staff_client.post(reverse("standards:acknowledge"))
    assert response.status_code == 302
    assert not Acknowledgement.objects.filter(
        employee=staff_member, acknowledged_at__isnull=True
    ).exists()
    assert (
        "New version: what changed for you"
        not in staff_client.get(reverse("standards:mine")).content.decode()
    )


def test_two_pending_versions_are_read_as_one_change(
    staff_client, staff_member, published_book, manager
):
    services.acknowledgement_confirm(actor=staff_member.user, employee=staff_member)
    for text in ("Answer within two rings.", "Answer at the first ring."):
        draft = services.version_new_draft(actor=manager.user, book=published_book.book)
        copy = Requirement.objects.get(
            version=draft, lineage_key=published_book.greeting.lineage_key
        )
        services.requirement_update(
            actor=manager.user, requirement=copy, revision=copy.revision, text=text,
            kind="do", weight=3, critical=True, auditable=True,
        )  # fmt: skip
        _publish(manager, draft)
    page = staff_client.get(reverse("standards:acknowledge")).content.decode()
    # One diff from the version they last read (1) to the newest (3).
    assert "<del>within three rings</del>" in page
    assert "<ins>at the first ring</ins>" in page
    staff_client.post(reverse("standards:acknowledge"))
    assert (
        Acknowledgement.objects.filter(employee=staff_member, acknowledged_at__isnull=True).count()
        == 0
    )


def test_acknowledge_page_errors(outsider_client, auditor_client, staff_client, published_book):
    assert outsider_client.get(reverse("standards:acknowledge")).status_code == 403
    assert auditor_client.get(reverse("standards:acknowledge")).status_code == 404  # no employee
    assert staff_client.put(reverse("standards:acknowledge")).status_code == 405


def test_managers_see_the_rate_per_department_and_who_is_missing(
    manager_client, people, published_book, manager, staff_member
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copy = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    version = _publish(manager, draft)
    services.acknowledgement_confirm(actor=None, employee=people["female_seller"])
    response = manager_client.get(reverse("standards:acknowledgements", args=[version.pk]))
    assert response.status_code == 200
    rates = {
        rate.department.name: (rate.required, rate.acknowledged, rate.percent)
        for rate in response.context["rates"]
    }
    assert rates["Sales"] == (
        3,
        1,
        33,
    )  # Anna, Staff Member (Sales) and Boris (Used cars, below Sales)
    assert rates["Used cars"] == (1, 0, 0)
    assert rates["Service"] == (0, 0, None)
    assert rates["Dealership"] == (3, 1, 33)
    missing = {ack.employee.full_name for ack in response.context["missing"]}
    assert missing == {"Boris", "Staff Member"}


def test_a_branch_manager_sees_only_their_subtree(
    sales_manager_client, company, people, published_book, manager
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    principle = Principle.objects.get(version=draft)
    services.requirement_create(actor=manager.user, parent=principle, text="Smile.", kind="do")
    version = _publish(manager, draft)
    url = reverse("standards:acknowledgements", args=[version.pk])
    response = sales_manager_client.get(url)
    assert response.status_code == 200
    assert {rate.department.name for rate in response.context["rates"]} == {"Sales", "Used cars"}
    assert "Clara" not in {ack.employee.full_name for ack in response.context["missing"]}
    assert sales_manager_client.get(url, {"department": company.service.pk}).status_code == 404
    assert sales_manager_client.get(url, {"department": company.used_cars.pk}).status_code == 200


@pytest.mark.parametrize("client_name", ["auditor_client", "staff_client", "outsider_client"])
def test_acknowledgement_figures_are_for_managers(request, published_book, client_name):
    client = request.getfixturevalue(client_name)
    assert (
        client.get(
            reverse("standards:acknowledgements", args=[published_book.version.pk])
        ).status_code
        == 403
    )


def test_acknowledgement_figures_errors(manager_client, client, published_book, manager):
    url = reverse("standards:acknowledgements", args=[published_book.version.pk])
    assert manager_client.post(url).status_code == 405
    assert client.get(url).status_code == 302
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    assert (
        manager_client.get(reverse("standards:acknowledgements", args=[draft.pk])).status_code
        == 404
    )
    assert manager_client.get(url, {"department": "abc"}).status_code == 404


def test_publishing_is_announced_with_the_version_it_replaces(manager, published_book):
    from core import events
    from standards.events import VersionPublished

    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    heard: list[object] = []
    events.subscribe(VersionPublished, heard.append)
    try:
        version = _publish(manager, draft)
    finally:
        events.unsubscribe(VersionPublished, heard.append)
    assert heard == [
        VersionPublished(version_id=version.pk, previous_version_id=published_book.version.pk)
    ]
