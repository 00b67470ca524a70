"""A customer answers on a phone; a manager finds the answer, tags it and closes the loop."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from nps.models import FollowUp, Response
from tests.browser.conftest import log_in, screenshot
from tests.factories import StepFactory
from tests.nps.factories import ProblemTagFactory, SurveyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_answers_3_and_a_manager_tags_it_and_marks_it_contacted(
    phone_page: Any, live_server: Any, manager: Any, company: Any
) -> None:
    survey = SurveyFactory.create(
        name="After the deal", department=company.sales, step=StepFactory.create(name="Handover")
    )
    ProblemTagFactory.create(name="Kept waiting for a discount")
    page = phone_page

    page.goto(f"{live_server.url}{survey.public_path()}")
    expect(page.get_by_role("heading", name="How likely are you to recommend us")).to_be_visible()
    buttons = page.locator("button.score-button")
    expect(buttons).to_have_count(11)
    box = buttons.nth(3).bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    screenshot(page, "nps-survey-question")
    page.get_by_role("button", name="3", exact=True).click()

    expect(page.get_by_text("Your score 3 is saved")).to_be_visible()
    page.get_by_label(survey.follow_up_en).fill("Waited an hour for the discount, got floor mats")
    screenshot(page, "nps-survey-follow-up")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    screenshot(page, "nps-survey-thanks")
    response = Response.objects.get()
    assert (response.score, response.comment) == (
        3,
        "Waited an hour for the discount, got floor mats",
    )

    page.context.clear_cookies()
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/nps/")
    row = page.locator(f"#response-{response.pk}")
    expect(row).to_contain_text("Waited an hour for the discount")
    expect(row).to_contain_text("Open")
    screenshot(page, "nps-responses-list")
    row.get_by_role("link").first.click()

    page.evaluate("window.stillTheSamePage = true")
    tags = page.locator("#response-tags")
    tags.get_by_label("Kept waiting for a discount").check()
    tags.get_by_role("button", name="Save tags").click()
    expect(page.locator("#response-tags")).to_contain_text("Problem tags saved.")

    follow_up = page.locator("#response-follow-up")
    follow_up.get_by_label("Follow-up status").select_option("contacted")
    follow_up.get_by_label("Note").fill("Called back, apologised, offered a free service")
    follow_up.get_by_role("button", name="Save follow-up").click()
    expect(page.locator("#response-follow-up")).to_contain_text("Follow-up saved.")
    expect(page.locator("#response-follow-up .badge")).to_have_text("Contacted")
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "nps-response-tagged-and-contacted")

    response.refresh_from_db()
    assert response.follow_up_status == FollowUp.CONTACTED
    assert list(response.tags.values_list("name", flat=True)) == ["Kept waiting for a discount"]
