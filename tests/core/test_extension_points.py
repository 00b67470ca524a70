"""The places where apps plug into each other without importing upwards: the menu,
events and page panels."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from core import events, panels

pytestmark = pytest.mark.django_db


def _menu(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    return {
        str(section.label): [str(link.label) for link in section.links]
        for section in response.context["menu"]
    }


def test_the_menu_shows_a_manager_the_organisation_and_the_figures(manager_client):
    menu = _menu(manager_client, reverse("home"))
    assert menu["Organisation"] == ["Employees", "Departments", "Positions"]
    assert "Dashboard" in menu["Figures"]
    assert "My scorecard" not in menu["Figures"]


def test_the_menu_shows_staff_only_their_own_pages(staff_client):
    menu = _menu(staff_client, reverse("home"))
    assert "Organisation" not in menu
    assert menu["Figures"] == ["My scorecard"]
    assert menu["Standards"] == ["My standards", "Standards book"]
    assert menu["Audits"] == ["My audits"]


def test_the_menu_marks_the_page_being_shown(manager_client):
    response = manager_client.get(reverse("roles:position_list"))
    current = [
        str(link.label)
        for section in response.context["menu"]
        for link in section.links
        if link.is_current
    ]
    assert current == ["Positions"]


def test_nobody_signed_out_gets_a_menu(client):
    response = client.get(reverse("login"))
    assert response.context["menu"] == []


def test_a_user_with_no_role_gets_no_links(outsider_client):
    assert _menu(outsider_client, reverse("home")) == {}


@dataclass(frozen=True)
class Happened:
    value: int


def test_an_event_reaches_every_handler_once_in_order():
    seen: list[str] = []

    def first(event: Happened) -> None:
        seen.append(f"first {event.value}")

    def second(event: Happened) -> None:
        seen.append(f"second {event.value}")

    events.subscribe(Happened, first)
    events.subscribe(Happened, second)
    events.subscribe(Happened, first)
    try:
        events.publish(Happened(7))
    finally:
        events.unsubscribe(Happened, first)
        events.unsubscribe(Happened, second)
    assert seen == ["first 7", "second 7"]
    events.publish(Happened(8))
    assert seen == ["first 7", "second 7"]


def test_a_panel_with_nothing_to_show_is_left_out_and_the_rest_come_in_order():
    slot = "test-slot"
    later = panels.Panel("later.html", lambda *, number: {"number": number * 2}, order=20)
    empty = panels.Panel("empty.html", lambda *, number: None, order=5)
    sooner = panels.Panel("sooner.html", lambda *, number: {"number": number}, order=10)
    for panel in (later, empty, sooner):
        panels.register(slot, panel)
    shown = panels.panels_for(slot, number=3)
    assert [(panel.template, panel.context) for panel in shown] == [
        ("sooner.html", {"number": 3}),
        ("later.html", {"number": 6}),
    ]
