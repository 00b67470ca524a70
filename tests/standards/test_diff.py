"""The diff between two versions: paired by lineage, word by word, narrowed per employee."""

from __future__ import annotations

import uuid

from standards import services
from standards.diff import WordSegment, moved_keys, word_diff
from standards.models import AppearanceStandard, CommunicationStandard, Principle, Requirement
from standards.selectors import version_diff
from tests.factories import PositionFactory
from tests.standards.conftest import PublishedBook


def _draft(published_book: PublishedBook, manager):
    return services.version_new_draft(actor=manager.user, book=published_book.book)


def _copy_of(model, draft, original):
    return model.objects.get(version=draft, lineage_key=original.lineage_key)


def test_word_diff_marks_only_the_changed_words():
    segments = word_diff("Answer within three rings.", "Answer within two rings.")
    assert segments == [
        WordSegment("equal", "Answer within "),
        WordSegment("delete", "three "),
        WordSegment("insert", "two "),
        WordSegment("equal", "rings."),
    ]


def test_word_diff_of_an_added_sentence():
    segments = word_diff("Greet the customer.", "Greet the customer. Offer coffee.")
    assert [s for s in segments if s.op != "equal"] == [WordSegment("insert", "Offer coffee.")]


def test_word_diff_never_pairs_spaces_on_their_own():
    segments = word_diff("Answer within three rings.", "Answer at the first ring.")
    assert segments == [
        WordSegment("equal", "Answer "),
        WordSegment("delete", "within three rings"),
        WordSegment("insert", "at the first ring"),
        WordSegment("equal", "."),
    ]


def test_word_diff_treats_punctuation_as_its_own_token():
    segments = word_diff("Offer a drink and a seat.", "Offer a drink, a seat and Wi-Fi.")
    assert [s for s in segments if s.op != "equal"] == [
        WordSegment("delete", "and "),
        WordSegment("insert", ", "),
        WordSegment("insert", "and Wi-Fi"),
    ]


def test_moved_keys_ignores_insertions_but_sees_swaps():
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    assert moved_keys([a, b, c], [a, d, b, c]) == set()
    assert moved_keys([a, b, c], [a, c]) == set()
    assert len(moved_keys([a, b, c], [b, a, c])) == 1
    assert moved_keys([a, b, c], [b, c, a]) == {a}


def test_identical_versions_have_an_empty_diff(published_book: PublishedBook, manager):
    draft = _draft(published_book, manager)
    diff = version_diff(published_book.version, draft)
    assert diff.is_empty


def test_a_reworded_requirement_is_one_change_with_a_word_diff(published_book, manager):
    draft = _draft(published_book, manager)
    copy = _copy_of(Requirement, draft, published_book.greeting)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    requirements = version_diff(published_book.version, draft).section("requirements")
    assert not requirements.added and not requirements.removed
    [change] = requirements.changed
    assert change.lineage_key == published_book.greeting.lineage_key
    [text_change] = change.fields
    assert text_change.name == "text"
    assert text_change.words is not None
    assert WordSegment("delete", "three ") in text_change.words
    assert WordSegment("insert", "two ") in text_change.words
    assert not change.moved


def test_weight_and_critical_changes_are_listed(published_book, manager):
    draft = _draft(published_book, manager)
    copy = _copy_of(Requirement, draft, published_book.greeting)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text=copy.text,
        kind="do", weight=1, critical=False, auditable=True,
    )  # fmt: skip
    [change] = version_diff(published_book.version, draft).section("requirements").changed
    assert {field.name for field in change.fields} == {"weight", "critical"}


def test_deleted_and_readded_is_a_removal_and_an_addition(published_book, manager):
    draft = _draft(published_book, manager)
    copy = _copy_of(Requirement, draft, published_book.greeting)
    standard = copy.communication_standard
    services.requirement_delete(actor=manager.user, requirement=copy)
    again = services.requirement_create(
        actor=manager.user, parent=standard, text=copy.text, kind="do", weight=3, critical=True
    )
    requirements = version_diff(published_book.version, draft).section("requirements")
    assert [change.lineage_key for change in requirements.removed] == [copy.lineage_key]
    assert [change.lineage_key for change in requirements.added] == [again.lineage_key]
    assert again.lineage_key != copy.lineage_key
    assert not requirements.changed


def test_reordering_siblings_marks_the_requirement_as_moved(published_book, manager):
    draft = _draft(published_book, manager)
    copy = _copy_of(Requirement, draft, published_book.greeting)
    services.requirement_move(actor=manager.user, requirement=copy, direction="down")
    requirements = version_diff(published_book.version, draft).section("requirements")
    assert len(requirements.changed) == 1
    [change] = requirements.changed
    assert change.moved and not change.fields
    assert not requirements.added and not requirements.removed


def test_a_requirement_moved_to_another_standard_is_moved_not_removed(published_book, manager):
    draft = _draft(published_book, manager)
    copy = _copy_of(Requirement, draft, published_book.greeting)
    other = services.communication_standard_create(
        actor=manager.user, version=draft, position=published_book.position,
        step=published_book.step, situation=None, process="Call back.",
    )  # fmt: skip
    Requirement.objects.filter(pk=copy.pk).update(communication_standard=other)
    requirements = version_diff(published_book.version, draft).section("requirements")
    [change] = requirements.changed
    assert change.lineage_key == copy.lineage_key
    assert change.moved
    assert "Phone call" in change.moved_from
    assert not requirements.removed and not requirements.added


def test_an_inserted_requirement_does_not_move_its_neighbours(published_book, manager):
    draft = _draft(published_book, manager)
    standard = _copy_of(CommunicationStandard, draft, published_book.communication)
    services.requirement_create(actor=manager.user, parent=standard, text="Offer help.", kind="say")
    requirements = version_diff(published_book.version, draft).section("requirements")
    assert len(requirements.added) == 1
    assert not requirements.changed


def test_chapters_and_principles_are_compared_too(published_book, manager):
    draft = _draft(published_book, manager)
    principle = _copy_of(Principle, draft, published_book.principle)
    services.principle_update(
        actor=manager.user, principle=principle, revision=principle.revision, title="Respect",
        text="We treat every customer and colleague with respect.",
    )  # fmt: skip
    services.principle_create(
        actor=manager.user, version=draft, title="Honesty", text="Tell the truth."
    )
    services.term_create(
        actor=manager.user,
        version=draft,
        term="Client advocate",
        definition="Speaks for the client.",
    )
    diff = version_diff(published_book.version, draft)
    principles = diff.section("principles")
    assert [change.label for change in principles.added] == ["Honesty"]
    assert principles.changed[0].fields[0].name == "text"
    assert [change.label for change in diff.section("terms").added] == ["Client advocate"]


def test_the_change_note_of_the_newer_version_leads_the_diff(published_book, manager):
    draft = _draft(published_book, manager)
    draft = services.version_publish(
        actor=manager.user, version=draft, change_note="Shorter phone rules."
    )
    assert version_diff(published_book.version, draft).change_note == "Shorter phone rules."


def test_diff_narrowed_to_a_position_and_gender(published_book, manager):
    draft = _draft(published_book, manager)
    appearance = _copy_of(AppearanceStandard, draft, published_book.appearance)
    services.requirement_create(
        actor=manager.user, parent=appearance, text="Low heels.", kind="look"
    )
    cashier = PositionFactory.create(name="Cashier")
    diff = version_diff(published_book.version, draft)
    assert diff.concerns(published_book.position.pk, "female")
    assert not diff.concerns(published_book.position.pk, "male")
    assert not diff.concerns(cashier.pk, "female")
    narrowed = diff.limited_to(published_book.position.pk, "male")
    assert narrowed.is_empty
    assert (
        len(diff.limited_to(published_book.position.pk, "female").section("requirements").added)
        == 1
    )


def test_a_principle_change_concerns_everybody(published_book, manager):
    draft = _draft(published_book, manager)
    principle = _copy_of(Principle, draft, published_book.principle)
    services.requirement_create(actor=manager.user, parent=principle, text="Smile.", kind="do")
    cashier = PositionFactory.create(name="Cashier")
    assert version_diff(published_book.version, draft).concerns(cashier.pk, "male")


def test_a_term_change_concerns_nobody_in_particular(published_book, manager):
    draft = _draft(published_book, manager)
    services.term_create(
        actor=manager.user, version=draft, term="NPS", definition="Net promoter score."
    )
    diff = version_diff(published_book.version, draft)
    assert not diff.is_empty
    assert not diff.concerns(published_book.position.pk, "female")
