"""The history: lines stored as events and rendered in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.activity import activity_build, activity_for, activity_record
from core.models import Activity
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db


def test_a_line_is_stored_as_its_message_and_parameters(manager):
    position = PositionFactory.create(name="Cashier")
    with translation.override("ru"):
        entry = activity_record(
            actor=manager.user,
            action="position.create",
            target=position,
            message=gettext_lazy("Position “%(name)s” created"),
            params={"name": position.name},
        )
    entry.refresh_from_db()
    assert entry.message == "Position “%(name)s” created"
    assert entry.params == {"name": "Cashier"}
    # The source-language line, for the admin's search, whatever the writer's language.
    assert entry.summary == "Position “Cashier” created"


def test_a_line_reads_in_the_language_of_whoever_reads_it(manager):
    position = PositionFactory.create(name="Кассир")
    entry = activity_record(
        actor=manager.user,
        action="position.create",
        target=position,
        message=gettext_lazy("Position “%(name)s” created"),
        params={"name": position.name},
    )
    with translation.override("ru"):
        russian = Activity.objects.get(pk=entry.pk).text
    with translation.override("en"):
        english = Activity.objects.get(pk=entry.pk).text
    assert english == "Position “Кассир” created"
    assert russian != english
    assert "Кассир" in russian


def test_a_word_passed_as_a_parameter_is_translated_when_read(manager):
    position = PositionFactory.create(name="Cashier")
    entry = activity_record(
        actor=manager.user,
        action="position.move",
        target=position,
        message=gettext_lazy("“%(name)s” moved %(direction)s"),
        params={"name": "Cashier", "direction": gettext_lazy("up")},
    )
    assert entry.params["direction"] == {"msgid": "up"}
    with translation.override("ru"):
        assert "вверх" in Activity.objects.get(pk=entry.pk).text


def test_rows_recorded_before_messages_keep_their_summary():
    position = PositionFactory.create(name="Cashier")
    entry = Activity.objects.create(
        action="position.create",
        target_type="roles.position",
        target_id=str(position.pk),
        summary="Должность «Кассир» создана",
    )
    with translation.override("en"):
        assert entry.text == "Должность «Кассир» создана"


def test_a_line_whose_parameters_no_longer_fit_still_reads():
    entry = Activity(message="“%(name)s” moved %(direction)s", params={"name": "Cashier"})
    assert entry.text == "“%(name)s” moved %(direction)s"


def test_nobody_signed_in_reads_as_the_system():
    position = PositionFactory.create()
    entry = activity_record(
        actor=None, action="position.create", target=position, message="Created"
    )
    assert entry.actor is None
    with translation.override("en"):
        assert entry.actor_name == "system"


def test_the_history_of_an_object_is_its_own_newest_first(manager):
    mine, other = PositionFactory.create(), PositionFactory.create()
    for message in ("first", "second"):
        activity_record(actor=manager.user, action="x", target=mine, message=message)
    activity_record(actor=manager.user, action="x", target=other, message="elsewhere")
    assert [entry.text for entry in activity_for(mine)] == ["second", "first"]


def test_a_built_row_is_not_saved_until_the_caller_saves_it(manager):
    position = PositionFactory.create()
    row = activity_build(actor=manager.user, action="x", target=position, message="bulk")
    assert row.pk is None
    Activity.objects.bulk_create([row])
    assert Activity.objects.filter(message="bulk").count() == 1
