"""The scorecards in a real browser: a salesperson reads theirs on a phone and follows a
failure into the book; a manager steers from the dashboard, drills down and recomputes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.scorecards.conftest import add_sales_audits, moscow, respond
from tests.scorecards.conftest import general_rules as general_rules  # fixtures shared
from tests.scorecards.conftest import receptionist_position as receptionist_position  # with
from tests.scorecards.conftest import rita as rita  # the scorecard tests, by name
from tests.scorecards.conftest import salesperson_position as salesperson_position
from tests.scorecards.conftest import scenario as scenario
from tests.scorecards.conftest import survey as survey

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def march(scenario, manager, auditor, company, staff_member, rita, survey, general_rules) -> Any:
    """One final audit of Sales in March 2026 (committed, so the figures are computed):
    Anna (staff_member) 9/11 = 81.82 % -> band 70-85 -> 0.95; Rita 6/6."""
    audit = add_sales_audits(
        scenario, manager=manager, auditor=auditor, company=company, anna=staff_member, rita=rita
    )[0]
    respond(
        survey, score=10, at=moscow(2026, 3, 3), department=company.sales, employee=staff_member
    )
    respond(survey, score=3, at=moscow(2026, 3, 4), department=company.sales, employee=staff_member)
    return audit


def test_staff_read_their_scorecard_on_a_phone_and_open_the_failed_rule_in_the_book(
    phone_page: Any, live_server: Any, march: Any, scenario: Any
) -> None:
    page = phone_page
    log_in(page, live_server.url, "staff_member")
    menu = page.get_by_role("navigation", name="Main")
    # On a phone the menu is folded behind its button; one tap opens it.
    menu.get_by_role("button", name="Menu").click()
    menu.get_by_role("link", name="My scorecard").click()
    expect(page.get_by_role("heading", name="My scorecard")).to_be_visible()
    page.goto(f"{live_server.url}/scorecards/me/?month=2026-03")
    expect(page.get_by_role("heading", name="March 2026")).to_be_visible()
    expect(page.locator(".score-card").first).to_contain_text("81.82 %")
    expect(
        page.get_by_text("81.82 % falls in the band from 70 % to below 85 % → 0.95")
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Compliance per month"))).to_be_visible()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "scorecard-staff")

    budget = scenario.requirements["budget"]
    failure = page.locator(".failure").filter(has_text=budget.text)
    failure.get_by_role("link", name="Read it in the book").click()
    expect(page).to_have_url(
        re.compile(rf"/standards/versions/{budget.version_id}/#r-{budget.lineage_key}$")
    )
    expect(page.locator(f"#r-{budget.lineage_key}")).to_contain_text(budget.text)

    page.go_back()
    page.get_by_role("link", name="Previous month").click()
    expect(page.get_by_role("heading", name="February 2026")).to_be_visible()
    expect(page.get_by_text("No audits this month: no band applies.")).to_be_visible()


def test_a_manager_drills_down_and_recomputes(
    page: Any, live_server: Any, march: Any, company: Any
) -> None:
    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/scorecards/?month=2026-03")
    expect(page.get_by_role("heading", name="Dealership · March 2026")).to_be_visible()
    tree = page.locator("table.dashboard-tree")
    # Sales with Used cars: Rita 6/6 + Anna 9/11 = 15/17 = 88.24 %.
    tree.get_by_role("link", name="Sales", exact=True).click()
    expect(page.get_by_role("heading", name="Sales · March 2026")).to_be_visible()
    expect(page.locator(".score-card").first).to_contain_text("88.24 %")
    ranking = page.locator("table.ranking")
    expect(ranking.locator("tbody tr").first).to_contain_text("Rita Reception")
    screenshot(page, "scorecard-dashboard")

    page.locator(".score-card").first.get_by_role("link", name="88.24 %").click()
    expect(page.get_by_role("heading", name="Audits behind Sales")).to_be_visible()
    expect(page.locator("table.responsive tbody tr")).to_have_count(3)
    page.go_back()

    page.get_by_role("button", name="Recompute the last 13 months").click()
    expect(page.locator("#recompute")).to_contain_text("Last recompute finished", timeout=20_000)
    expect(page.get_by_role("button", name="Recompute the last 13 months")).to_be_visible()
    screenshot(page, "scorecard-recompute")
