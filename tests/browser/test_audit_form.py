"""The auditor's phone form in Chromium: answers saved one by one, kept on the phone
while offline and sent when the connection returns; the submission shows the score;
a manager finalizes at desktop size. Also measures what the form page transfers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from audits.models import AuditItem, AuditStatus, Evidence
from tests.audits.conftest import (
    build_audit,
    build_book,
    build_template,
    items_by_key,
    steps_in_order,
)
from tests.factories import EmployeeFactory, PositionFactory

from .conftest import DESKTOP, SCREENSHOTS, log_in, screenshot

PAGE_BUDGET_BYTES = 200_000


@pytest.fixture
def scenario(manager, auditor, company, staff_member):
    """The audits tests' book, template and audit of Sales, with a receptionist to observe."""
    receptionist_position = PositionFactory.create(name="Receptionist")
    receptionist = EmployeeFactory.create(
        full_name="Rita Reception", department=company.sales, position=receptionist_position
    )
    book = build_book(manager.user, receptionist_position, staff_member.position)
    audit = build_audit(build_template(book, manager.user), manager.user, auditor, company.sales)
    return book, audit, receptionist


def answer(page, item_id: int, value: str) -> None:
    page.click(f"#item-{item_id} label.a-{value}")


def wait_saved(page, selector: str) -> None:
    page.wait_for_function(
        "sel => { const box = document.querySelector(sel + ' .st'); "
        "return box && box.textContent.trim().startsWith('Saved'); }",
        arg=selector,
    )


def form_page_bytes(page, url: str) -> dict[str, int]:
    """Bytes of the HTML, CSS and JavaScript the form page downloads, with the browser
    cache off: the body sizes the browser itself reports (Resource Timing)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.goto(url)
    page.wait_for_load_state("load")
    entries = page.evaluate(
        """() => [performance.getEntriesByType('navigation')[0],
                  ...performance.getEntriesByType('resource')]
            .map(e => ({name: e.name, type: e.entryType, bytes: e.encodedBodySize}))"""
    )
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.detach()
    sizes = {"document": 0, "stylesheet": 0, "script": 0}
    for entry in entries:
        path = entry["name"].split("?")[0]
        if entry["type"] == "navigation":
            sizes["document"] += entry["bytes"]
        elif path.endswith(".css"):
            sizes["stylesheet"] += entry["bytes"]
        elif path.endswith(".js"):
            sizes["script"] += entry["bytes"]
    sizes["total"] = sizes["document"] + sizes["stylesheet"] + sizes["script"]
    return sizes


def test_an_auditor_fills_the_form_offline_and_a_manager_finalizes(
    live_server, browser, phone_page, scenario, staff_member, tmp_path
):
    book, audit, receptionist = scenario
    page = phone_page
    items = items_by_key(audit, book)
    phone, needs, discount = steps_in_order(audit)
    log_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/audits/")
    page.click(f"a[href='/audits/{audit.pk}/fill/']")
    page.wait_for_selector("#audit-form")

    sizes = form_page_bytes(page, f"{live_server.url}/audits/{audit.pk}/fill/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    Path(SCREENSHOTS.parent / "audit_form_bytes.json").write_text(json.dumps(sizes))
    assert 0 < sizes["total"] < PAGE_BUDGET_BYTES, sizes

    # Online: each answer is saved as it is given.
    page.fill("#visited_at", "2026-03-05T14:30")
    page.select_option("#channel", "in_person")
    wait_saved(page, "#visit")
    page.select_option(f"#employee-{phone.pk}", str(receptionist.pk))
    wait_saved(page, f"[data-unit='step-{phone.pk}']")
    answer(page, items["rings"], "yes")
    answer(page, items["greeting"], "no")
    answer(page, items["come_over"], "yes")
    for name in ("rings", "greeting", "come_over"):
        wait_saved(page, f"#item-{items[name]}")
    assert AuditItem.objects.get(pk=items["greeting"]).answer == "no"
    # A photo taken for the broken greeting goes up at once and shows as a thumbnail.
    photo = tmp_path / "greeting.jpg"
    Image.new("RGB", (64, 48), (30, 90, 200)).save(photo, "JPEG")
    page.click(f"#item-{items['greeting']} summary")
    page.set_input_files(f"#photo-{items['greeting']}", str(photo))
    page.wait_for_selector(f"#photos-{items['greeting']} img")
    assert Evidence.objects.filter(item_id=items["greeting"]).count() == 1
    screenshot(page, "audit-form-online")

    # Offline: answers wait on the phone, nothing reaches the server.
    page.context.set_offline(True)
    page.click(f"#step-{needs.pk} > summary")
    page.select_option(f"#employee-{needs.pk}", str(staff_member.pk))
    answer(page, items["formal"], "yes")
    answer(page, items["budget"], "no")
    page.click(f"#step-{discount.pk} > summary")
    page.select_option(f"#employee-{discount.pk}", str(staff_member.pk))
    answer(page, items["answer_time"], "no")
    answer(page, items["interim"], "na")
    page.wait_for_selector("#audit-offline:not([hidden])")
    page.wait_for_function(
        "id => document.querySelector('#item-' + id + ' .st').textContent.includes('Waiting')",
        arg=items["interim"],
    )
    pending = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('audit-draft:'))"
        ".map(k => Object.keys(JSON.parse(localStorage.getItem(k))).length)"
    )
    assert pending == [6]
    assert AuditItem.objects.get(pk=items["formal"]).answer == ""
    screenshot(page, "audit-form-offline")

    # Back online: everything waiting is sent and shown as saved.
    page.context.set_offline(False)
    for name in ("formal", "budget", "answer_time", "interim"):
        wait_saved(page, f"#item-{items[name]}")
    wait_saved(page, f"[data-unit='step-{discount.pk}']")
    assert page.is_hidden("#audit-offline")
    saved = dict(AuditItem.objects.filter(audit=audit).values_list("pk", "answer"))
    assert saved[items["interim"]] == "na" and saved[items["budget"]] == "no"

    # Submit: 4 of 6 + 3 of 5 + 0 of 3 = 7 of 14 = 50 %.
    page.click("button[data-submit]")
    page.wait_for_url(f"**/audits/{audit.pk}/result/")
    assert page.inner_text("#audit-score").strip() == "50.0 %"
    draft_keys = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('audit-'))"
    )
    assert draft_keys == []
    screenshot(page, "audit-result")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED

    # A manager finalizes it on a desktop.
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    desk = context.new_page()
    try:
        log_in(desk, live_server.url, "manager")
        desk.goto(f"{live_server.url}/audits/{audit.pk}/")
        assert "50.0 %" in desk.inner_text("#audit-score")
        desk.click("button:has-text('Finalize')")
        desk.wait_for_selector(".status-final")
        screenshot(desk, "audit-report-final")
    finally:
        context.close()
    audit.refresh_from_db()
    assert audit.status == AuditStatus.FINAL


def test_answers_left_unsent_in_a_closed_tab_are_sent_when_the_form_opens_again(
    live_server, phone_page, scenario
):
    book, audit, _receptionist = scenario
    page = phone_page
    items = items_by_key(audit, book)
    log_in(page, live_server.url, "auditor")
    page.goto(f"{live_server.url}/audits/{audit.pk}/fill/")
    page.context.set_offline(True)
    answer(page, items["rings"], "no")
    page.click(f"#item-{items['rings']} summary")
    page.fill(f"#comment-{items['rings']}", "Nine rings.")
    page.click(f"#item-{items['rings']} legend")  # leave the field: its change is given
    page.wait_for_function(
        "id => document.querySelector('#item-' + id + ' .st').textContent.includes('Waiting')",
        arg=items["rings"],
    )
    context = page.context
    page.close()
    assert AuditItem.objects.get(pk=items["rings"]).answer == ""

    context.set_offline(False)
    again = context.new_page()
    again.goto(f"{live_server.url}/audits/{audit.pk}/fill/")
    wait_saved(again, f"#item-{items['rings']}")
    item = AuditItem.objects.get(pk=items["rings"])
    assert (item.answer, item.comment) == ("no", "Nine rings.")
    assert again.is_checked(f"#item-{items['rings']} input[value=no]")
