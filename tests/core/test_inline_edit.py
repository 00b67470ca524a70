"""The one inline-edit helper: its five answers, with and without htmx."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from core.edits import edit_lock, model_update
from core.forms import EditFormMixin
from core.views import InlineEdit, inline_edit
from roles.models import Position
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db


class NameForm(EditFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=50)


def _request(method: str, data: dict[str, str] | None = None, *, htmx: bool = False) -> Any:
    factory = RequestFactory()
    headers = {"HX-Request": "true"} if htmx else {}
    request: Any = (
        factory.post("/edit/", data or {}, headers=headers)
        if method == "POST"
        else factory.get("/edit/", headers=headers)
    )
    request.htmx = HtmxDetails(request)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _save(position: Position, form: NameForm) -> Any:
    def save(data: dict[str, Any]) -> Position:
        edit_lock(Position, position.pk, expected=form.expected_revision)
        if data["name"] == "Forbidden":
            raise ValidationError({"name": "That name is not allowed."})
        model_update(instance=position, data={"name": data["name"]})
        return position

    return save


def _answer(request: Any, position: Position) -> HttpResponse:
    form = NameForm(request.POST or None, instance=position)
    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="core/form_errors.html",
            title="Edit the position",
            save=_save(position, form),
            saved=lambda saved: HttpResponse(f"row of {saved.name}"),
            done_url=lambda saved: f"/positions/#position-{saved.pk}",
            done_message=lambda saved: f"{saved.name} saved.",
        ),
    )


def _data(position: Position, name: str) -> dict[str, str]:
    return {"name": name, "updated_at": position.updated_at.isoformat()}


def test_it_shows_the_form_as_a_fragment_to_htmx_and_as_a_page_without_it():
    position = PositionFactory.create(name="Cashier")
    fragment = _answer(_request("GET", htmx=True), position)
    page = _answer(_request("GET"), position)
    assert fragment.status_code == page.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "<html" in page.content.decode()
    assert "Edit the position" in page.content.decode()


def test_it_answers_bad_input_with_422_and_keeps_what_was_typed():
    position = PositionFactory.create(name="Cashier")
    response = _answer(
        _request("POST", {"name": "", "updated_at": position.updated_at.isoformat()}), position
    )
    assert response.status_code == 422
    position.refresh_from_db()
    assert position.name == "Cashier"


def test_it_refuses_a_form_that_does_not_say_which_version_it_edits():
    position = PositionFactory.create(name="Cashier")
    response = _answer(_request("POST", {"name": "Overwrite"}), position)
    assert response.status_code == 422
    assert "out of date" in response.content.decode()
    position.refresh_from_db()
    assert position.name == "Cashier"


def test_it_answers_a_stale_edit_with_409_and_what_is_saved_now():
    position = PositionFactory.create(name="Cashier")
    stale = _data(position, "Mine")
    model_update(instance=position, data={"name": "Theirs"})
    response = _answer(_request("POST", stale, htmx=True), Position.objects.get(pk=position.pk))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved a change" in body
    assert "Theirs" in body
    assert Position.objects.get(pk=position.pk).name == "Theirs"


def test_it_shows_a_rule_of_the_service_on_the_form_with_422():
    position = PositionFactory.create(name="Cashier")
    response = _answer(_request("POST", _data(position, "Forbidden")), position)
    assert response.status_code == 422


def test_a_save_answers_htmx_with_the_row_and_a_browser_with_a_redirect():
    position = PositionFactory.create(name="Cashier")
    row = _answer(_request("POST", _data(position, "Head cashier"), htmx=True), position)
    assert row.status_code == 200
    assert row.content.decode() == "row of Head cashier"
    position.refresh_from_db()
    redirect = _answer(_request("POST", _data(position, "Chief cashier")), position)
    assert redirect.status_code == 302
    assert redirect["Location"] == f"/positions/#position-{position.pk}"
