"""The demo book: realistic, big enough, and safe to load twice."""

from __future__ import annotations

from journeys.demo import load_demo_journey
from roles.demo import load_demo_organisation
from standards.demo import load_demo_book
from standards.models import (
    Acknowledgement,
    Book,
    CommunicationStandard,
    Principle,
    Requirement,
    Term,
    VersionStatus,
)
from standards.selectors import version_diff


def _load(db):
    organisation = load_demo_organisation()
    load_demo_journey(organisation)
    return organisation, load_demo_book(organisation.departments["root"])


def test_demo_book_has_the_promised_content(db):
    _organisation, book = _load(db)
    published = book.versions.get(status=VersionStatus.PUBLISHED)
    assert Principle.objects.filter(version=published).count() >= 12
    assert Term.objects.filter(version=published).count() >= 10
    assert Requirement.objects.filter(version=published).count() >= 60
    texts = " ".join(Requirement.objects.filter(version=published).values_list("text", flat=True))
    assert "третьего гудка" in texts
    assert "«Вы»" in texts
    assert "скидк" in texts and "промежуточного сообщения" in texts
    assert "отзыв" in texts
    # Every communication standard the demo defines found its place on the map.
    assert CommunicationStandard.objects.filter(version=published).count() == 16
    assert CommunicationStandard.objects.filter(
        version=published, situation__name="Негативный отзыв в интернете"
    ).exists()


def test_demo_book_has_history_a_draft_and_pending_acknowledgements(db):
    organisation, book = _load(db)
    statuses = list(book.versions.order_by("number").values_list("status", flat=True))
    assert statuses == [VersionStatus.ARCHIVED, VersionStatus.PUBLISHED, VersionStatus.DRAFT]
    first, second, third = book.versions.order_by("number")
    assert not version_diff(first, second).is_empty
    assert not version_diff(second, third).is_empty
    # The salesman with a login still has the discount change to read; the cashier was never asked.
    salesman = organisation.employees["S-102"]
    assert Acknowledgement.objects.filter(
        version=second, employee=salesman, acknowledged_at__isnull=True
    ).exists()
    assert not Acknowledgement.objects.filter(
        version=second, employee=organisation.employees["C-301"]
    ).exists()


def test_loading_the_demo_twice_changes_nothing(db):
    _load(db)
    counts = (Book.objects.count(), Requirement.objects.count(), Acknowledgement.objects.count())
    organisation = load_demo_organisation()
    assert load_demo_book(organisation.departments["root"]) is None
    assert (
        Book.objects.count(),
        Requirement.objects.count(),
        Acknowledgement.objects.count(),
    ) == counts
