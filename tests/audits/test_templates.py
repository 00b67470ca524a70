"""Checklist templates: built from a published version, items left out, updated to a
newer version with added / removed / reworded items matched by lineage key."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits import services
from audits.models import Audit, ChecklistTemplate, TemplateItem
from audits.selectors import template_newer_version, template_upgrade_plan
from core.models import Activity
from standards import services as book_services
from standards.models import Requirement, RequirementKind

from .conftest import scenario_keys


def item_texts(template: ChecklistTemplate) -> list[list[str]]:
    return [
        [item.requirement.text for item in step.items.order_by("order")]
        for step in template.steps.order_by("order")
    ]


def test_items_are_the_auditable_requirements_of_the_responsible_positions_in_journey_order(
    template,
):
    assert [step.title for step in template.steps.order_by("order")] == [
        "Phone call",
        "Needs",
        "Asks for a discount",
    ]
    assert item_texts(template) == [
        [
            "Answer within three rings.",
            "Greet, say your name and the company.",
            "Tell the caller to just come over.",
        ],
        ["Address the customer formally.", "Ask about the budget."],
        ["Answer within 15 minutes.", "Give an interim message."],
    ]


def test_steps_are_ordered_by_the_journey_not_by_the_order_they_were_picked(book, manager):
    keys = list(reversed(scenario_keys(book)))
    template = services.template_create(
        actor=manager.user,
        name="Reversed",
        journey=book.phone_step.stage.journey,
        version=book.version,
        place_keys=keys,
    )
    assert [step.title for step in template.steps.order_by("order")] == [
        "Phone call",
        "Needs",
        "Asks for a discount",
    ]


def test_it_records_who_created_the_template(template, manager):
    entry = Activity.objects.get(action="checklist_template.create")
    assert entry.actor == manager.user
    assert entry.target_id == str(template.pk)


def test_it_refuses_a_draft_version(book, manager):
    draft = book_services.version_new_draft(actor=manager.user, book=book.version.book)
    with pytest.raises(ValidationError) as error:
        services.template_create(
            actor=manager.user,
            name="From a draft",
            journey=book.phone_step.stage.journey,
            version=draft,
            place_keys=scenario_keys(book),
        )
    assert "version" in error.value.message_dict


def test_it_refuses_a_place_with_nothing_to_check(book, manager):
    with pytest.raises(ValidationError) as error:
        services.template_create(
            actor=manager.user,
            name="Nothing",
            journey=book.phone_step.stage.journey,
            version=book.version,
            place_keys=[f"situation-{book.review.pk}"],
        )
    assert "Bad review online" in str(error.value.message_dict["places"])


def test_it_refuses_a_second_template_with_the_same_name_in_another_case(template, book, manager):
    with pytest.raises(ValidationError):
        services.template_create(
            actor=manager.user,
            name=template.name.upper(),
            journey=book.phone_step.stage.journey,
            version=book.version,
            place_keys=scenario_keys(book),
        )


def test_items_left_out_are_not_handed_to_new_audits(template, book, manager, auditor, company):
    left_out = TemplateItem.objects.get(
        template_step__template=template, requirement=book.requirements["budget"]
    )
    services.template_item_set_included(
        actor=manager.user, template=template, item=left_out, included=False
    )
    audit = services.audit_assign(
        actor=manager.user,
        template=template,
        department=company.sales,
        auditor=auditor,
        window_start=__import__("datetime").date(2026, 1, 1),
        window_end=__import__("datetime").date(2026, 1, 31),
    )
    assert book.requirements["budget"].pk not in set(
        audit.items.values_list("requirement_id", flat=True)
    )
    assert audit.items.count() == 6


def test_it_refuses_to_leave_out_the_last_item(book, manager):
    template = services.template_create(
        actor=manager.user,
        name="Discount only",
        journey=book.phone_step.stage.journey,
        version=book.version,
        place_keys=[f"situation-{book.discount.pk}"],
    )
    first, second = TemplateItem.objects.filter(template_step__template=template)
    services.template_item_set_included(
        actor=manager.user, template=template, item=first, included=False
    )
    with pytest.raises(ValidationError):
        services.template_item_set_included(
            actor=manager.user, template=template, item=second, included=False
        )


# Updating to a newer version ----------------------------------------------------------


def _second_version(book, manager):
    """Version 2: "greeting" reworded, "come_over" deleted, a new phone requirement,
    "budget" reweighted, the rest copied unchanged."""
    actor = manager.user
    draft = book_services.version_new_draft(actor=actor, book=book.version.book)
    copies = {r.lineage_key: r for r in Requirement.objects.filter(version=draft)}

    def copy_of(name):
        return copies[book.requirements[name].lineage_key]

    greeting = copy_of("greeting")
    book_services.requirement_update(
        actor=actor,
        requirement=greeting,
        revision=greeting.revision,
        text="Greet, say your name, the company and offer help.",
        kind=greeting.kind,
        weight=greeting.weight,
        critical=greeting.critical,
        auditable=True,
    )
    budget = copy_of("budget")
    book_services.requirement_update(
        actor=actor,
        requirement=budget,
        revision=budget.revision,
        text=budget.text,
        kind=budget.kind,
        weight=3,
        critical=False,
        auditable=True,
    )
    book_services.requirement_delete(actor=actor, requirement=copy_of("come_over"))
    added = book_services.requirement_create(
        actor=actor,
        parent=copy_of("rings").communication_standard,
        text="Call back a missed call within 15 minutes.",
        kind=RequirementKind.DO,
        weight=2,
    )
    version = book_services.version_publish(actor=actor, version=draft, change_note="Second.")
    return version, added


def test_the_template_page_offers_the_newer_version(template, book, manager, manager_client):
    assert template_newer_version(template) is None
    version, _added = _second_version(book, manager)
    assert template_newer_version(template) == version
    response = manager_client.get(reverse("audits:template", args=[template.pk]))
    assert response.status_code == 200
    assert reverse("audits:template_upgrade", args=[template.pk]) in response.text


def test_the_update_plan_matches_items_by_lineage(template, book, manager):
    version, added = _second_version(book, manager)
    plan = template_upgrade_plan(template, version)
    assert [change.new.text for change in plan.added if change.new] == [added.text]
    assert [change.old.text for change in plan.removed if change.old] == [
        "Tell the caller to just come over."
    ]
    assert sorted(
        (change.old.text, change.new.text) for change in plan.reworded if change.old and change.new
    ) == [
        ("Ask about the budget.", "Ask about the budget."),
        (
            "Greet, say your name and the company.",
            "Greet, say your name, the company and offer help.",
        ),
    ]
    assert plan.unchanged == 4


def test_updating_moves_the_items_and_keeps_what_was_left_out(template, book, manager, audit):
    left_out = TemplateItem.objects.get(
        template_step__template=template, requirement=book.requirements["formal"]
    )
    services.template_item_set_included(
        actor=manager.user, template=template, item=left_out, included=False
    )
    version, _added = _second_version(book, manager)
    template.refresh_from_db()
    services.template_upgrade(
        actor=manager.user,
        template=template,
        version=version,
        expected_updated_at=template.updated_at,
    )
    template.refresh_from_db()
    assert template.version == version
    items = TemplateItem.objects.filter(template_step__template=template).select_related(
        "requirement"
    )
    assert {item.requirement.version_id for item in items} == {version.pk}
    texts = {item.requirement.text: item.included for item in items}
    assert texts["Call back a missed call within 15 minutes."] is True
    assert "Tell the caller to just come over." not in texts
    assert texts["Address the customer formally."] is False
    # The audit assigned before keeps its version and its items.
    audit.refresh_from_db()
    assert audit.version == book.version
    assert audit.items.filter(requirement=book.requirements["come_over"]).exists()
    assert Activity.objects.filter(action="checklist_template.upgrade").count() == 1


def test_a_stale_update_is_refused(template, book, manager, manager_client):
    _version, _added = _second_version(book, manager)
    stale = template.updated_at
    services.template_update(actor=manager.user, template=template, name="Renamed", notes="")
    response = manager_client.post(
        reverse("audits:template_upgrade", args=[template.pk]), {"updated_at": stale.isoformat()}
    )
    assert response.status_code == 409
    template.refresh_from_db()
    assert template.version == book.version


def test_the_update_page_shows_added_removed_and_reworded(template, book, manager, manager_client):
    _second_version(book, manager)
    response = manager_client.get(reverse("audits:template_upgrade", args=[template.pk]))
    assert response.status_code == 200
    page = response.text
    assert "Call back a missed call within 15 minutes." in page
    assert "<del>Tell the caller to just come over.</del>" in page
    assert "<ins>offer help" in page.replace("\n", "") or "offer help" in page


# Pages ------------------------------------------------------------------------------


def test_a_manager_builds_a_template_in_the_browser(book, manager_client):
    journey = book.phone_step.stage.journey
    page = manager_client.get(
        reverse("audits:template_create"), {"version": book.version.pk, "journey": journey.pk}
    )
    assert page.status_code == 200
    assert "Phone call" in page.text and "Asks for a discount" in page.text
    response = manager_client.post(
        reverse("audits:template_create"),
        {
            "version": book.version.pk,
            "journey": journey.pk,
            "name": "Phone only",
            "notes": "Ask if the car is in stock.",
            "places": [f"step-{book.phone_step.pk}"],
        },
    )
    template = ChecklistTemplate.objects.get(name="Phone only")
    assert response.status_code == 302
    assert response.url == reverse("audits:template", args=[template.pk])
    assert TemplateItem.objects.filter(template_step__template=template).count() == 3


def test_the_build_form_keeps_what_was_typed_when_nothing_is_chosen(book, manager_client):
    response = manager_client.post(
        reverse("audits:template_create"),
        {
            "version": book.version.pk,
            "journey": book.phone_step.stage.journey.pk,
            "name": "Typed name",
            "places": [],
        },
    )
    assert response.status_code == 422
    assert 'value="Typed name"' in response.text
    assert "Choose at least one step or situation." in response.text
    assert not ChecklistTemplate.objects.filter(name="Typed name").exists()


def test_leaving_an_item_out_with_htmx_returns_the_item(template, book, manager_client):
    item = TemplateItem.objects.get(
        template_step__template=template, requirement=book.requirements["greeting"]
    )
    response = manager_client.post(
        reverse("audits:template_item", args=[template.pk, item.pk]),
        {"included": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="titem-{item.pk}"' in response.text
    assert "Put back" in response.text
    item.refresh_from_db()
    assert item.included is False


def test_a_stale_name_edit_is_refused_with_409(template, manager, manager_client):
    stale = template.updated_at
    services.template_update(actor=manager.user, template=template, name="New name", notes="")
    response = manager_client.post(
        reverse("audits:template_edit", args=[template.pk]),
        {"name": "Mine", "notes": "", "updated_at": stale.isoformat()},
    )
    assert response.status_code == 409
    assert "Someone else saved a change" in response.text
    assert 'value="Mine"' in response.text  # what was typed is kept
    assert "New name" in response.text  # and what is saved now is shown
    template.refresh_from_db()
    assert template.name == "New name"


def test_the_template_list_does_not_grow_in_queries(
    book, manager, manager_client, django_assert_max_num_queries
):
    for number in range(6):
        services.template_create(
            actor=manager.user,
            name=f"Template {number}",
            journey=book.phone_step.stage.journey,
            version=book.version,
            place_keys=scenario_keys(book),
        )
    with django_assert_max_num_queries(12):
        response = manager_client.get(reverse("audits:templates"))
    assert response.status_code == 200
    assert Audit.objects.count() == 0
