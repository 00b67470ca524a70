"""A manager maps a step and a situation in the real browser and finds them among the duties."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from journeys.models import Situation, SituationKind, Step
from tests.browser.conftest import log_in, screenshot
from tests.factories import JourneyFactory, PositionFactory, StageFactory, StepFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_adds_a_step_and_a_situation_and_sees_them_as_duties(
    page: Any, live_server: Any, manager: Any
) -> None:
    receptionist = PositionFactory.create(name="Receptionist")
    salesperson = PositionFactory.create(name="Sales consultant")
    journey = JourneyFactory.create(name="Buying a car")
    StepFactory.create(
        stage=StageFactory.create(journey=journey, name="First call", order=0),
        name="Answer the phone",
        responsible_position=receptionist,
    )
    visit = StageFactory.create(journey=journey, name="Visit", order=1)
    StepFactory.create(stage=visit, name="Greet at the door", responsible_position=salesperson)

    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/journeys/{journey.pk}/")
    expect(page.get_by_role("heading", name="Buying a car")).to_be_visible()
    # Survives only if nothing below reloads the page.
    page.evaluate("window.stillTheSamePage = true")

    stage = page.locator(f"#stage-{visit.pk}")
    stage.get_by_role("link", name="+ Add step").click()
    form = stage.locator("form.map-form")
    expect(form.get_by_label("Name")).to_be_focused()
    form.get_by_label("Name").fill("Offer a drink while waiting")
    form.get_by_label("Channel").select_option(label="In person")
    form.get_by_label("Responsible position").select_option(label="Receptionist")
    screenshot(page, "journey-map-add-step-form")
    form.get_by_role("button", name="Add step").click()

    step_card = page.locator(".step-card", has_text="Offer a drink while waiting")
    expect(step_card).to_be_visible()
    expect(step_card).to_contain_text("In person")
    expect(step_card).to_contain_text("Receptionist")
    step = Step.objects.get(name="Offer a drink while waiting")
    assert step.stage_id == visit.pk

    step_card.get_by_role("link", name="+ Add situation").click()
    situation_form = step_card.locator("form.map-form")
    situation_form.get_by_label("Name").fill("The customer waits more than 10 minutes")
    situation_form.get_by_label("Kind").select_option(label="Negative")
    # The step's position is suggested for its situations.
    expect(situation_form.get_by_label("Responsible position")).to_have_value(str(receptionist.pk))
    situation_form.get_by_role("button", name="Add situation").click()

    situation_item = step_card.locator(
        "li.situation", has_text="The customer waits more than 10 minutes"
    )
    expect(situation_item).to_be_visible()
    expect(situation_item.locator(".badge-negative")).to_have_text("⚠ Negative")
    assert Situation.objects.get(step=step).kind == SituationKind.NEGATIVE
    assert page.evaluate("window.stillTheSamePage") is True
    step_card.scroll_into_view_if_needed()
    screenshot(page, "journey-map-step-and-situation-added")

    step_card.locator(":scope > .step-meta").get_by_role("link", name="Receptionist").click()
    expect(page.get_by_role("heading", name="Receptionist", level=1)).to_be_visible()
    duties = page.locator("section[aria-labelledby='duties-heading']")
    expect(duties).to_contain_text("Offer a drink while waiting")
    expect(duties).to_contain_text("The customer waits more than 10 minutes")
    expect(duties).to_contain_text("Answer the phone")
    expect(duties).not_to_contain_text("Greet at the door")
    screenshot(page, "journey-duties-of-receptionist")
