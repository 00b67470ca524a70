"""The shared write mechanics: guarded edits, updates, activation and order."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.edits import (
    EditConflict,
    edit_lock,
    model_create,
    model_update,
    move,
    renumber,
    set_active,
)
from core.models import Activity
from journeys.models import Stage
from roles.models import Position
from standards.models import Term
from tests.factories import JourneyFactory, PositionFactory, StageFactory
from tests.standards.factories import BookVersionFactory, TermFactory

pytestmark = pytest.mark.django_db


def test_it_lets_an_edit_through_when_the_row_is_as_the_editor_saw_it():
    position = PositionFactory.create(name="Cashier")
    assert edit_lock(type(position), position.pk, expected=position.updated_at) == position


def test_it_refuses_an_edit_made_on_an_older_updated_at():
    position = PositionFactory.create(name="Cashier")
    seen = position.updated_at
    model_update(instance=position, data={"name": "Senior cashier"})
    with pytest.raises(EditConflict) as error:
        edit_lock(type(position), position.pk, expected=seen)
    current = error.value.current
    assert isinstance(current, Position)
    assert current.name == "Senior cashier"


def test_it_refuses_an_edit_made_on_an_older_revision_number():
    term = TermFactory.create(
        version=BookVersionFactory.create(), term="NPS", definition="Net promoter score"
    )
    seen = term.revision
    model_update(instance=term, data={"definition": "Net Promoter Score"})
    assert Term.objects.get(pk=term.pk).revision == seen + 1
    with pytest.raises(EditConflict):
        edit_lock(Term, term.pk, expected=seen)
    assert edit_lock(Term, term.pk, expected=seen + 1).definition == "Net Promoter Score"


def test_it_compares_nothing_when_the_editor_sent_no_revision():
    position = PositionFactory.create()
    assert edit_lock(type(position), position.pk, expected=None) == position


def test_model_update_saves_only_what_changed_and_says_what_it_was():
    position = PositionFactory.create(name="Cashier", description="Takes payments.")
    before = position.updated_at
    with CaptureQueriesContext(connection) as queries:
        changes = model_update(
            instance=position, data={"name": "Head cashier", "description": "Takes payments."}
        )
    assert changes == {"name": ["Cashier", "Head cashier"]}
    updates = [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"description"' not in updates[0]
    position.refresh_from_db()
    assert position.name == "Head cashier"
    assert position.updated_at > before


def test_model_update_writes_nothing_when_nothing_changed(django_assert_num_queries):
    position = PositionFactory.create(name="Cashier")
    with django_assert_num_queries(0):
        assert model_update(instance=position, data={"name": "Cashier"}) == {}


def test_model_update_validates_before_it_writes():
    position = PositionFactory.create(name="Cashier")
    with pytest.raises(ValidationError):
        model_update(instance=position, data={"name": ""})
    position.refresh_from_db()
    assert position.name == "Cashier"


def test_model_create_validates_saves_and_records_the_new_object(manager):
    position = model_create(
        actor=manager.user,
        instance=Position(name="Cashier"),
        message="Position “%(name)s” created",
        params={"name": "Cashier"},
    )
    assert Position.objects.get(pk=position.pk).name == "Cashier"
    entry = Activity.objects.get(target_id=str(position.pk))
    assert (entry.action, entry.actor, entry.text) == (
        "position.create",
        manager.user,
        "Position “Cashier” created",
    )


def test_model_create_writes_nothing_when_the_object_is_invalid(manager):
    positions, entries = Position.objects.count(), Activity.objects.count()
    with pytest.raises(ValidationError):
        model_create(actor=manager.user, instance=Position(name=""), message="created")
    assert (Position.objects.count(), Activity.objects.count()) == (positions, entries)


def test_set_active_switches_and_records_it(manager):
    position = PositionFactory.create(name="Cashier")
    set_active(
        actor=manager.user,
        instance=position,
        is_active=False,
        message="Position “%(name)s” deactivated",
        params={"name": position.name},
    )
    position.refresh_from_db()
    assert position.is_active is False
    entry = Activity.objects.get(target_id=str(position.pk))
    assert entry.action == "position.deactivate"
    assert entry.actor == manager.user
    assert entry.text == "Position “Cashier” deactivated"


def _stages(count: int) -> list[Stage]:
    journey = JourneyFactory.create()
    return [StageFactory.create(journey=journey, order=index * 10) for index in range(count)]


def test_move_swaps_with_the_neighbour_and_numbers_without_gaps():
    first, second, third = _stages(3)
    assert move([first, second, third], third, "up") is True
    orders = dict(Stage.objects.values_list("pk", "order"))
    assert [orders[first.pk], orders[third.pk], orders[second.pk]] == [0, 1, 2]


def test_move_past_either_end_changes_nothing_but_the_numbering():
    first, second = _stages(2)
    assert move([first, second], first, "up") is False
    assert dict(Stage.objects.values_list("pk", "order")) == {first.pk: 0, second.pk: 1}


def test_move_refuses_a_direction_it_does_not_know():
    first, second = _stages(2)
    with pytest.raises(ValidationError):
        move([first, second], first, "sideways")


def test_renumbering_is_not_an_edit_of_the_item():
    first, second = _stages(2)
    seen = Stage.objects.get(pk=second.pk).updated_at
    renumber([second, first], start=1)
    second.refresh_from_db()
    assert second.order == 1
    assert second.updated_at == seen
    assert isinstance(seen, datetime.datetime)
