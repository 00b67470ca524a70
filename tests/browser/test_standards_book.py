"""A manager edits and publishes the book in a real browser; a salesperson reads what
changed for them and confirms, at phone and desktop width."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from standards.models import Acknowledgement, BookVersion, Requirement, VersionStatus
from tests.browser.conftest import log_in, screenshot
from tests.standards.conftest import PublishedBook
from tests.standards.conftest import phone_step as phone_step  # fixtures shared with
from tests.standards.conftest import published_book as published_book  # the standards
from tests.standards.conftest import salesperson as salesperson  # tests, by name

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_edits_and_publishes_and_staff_acknowledges(
    page: Any, live_server: Any, staff_member: Any, manager: Any, published_book: PublishedBook
) -> None:
    # The salesperson has read version 1; only version 2 will be new for them.
    Acknowledgement.objects.filter(employee=staff_member).update(
        acknowledged_at="2026-01-01T00:00Z"
    )
    width = page.viewport_size["width"]

    log_in(page, live_server.url, "manager")
    page.goto(f"{live_server.url}/standards/versions/")
    page.get_by_role("button", name="New draft").click()
    expect(page.get_by_role("heading", name="Draft 2")).to_be_visible()
    draft = BookVersion.objects.get(status=VersionStatus.DRAFT)
    requirement = Requirement.objects.get(
        version=draft, lineage_key=published_book.greeting.lineage_key
    )

    # Inline edit: no page load between opening the form and seeing the saved text.
    page.evaluate("window.stillTheSamePage = true")
    item = page.locator(f"#requirement-{requirement.pk}")
    item.get_by_role("button", name="Edit").click()
    text = page.locator(f"#requirement-{requirement.pk} textarea")
    expect(text).to_be_focused()
    text.fill("")
    page.locator(f"#requirement-{requirement.pk}").get_by_role("button", name="Save").click()
    expect(page.locator(f"#requirement-{requirement.pk}")).to_contain_text(
        "This field is required."
    )
    screenshot(page, "standards-editor-error")
    page.locator(f"#requirement-{requirement.pk} textarea").fill("Answer within two rings.")
    page.locator(f"#requirement-{requirement.pk}").get_by_role("button", name="Save").click()
    expect(page.locator(f"#requirement-{requirement.pk}")).to_contain_text(
        "Answer within two rings."
    )
    expect(page.locator(f"#requirement-{requirement.pk} textarea")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "standards-editor")

    page.get_by_role("button", name="Publish…").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("What changed").fill("Faster answers on the phone.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Version 2 is published.")).to_be_visible()
    assert BookVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED

    page.context.clear_cookies()
    log_in(page, live_server.url, "staff_member")
    page.goto(f"{live_server.url}/standards/mine/")
    banner = page.get_by_role("status").filter(has_text="New version: what changed for you")
    expect(banner).to_be_visible()
    screenshot(page, "standards-my-standards")
    banner.get_by_role("button", name="Read what changed").click()
    expect(page.get_by_text("Faster answers on the phone.")).to_be_visible()
    expect(page.locator("del", has_text="three")).to_be_visible()
    expect(page.locator("ins", has_text="two")).to_be_visible()
    screenshot(page, "standards-what-changed")
    page.get_by_role("button", name="I have read the changes").click()
    expect(page.get_by_text("Thank you: you confirmed that you read the changes.")).to_be_visible()
    expect(page.get_by_text("New version: what changed for you")).to_have_count(0)
    assert not Acknowledgement.objects.filter(
        employee=staff_member, acknowledged_at__isnull=True
    ).exists()
    # The page is usable at this width: nothing forces a horizontal scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
