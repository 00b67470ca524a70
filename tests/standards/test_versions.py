"""Version rules: one draft, publishing, frozen versions through every path, copying."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.edits import EditConflict
from core.models import Activity
from standards import services
from standards.models import (
    AppearanceStandard,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    Term,
    VersionFrozen,
    VersionStatus,
)
from tests.standards.conftest import PublishedBook
from tests.standards.factories import RequirementFactory, TermFactory

CONTENT_MODELS = [
    Term,
    GeneralProvision,
    Principle,
    CommunicationStandard,
    AppearanceStandard,
    Requirement,
]


def test_book_create_starts_with_an_empty_draft(manager):
    book = services.book_create(actor=manager.user, name="Standards")
    version = book.versions.get()
    assert version.number == 1
    assert version.status == VersionStatus.DRAFT
    assert Activity.objects.filter(action="book.create", target_id=str(book.pk)).exists()


def test_publishing_records_who_when_and_the_note(published_book: PublishedBook, manager):
    version = published_book.version
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == manager.user
    assert version.published_at is not None
    assert version.change_note == "First edition."
    assert Activity.objects.filter(
        action="book_version.publish", target_id=str(version.pk)
    ).exists()


def test_it_refuses_to_publish_without_a_change_note(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    with pytest.raises(ValidationError) as error:
        services.version_publish(actor=manager.user, version=draft, change_note="   ")
    assert "change_note" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_publishing_archives_the_previous_version(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    services.version_publish(actor=manager.user, version=draft, change_note="Second.")
    published_book.version.refresh_from_db()
    assert published_book.version.status == VersionStatus.ARCHIVED
    assert draft.number == 2
    assert list(published_book.book.versions.filter(status=VersionStatus.PUBLISHED)) == [draft]


def test_it_allows_only_one_draft_per_book(published_book: PublishedBook, manager):
    services.version_new_draft(actor=manager.user, book=published_book.book)
    with pytest.raises(services.DraftExists):
        services.version_new_draft(actor=manager.user, book=published_book.book)


def test_the_database_refuses_a_second_draft(published_book: PublishedBook, manager):
    services.version_new_draft(actor=manager.user, book=published_book.book)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookVersion.objects.create(book=published_book.book, number=9)


def test_a_published_version_cannot_be_published_again(published_book: PublishedBook, manager):
    with pytest.raises(VersionFrozen):
        services.version_publish(
            actor=manager.user, version=published_book.version, change_note="x"
        )


# Frozen through every path ------------------------------------------------------------


def test_services_refuse_every_write_to_a_published_version(published_book: PublishedBook, manager):
    actor = manager.user
    version = published_book.version
    greeting = published_book.greeting
    attempts = [
        lambda: services.term_create(actor=actor, version=version, term="X", definition="Y"),
        lambda: services.principle_create(actor=actor, version=version, title="X", text="Y"),
        lambda: services.provision_create(actor=actor, version=version, title="X", body="Y"),
        lambda: services.requirement_create(
            actor=actor, parent=published_book.communication, text="New", kind="say"
        ),
        lambda: services.requirement_update(
            actor=actor, requirement=greeting, revision=greeting.revision, text="Changed",
            kind="do", weight=1, critical=False, auditable=True,
        ),
        lambda: services.requirement_delete(actor=actor, requirement=greeting),
        lambda: services.requirement_move(actor=actor, requirement=greeting, direction="down"),
        lambda: services.principle_delete(actor=actor, principle=published_book.principle),
        lambda: services.communication_standard_delete(actor=actor, standard=published_book.communication),
        lambda: services.appearance_standard_update(
            actor=actor, standard=published_book.appearance, revision=published_book.appearance.revision,
            position=published_book.position, gender="any", task="Anywhere",
        ),
        lambda: services.version_discard(actor=actor, version=version),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(VersionFrozen):
            attempt()
    greeting.refresh_from_db()
    assert greeting.text == "Answer within three rings."
    assert Requirement.objects.filter(version=version).count() == 5


def test_model_save_refuses_a_published_row(published_book: PublishedBook):
    greeting = Requirement.objects.get(pk=published_book.greeting.pk)
    greeting.text = "Sneaky change"
    with pytest.raises(VersionFrozen):
        greeting.save()
    assert Requirement.objects.get(pk=greeting.pk).text == "Answer within three rings."


def test_model_save_refuses_moving_a_draft_row_into_a_published_version(published_book, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    term = Term.objects.get(version=draft)
    term.version = published_book.version
    with pytest.raises(VersionFrozen):
        term.save()


def test_model_save_refuses_a_new_row_in_a_published_version(published_book: PublishedBook):
    with pytest.raises(VersionFrozen):
        TermFactory.create(version=published_book.version)
    with pytest.raises(VersionFrozen):
        RequirementFactory.create(communication_standard=published_book.communication)


def test_model_delete_refuses_a_published_row(published_book: PublishedBook):
    for model in CONTENT_MODELS:
        row = model.objects.filter(version=published_book.version).earliest("id")
        with pytest.raises(VersionFrozen):
            row.delete()
    assert Requirement.objects.filter(version=published_book.version).count() == 5


@pytest.mark.parametrize("model", CONTENT_MODELS)
def test_queryset_update_and_delete_refuse_published_rows(published_book: PublishedBook, model):
    rows = model.objects.filter(version=published_book.version)
    with pytest.raises(VersionFrozen):
        rows.update(revision=99)
    with pytest.raises(VersionFrozen):
        rows.delete()
    assert not model.objects.filter(revision=99).exists()
    assert rows.exists()


def test_bulk_writes_refuse_published_rows(published_book: PublishedBook):
    greeting = Requirement.objects.get(pk=published_book.greeting.pk)
    greeting.text = "Bulk change"
    with pytest.raises(VersionFrozen):
        Requirement.objects.bulk_update([greeting], ["text"])
    with pytest.raises(VersionFrozen):
        Term.objects.bulk_create([Term(version=published_book.version, term="X", definition="Y")])
    assert Requirement.objects.get(pk=greeting.pk).text == "Answer within three rings."


def test_a_published_version_row_cannot_change_or_be_deleted(published_book: PublishedBook):
    version = BookVersion.objects.get(pk=published_book.version.pk)
    version.change_note = "Rewritten history"
    with pytest.raises(VersionFrozen):
        version.save()
    version = BookVersion.objects.get(pk=published_book.version.pk)
    version.status = VersionStatus.DRAFT
    with pytest.raises(VersionFrozen):
        version.save()
    with pytest.raises(VersionFrozen):
        BookVersion.objects.get(pk=published_book.version.pk).delete()


def test_an_archived_version_stays_frozen(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    services.version_publish(actor=manager.user, version=draft, change_note="Second.")
    old_greeting = Requirement.objects.get(pk=published_book.greeting.pk)
    old_greeting.text = "Change the archive"
    with pytest.raises(VersionFrozen):
        old_greeting.save()
    archived = BookVersion.objects.get(pk=published_book.version.pk)
    archived.status = VersionStatus.PUBLISHED
    with pytest.raises(VersionFrozen):
        archived.save()


# Copying ------------------------------------------------------------------------------


def test_new_draft_copies_everything_with_lineage(published_book: PublishedBook, manager):
    source = published_book.version
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    assert draft.created_from == source
    assert draft.number == 2
    for model in CONTENT_MODELS:
        old = sorted(model.objects.filter(version=source).values_list("lineage_key", flat=True))
        new = sorted(model.objects.filter(version=draft).values_list("lineage_key", flat=True))
        assert old == new, model
        assert not set(model.objects.filter(version=draft).values_list("pk", flat=True)) & set(
            model.objects.filter(version=source).values_list("pk", flat=True)
        )


def test_copied_requirements_point_at_the_copied_parents(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copied = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    standard = copied.communication_standard
    assert standard is not None
    assert standard.version_id == draft.pk
    assert standard.lineage_key == published_book.communication.lineage_key
    assert copied.text == published_book.greeting.text
    assert copied.weight == 3 and copied.critical
    for requirement in Requirement.objects.filter(version=draft).select_related(
        "principle", "communication_standard", "appearance_standard"
    ):
        assert getattr(requirement.parent, "version_id") == draft.pk  # noqa: B009 - any parent kind


def test_editing_the_draft_leaves_the_published_version_alone(published_book, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copied = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    services.requirement_update(
        actor=manager.user, requirement=copied, revision=copied.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    assert (
        Requirement.objects.get(pk=published_book.greeting.pk).text == "Answer within three rings."
    )


def _queries_to_copy(book, actor) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        services.version_new_draft(actor=actor, book=book)
    return len(captured)


def test_copy_runs_the_same_number_of_queries_whatever_the_size(published_book, manager):
    actor = manager.user
    small = _queries_to_copy(published_book.book, actor)
    draft = published_book.book.versions.get(status=VersionStatus.DRAFT)
    standard = CommunicationStandard.objects.get(version=draft)
    for index in range(40):
        services.requirement_create(actor=actor, parent=standard, text=f"Rule {index}", kind="say")
    services.principle_create(actor=actor, version=draft, title="More", text="")
    services.version_publish(actor=actor, version=draft, change_note="Bigger.")
    assert _queries_to_copy(published_book.book, actor) == small


def test_discarding_a_draft_removes_it_and_its_content(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    services.version_discard(actor=manager.user, version=draft)
    assert not BookVersion.objects.filter(pk=draft.pk).exists()
    assert not Requirement.objects.filter(version_id=draft.pk).exists()
    assert Requirement.objects.filter(version=published_book.version).count() == 5


# Conflicts -------------------------------------------------------------------------------


def test_a_stale_edit_is_refused_and_shows_the_current_text(
    published_book: PublishedBook, manager, sales_manager
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    copied = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    opened_at = copied.revision
    services.requirement_update(
        actor=manager.user, requirement=copied, revision=opened_at, text="First manager's text.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    with pytest.raises(EditConflict) as conflict:
        services.requirement_update(
            actor=sales_manager.user, requirement=copied, revision=opened_at, text="Second manager's text.",
            kind="do", weight=1, critical=False, auditable=True,
        )  # fmt: skip
    assert getattr(conflict.value.current, "text") == "First manager's text."  # noqa: B009
    copied.refresh_from_db()
    assert copied.text == "First manager's text."
    assert copied.revision == opened_at + 1


def test_invalid_values_are_refused_by_the_service(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    standard = CommunicationStandard.objects.get(version=draft)
    with pytest.raises(ValidationError):
        services.requirement_create(actor=manager.user, parent=standard, text="  ", kind="say")
    with pytest.raises(ValidationError):
        services.requirement_create(
            actor=manager.user, parent=standard, text="Too heavy", kind="say", weight=4
        )
    with pytest.raises(ValidationError):
        services.communication_standard_create(
            actor=manager.user,
            version=draft,
            position=published_book.position,
            step=None,
            situation=None,
        )
    assert Requirement.objects.filter(version=draft).count() == 5


def test_the_database_refuses_a_weight_outside_one_to_three(published_book, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    with pytest.raises(IntegrityError), transaction.atomic():
        Requirement.objects.filter(version=draft).update(weight=5)


def test_moving_a_requirement_swaps_it_with_its_neighbour(published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    standard = CommunicationStandard.objects.get(version=draft)
    first, second, third = standard.requirements.order_by("order")
    services.requirement_move(actor=manager.user, requirement=second, direction="up")
    assert list(standard.requirements.order_by("order")) == [second, first, third]
    services.requirement_move(actor=manager.user, requirement=second, direction="up")
    assert list(standard.requirements.order_by("order")) == [second, first, third]
    services.requirement_move(actor=manager.user, requirement=first, direction="down")
    assert list(standard.requirements.order_by("order")) == [second, third, first]
