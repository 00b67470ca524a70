"""The pages of the book: who may open what, and how each bad input is answered."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from standards import services
from standards.models import (
    BookVersion,
    CommunicationStandard,
    Principle,
    Requirement,
    Term,
    VersionStatus,
)
from tests.factories import SituationFactory, StepFactory
from tests.standards.conftest import PublishedBook

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}

READERS = ["manager_client", "sales_manager_client", "auditor_client", "staff_client"]


@pytest.fixture
def draft(published_book: PublishedBook, manager) -> BookVersion:
    return services.version_new_draft(actor=manager.user, book=published_book.book)


def _client(request: pytest.FixtureRequest, name: str) -> Client:
    client: Client = request.getfixturevalue(name)
    return client


# Reading pages --------------------------------------------------------------------


@pytest.mark.parametrize("client_name", READERS)
def test_every_reader_sees_the_current_book(request, published_book: PublishedBook, client_name):
    response = _client(request, client_name).get(reverse("standards:book"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Answer within three rings." in body
    assert f'id="r-{published_book.greeting.lineage_key}"' in body
    for anchor in (
        'id="terms"',
        'id="provisions"',
        'id="principles"',
        'id="communication"',
        'id="appearance"',
    ):
        assert anchor in body
    # Chapters in the order of the book.
    positions = [
        body.index(f'id="{name}-title"')
        for name in ("terms", "provisions", "principles", "communication", "appearance")
    ]
    assert positions == sorted(positions)


def test_outsider_cannot_read_the_book(outsider_client, published_book):
    assert outsider_client.get(reverse("standards:book")).status_code == 403


def test_anonymous_is_sent_to_login(client, published_book):
    response = client.get(reverse("standards:book"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_book_page_refuses_post(manager_client, published_book):
    assert manager_client.post(reverse("standards:book")).status_code == 405


def test_markdown_is_rendered_and_sanitized(manager, manager_client, published_book, draft):
    principle = Principle.objects.get(version=draft)
    services.principle_update(
        actor=manager.user, principle=principle, revision=principle.revision, title="Respect",
        text='**Bold** <script>alert("x")</script><img src=x onerror="alert(1)"> [link](javascript:alert(1))',
    )  # fmt: skip
    body = manager_client.get(reverse("standards:version", args=[draft.pk])).content.decode()
    assert "<strong>Bold</strong>" in body
    assert 'alert("x")' not in body
    assert "onerror" not in body
    assert "javascript:" not in body


@pytest.mark.parametrize("client_name", ["staff_client", "auditor_client"])
def test_a_draft_does_not_exist_for_non_managers(request, draft, client_name):
    client = _client(request, client_name)
    assert client.get(reverse("standards:version", args=[draft.pk])).status_code == 404
    published = draft.created_from
    assert client.get(reverse("standards:diff", args=[published.pk, draft.pk])).status_code == 404


@pytest.mark.parametrize("client_name", ["manager_client", "sales_manager_client"])
def test_managers_read_the_draft(request, draft, client_name):
    response = _client(request, client_name).get(reverse("standards:version", args=[draft.pk]))
    assert response.status_code == 200
    assert "This is a draft" in response.content.decode()


def test_unknown_version_is_404(manager_client, published_book):
    assert manager_client.get(reverse("standards:version", args=[9999])).status_code == 404


def test_my_standards_shows_only_my_position_and_gender(
    staff_client, staff_member, published_book, manager, draft
):
    # A standard for another position must not show.
    other = CommunicationStandard.objects.create(
        version=draft, position=published_book.step.responsible_position.__class__.objects.create(name="Cashier"),
        step=published_book.step, process="Count the cash.",
    )  # fmt: skip
    services.requirement_create(actor=manager.user, parent=other, text="Count twice.", kind="do")
    appearance = services.appearance_standard_create(
        actor=manager.user,
        version=draft,
        position=published_book.position,
        gender="male",
        task="Floor",
    )
    services.requirement_create(actor=manager.user, parent=appearance, text="A tie.", kind="look")
    services.version_publish(actor=manager.user, version=draft, change_note="More.")
    body = staff_client.get(reverse("standards:mine")).content.decode()
    assert "Answer within three rings." in body
    assert "A dark business suit." in body  # female salesperson
    assert "Address the customer formally." in body  # principles apply to all
    assert "Count twice." not in body
    assert "A tie." not in body


def test_my_standards_groups_by_journey_step_in_journey_order(
    staff_client, staff_member, published_book, manager, draft
):
    later = StepFactory.create(stage=published_book.step.stage, name="Test drive", order=5)
    earlier = StepFactory.create(stage=published_book.step.stage, name="Website form", order=0)
    situation = SituationFactory.create(
        step=None,
        journey=published_book.step.stage.journey,
        name="Bad review online",
        kind="negative",
    )
    places: list[tuple[Any, Any]] = [(later, None), (earlier, None), (None, situation)]
    for step, place in places:
        standard = services.communication_standard_create(
            actor=manager.user, version=draft, position=published_book.position,
            step=step, situation=place,
        )  # fmt: skip
        services.requirement_create(
            actor=manager.user, parent=standard, text=f"Rule at {standard}", kind="do"
        )
    services.version_publish(actor=manager.user, version=draft, change_note="Steps.")
    body = staff_client.get(reverse("standards:mine")).content.decode()
    order = [body.index(f'id="step-{n}-title"') for n in (1, 2, 3, 4)]
    assert order == sorted(order)
    assert (
        body.index("Website form")
        < body.index("Phone call")
        < body.index("Test drive")
        < body.index("Bad review online")
    )


def test_my_standards_without_an_employee_explains_why(auditor_client, published_book):
    response = auditor_client.get(reverse("standards:mine"))
    assert response.status_code == 200
    assert "not linked to an employee" in response.content.decode()


def test_my_standards_refuses_outsider_and_post(outsider_client, staff_client, published_book):
    assert outsider_client.get(reverse("standards:mine")).status_code == 403
    assert staff_client.post(reverse("standards:mine")).status_code == 405


@pytest.mark.parametrize("client_name", READERS)
def test_step_page_lists_says_does_never(request, published_book, client_name):
    response = _client(request, client_name).get(
        reverse("standards:step", args=[published_book.step.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Says") < body.index("Say your name and the company.")
    assert body.index("Does") < body.index("Answer within three rings.")
    assert body.index("Never") < body.index("Tell the caller to just come over.")


def test_step_page_errors(outsider_client, manager_client, published_book):
    assert (
        outsider_client.get(reverse("standards:step", args=[published_book.step.pk])).status_code
        == 403
    )
    assert manager_client.get(reverse("standards:step", args=[9999])).status_code == 404
    assert (
        manager_client.post(reverse("standards:step", args=[published_book.step.pk])).status_code
        == 405
    )


@pytest.mark.parametrize("client_name", READERS)
def test_search_finds_requirements_in_the_current_version(request, published_book, client_name):
    response = _client(request, client_name).get(reverse("standards:search"), {"q": "RINGS"})
    assert response.status_code == 200
    assert "Answer within three rings." in response.content.decode()


def test_search_matches_cyrillic_regardless_of_case(manager, manager_client, published_book, draft):
    principle = Principle.objects.get(version=draft)
    services.requirement_create(
        actor=manager.user, parent=principle, text="Обращаться к клиенту на «Вы».", kind="say"
    )
    services.version_publish(actor=manager.user, version=draft, change_note="Вы.")
    response = manager_client.get(reverse("standards:search"), {"q": "обращаться"}, **HTMX)
    assert "на «Вы»" in response.content.decode()


def test_search_errors(outsider_client, manager_client, published_book):
    assert outsider_client.get(reverse("standards:search"), {"q": "x"}).status_code == 403
    assert manager_client.post(reverse("standards:search")).status_code == 405


# Versions and diff ------------------------------------------------------------------


def test_versions_page_hides_drafts_from_staff(staff_client, manager_client, draft):
    assert (
        f'href="{reverse("standards:version", args=[draft.pk])}"'
        not in staff_client.get(reverse("standards:versions")).content.decode()
    )
    assert (
        f'href="{reverse("standards:version", args=[draft.pk])}"'
        in manager_client.get(reverse("standards:versions")).content.decode()
    )


def test_versions_page_errors(outsider_client, manager_client, published_book):
    assert outsider_client.get(reverse("standards:versions")).status_code == 403
    assert manager_client.post(reverse("standards:versions")).status_code == 405


def test_new_draft_from_the_versions_page(manager_client, published_book):
    response = manager_client.post(reverse("standards:draft_new"))
    draft = BookVersion.objects.get(status=VersionStatus.DRAFT)
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:editor", args=[draft.pk])
    # A second click lands in the same draft.
    again = manager_client.post(reverse("standards:draft_new"))
    assert again["Location"] == reverse("standards:editor", args=[draft.pk])
    assert BookVersion.objects.filter(status=VersionStatus.DRAFT).count() == 1


@pytest.mark.parametrize(
    "client_name", ["sales_manager_client", "auditor_client", "staff_client", "outsider_client"]
)
def test_only_a_company_wide_manager_starts_a_draft(request, published_book, client_name):
    assert _client(request, client_name).post(reverse("standards:draft_new")).status_code == 403
    assert not BookVersion.objects.filter(status=VersionStatus.DRAFT).exists()


def test_new_draft_refuses_get(manager_client, published_book):
    assert manager_client.get(reverse("standards:draft_new")).status_code == 405


def test_diff_page_shows_change_note_and_word_changes(manager, staff_client, published_book, draft):
    copy = Requirement.objects.get(version=draft, lineage_key=published_book.greeting.lineage_key)
    services.requirement_update(
        actor=manager.user, requirement=copy, revision=copy.revision, text="Answer within two rings.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    services.version_publish(actor=manager.user, version=draft, change_note="Faster answers.")
    body = staff_client.get(
        reverse("standards:diff", args=[published_book.version.pk, draft.pk])
    ).content.decode()
    assert body.index("Faster answers.") < body.index("<del>three </del>")
    assert "<ins>two </ins>" in body


def test_diff_of_versions_of_different_books_is_404(manager, manager_client, published_book):
    other = services.book_create(actor=manager.user, name="Other")
    response = manager_client.get(
        reverse("standards:diff", args=[published_book.version.pk, other.versions.get().pk])
    )
    assert response.status_code == 404


def test_diff_page_errors(outsider_client, manager_client, published_book, draft):
    url = reverse("standards:diff", args=[published_book.version.pk, draft.pk])
    assert outsider_client.get(url).status_code == 403
    assert manager_client.post(url).status_code == 405


# Publishing --------------------------------------------------------------------------


def test_publish_page_asks_for_a_change_note(manager_client, draft):
    url = reverse("standards:publish", args=[draft.pk])
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, {"change_note": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_publish_page_publishes(manager_client, draft):
    response = manager_client.post(
        reverse("standards:publish", args=[draft.pk]), {"change_note": "Spring edition."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.change_note == "Spring edition."


def test_publishing_a_published_version_is_409(manager_client, published_book):
    url = reverse("standards:publish", args=[published_book.version.pk])
    assert manager_client.get(url).status_code == 409
    assert manager_client.post(url, {"change_note": "Again"}).status_code == 409


@pytest.mark.parametrize(
    "client_name", ["sales_manager_client", "auditor_client", "staff_client", "outsider_client"]
)
def test_only_a_company_wide_manager_publishes(request, draft, client_name):
    response = _client(request, client_name).post(
        reverse("standards:publish", args=[draft.pk]), {"change_note": "x"}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.is_draft


def test_publish_refuses_put(manager_client, draft):
    assert manager_client.put(reverse("standards:publish", args=[draft.pk])).status_code == 405


def test_discard_a_draft(manager_client, draft, sales_manager_client, published_book):
    url = reverse("standards:discard", args=[draft.pk])
    assert manager_client.get(url).status_code == 405
    assert sales_manager_client.post(url).status_code == 403
    assert manager_client.post(url).status_code == 302
    assert not BookVersion.objects.filter(pk=draft.pk).exists()
    assert (
        manager_client.post(
            reverse("standards:discard", args=[published_book.version.pk])
        ).status_code
        == 409
    )


# The editor ----------------------------------------------------------------------------


def test_editor_opens_for_the_company_wide_manager(manager_client, draft):
    response = manager_client.get(reverse("standards:editor", args=[draft.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Buying a car → First call → Phone call" in body
    assert "Responsible position" in body


@pytest.mark.parametrize(
    "client_name", ["sales_manager_client", "auditor_client", "staff_client", "outsider_client"]
)
def test_editor_is_refused_to_everybody_else(request, draft, client_name):
    assert (
        _client(request, client_name).get(reverse("standards:editor", args=[draft.pk])).status_code
        == 403
    )


def test_editor_of_a_published_version_is_409(manager_client, published_book):
    response = manager_client.get(reverse("standards:editor", args=[published_book.version.pk]))
    assert response.status_code == 409
    assert "can no longer change" in response.content.decode()


def test_editor_errors(client, manager_client, draft):
    url = reverse("standards:editor", args=[draft.pk])
    assert manager_client.post(url).status_code == 405
    assert client.get(url).status_code == 302
    assert manager_client.get(reverse("standards:editor", args=[9999])).status_code == 404


def _requirement_data(prefix: str, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "text": "Offer a coffee.",
        "kind": "say",
        "weight": "2",
        "auditable": "on",
    }
    data.update(values)
    return {f"{prefix}-{key}": value for key, value in data.items()}


def test_adding_a_requirement_inline(manager_client, draft):
    standard = CommunicationStandard.objects.get(version=draft)
    url = reverse("standards:requirement_add", args=[draft.pk, "communication", standard.pk])
    form = manager_client.get(url, **HTMX)
    assert form.status_code == 200
    assert "<form" in form.content.decode()
    prefix = f"add-communication-{standard.pk}"
    response = manager_client.post(url, _requirement_data(prefix), **HTMX)
    assert response.status_code == 200
    assert "Offer a coffee." in response.content.decode()
    assert f'id="requirements-communication-{standard.pk}"' in response.content.decode()
    created = standard.requirements.get(text="Offer a coffee.")
    assert created.weight == 2 and created.auditable and not created.critical


@pytest.mark.parametrize(
    "values, field_error",
    [
        ({"text": "   "}, "This field is required."),
        ({"weight": "4"}, "Select a valid choice."),
        ({"weight": "0"}, "Select a valid choice."),
        ({"kind": "look"}, "Select a valid choice."),
    ],
)
def test_adding_a_bad_requirement_keeps_what_was_typed(manager_client, draft, values, field_error):
    standard = CommunicationStandard.objects.get(version=draft)
    url = reverse("standards:requirement_add", args=[draft.pk, "communication", standard.pk])
    prefix = f"add-communication-{standard.pk}"
    data = _requirement_data(
        prefix,
        text=values.get("text", "Keep me typed"),
        **{k: v for k, v in values.items() if k != "text"},
    )
    response = manager_client.post(url, data, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert field_error in body
    assert 'aria-invalid="true"' in body
    if "text" not in values:
        assert "Keep me typed" in body
    assert standard.requirements.count() == 3


def test_a_communication_standard_needs_a_step_or_a_situation(
    manager_client, draft, published_book
):
    url = reverse("standards:item_add", args=[draft.pk, "communication"])
    prefix = "add-communication-0"
    response = manager_client.post(
        url,
        {f"{prefix}-position": published_book.position.pk, f"{prefix}-process": "Typed process"},
        **HTMX,
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose the journey step or the situation" in body
    assert "Typed process" in body
    assert CommunicationStandard.objects.filter(version=draft).count() == 1


def test_editing_a_requirement_inline(manager_client, draft, published_book):
    requirement = Requirement.objects.get(
        version=draft, lineage_key=published_book.greeting.lineage_key
    )
    url = reverse("standards:item_edit", args=["requirement", requirement.pk])
    form = manager_client.get(url, **HTMX)
    assert form.status_code == 200
    assert "Answer within three rings." in form.content.decode()
    prefix = f"edit-requirement-{requirement.pk}"
    response = manager_client.post(
        url,
        _requirement_data(
            prefix,
            text="Answer within two rings.",
            kind="do",
            weight="3",
            revision=requirement.revision,
        ),
        **HTMX,
    )
    assert response.status_code == 200
    assert "Answer within two rings." in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.text == "Answer within two rings."
    assert requirement.revision == 2


def test_a_stale_edit_is_409_with_the_current_text(manager, manager_client, draft, published_book):
    requirement = Requirement.objects.get(
        version=draft, lineage_key=published_book.greeting.lineage_key
    )
    opened = requirement.revision
    services.requirement_update(
        actor=manager.user, requirement=requirement, revision=opened, text="Saved first by a colleague.",
        kind="do", weight=3, critical=True, auditable=True,
    )  # fmt: skip
    prefix = f"edit-requirement-{requirement.pk}"
    response = manager_client.post(
        reverse("standards:item_edit", args=["requirement", requirement.pk]),
        _requirement_data(prefix, text="My stale text.", kind="do", revision=opened),
        **HTMX,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Saved first by a colleague." in body
    assert "My stale text." in body
    assert f'value="{opened + 1}"' in body  # saving again is a deliberate overwrite
    requirement.refresh_from_db()
    assert requirement.text == "Saved first by a colleague."


def test_editing_a_term_with_an_empty_name_is_422(manager_client, draft):
    term = Term.objects.get(version=draft)
    prefix = f"edit-term-{term.pk}"
    response = manager_client.post(
        reverse("standards:item_edit", args=["term", term.pk]),
        {
            f"{prefix}-term": "",
            f"{prefix}-definition": "Still typed",
            f"{prefix}-revision": term.revision,
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert "Still typed" in response.content.decode()
    term.refresh_from_db()
    assert term.term == "Customer"


def test_moving_and_removing_requirements_inline(manager_client, draft):
    standard = CommunicationStandard.objects.get(version=draft)
    first, second, third = standard.requirements.order_by("order")
    response = manager_client.post(
        reverse("standards:item_move", args=["requirement", third.pk, "up"]), **HTMX
    )
    assert response.status_code == 200
    assert list(standard.requirements.order_by("order")) == [first, third, second]
    response = manager_client.post(
        reverse("standards:item_delete", args=["requirement", first.pk]), **HTMX
    )
    assert response.status_code == 200
    assert list(standard.requirements.order_by("order")) == [third, second]


def test_adding_moving_and_removing_sections(manager_client, draft):
    url = reverse("standards:item_add", args=[draft.pk, "principle"])
    response = manager_client.post(
        url, {"add-principle-0-title": "Honesty", "add-principle-0-text": "Tell the truth."}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="chapter-principles"' in response.content.decode()
    honesty = Principle.objects.get(version=draft, title="Honesty")
    manager_client.post(
        reverse("standards:item_move", args=["principle", honesty.pk, "up"]), **HTMX
    )
    assert list(
        Principle.objects.filter(version=draft).order_by("order").values_list("title", flat=True)
    ) == ["Honesty", "Respect"]
    response = manager_client.post(
        reverse("standards:item_delete", args=["principle", honesty.pk]), **HTMX
    )
    assert response.status_code == 200
    assert not Principle.objects.filter(pk=honesty.pk).exists()


def test_the_editor_warns_when_principles_are_outside_ten_to_twenty(manager_client, draft):
    body = manager_client.get(reverse("standards:editor", args=[draft.pk])).content.decode()
    assert "The method suggests 10 to 20" in body


@pytest.mark.parametrize(
    "method, url_name, args",
    [
        ("post", "item_edit", ["requirement"]),
        ("post", "item_delete", ["requirement"]),
        ("post", "item_move", ["requirement"]),
        ("get", "item_edit", ["requirement"]),
    ],
)
def test_every_editor_endpoint_answers_409_on_a_published_version(
    manager_client, published_book, method, url_name, args
):
    requirement = published_book.greeting
    url_args = [*args, requirement.pk] + (["up"] if url_name == "item_move" else [])
    response = getattr(manager_client, method)(
        reverse(f"standards:{url_name}", args=url_args), **HTMX
    )
    assert response.status_code == 409
    assert "can no longer change" in response.content.decode()
    assert response["HX-Retarget"] == "#editor-alert"
    requirement.refresh_from_db()
    assert requirement.text == "Answer within three rings."
    assert Requirement.objects.filter(version=published_book.version).count() == 5


def test_adding_to_a_published_version_is_409(manager_client, published_book):
    version = published_book.version
    add_requirement = reverse(
        "standards:requirement_add",
        args=[version.pk, "communication", published_book.communication.pk],
    )
    assert (
        manager_client.post(
            add_requirement,
            _requirement_data(f"add-communication-{published_book.communication.pk}"),
            **HTMX,
        ).status_code
        == 409
    )
    add_term = reverse("standards:item_add", args=[version.pk, "term"])
    assert (
        manager_client.post(
            add_term, {"add-term-0-term": "X", "add-term-0-definition": "Y"}
        ).status_code
        == 409
    )
    assert Term.objects.filter(version=version).count() == 1


@pytest.mark.parametrize(
    "client_name", ["sales_manager_client", "auditor_client", "staff_client", "outsider_client"]
)
def test_editor_endpoints_refuse_non_editors(request, draft, client_name):
    client = _client(request, client_name)
    requirement = Requirement.objects.filter(version=draft).earliest("id")
    standard = CommunicationStandard.objects.get(version=draft)
    assert (
        client.get(
            reverse("standards:item_edit", args=["requirement", requirement.pk]), **HTMX
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("standards:item_delete", args=["requirement", requirement.pk]), **HTMX
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("standards:item_move", args=["requirement", requirement.pk, "up"]), **HTMX
        ).status_code
        == 403
    )
    add = reverse("standards:requirement_add", args=[draft.pk, "communication", standard.pk])
    assert (
        client.post(add, _requirement_data(f"add-communication-{standard.pk}"), **HTMX).status_code
        == 403
    )
    assert Requirement.objects.filter(version=draft).count() == 5


def test_editor_endpoints_wrong_method_and_unknown_things(manager_client, draft):
    requirement = Requirement.objects.filter(version=draft).earliest("id")
    assert (
        manager_client.get(
            reverse("standards:item_delete", args=["requirement", requirement.pk])
        ).status_code
        == 405
    )
    assert (
        manager_client.get(
            reverse("standards:item_move", args=["requirement", requirement.pk, "up"])
        ).status_code
        == 405
    )
    assert (
        manager_client.put(
            reverse("standards:item_edit", args=["requirement", requirement.pk])
        ).status_code
        == 405
    )
    assert (
        manager_client.get(
            reverse("standards:item_edit", args=["nonsense", requirement.pk])
        ).status_code
        == 404
    )
    assert (
        manager_client.post(
            reverse("standards:item_move", args=["requirement", requirement.pk, "sideways"])
        ).status_code
        == 404
    )
    assert (
        manager_client.post(
            reverse("standards:item_move", args=["term", Term.objects.get(version=draft).pk, "up"])
        ).status_code
        == 404
    )
    assert (
        manager_client.get(
            reverse("standards:requirement_add", args=[draft.pk, "nonsense", 1])
        ).status_code
        == 404
    )


def test_a_requirement_of_another_version_cannot_be_added_under_this_one(
    manager_client, draft, published_book
):
    url = reverse(
        "standards:requirement_add",
        args=[draft.pk, "communication", published_book.communication.pk],
    )
    assert manager_client.get(url, **HTMX).status_code == 404


# Query counts -----------------------------------------------------------------------------


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _grow(manager, draft: BookVersion, published_book: PublishedBook) -> None:
    for index in range(6):
        step = StepFactory.create(stage=published_book.step.stage, name=f"Extra step {index}")
        standard = services.communication_standard_create(
            actor=manager.user,
            version=draft,
            position=published_book.position,
            step=step,
            situation=None,
            process="p",
        )
        for number in range(5):
            services.requirement_create(
                actor=manager.user, parent=standard, text=f"Rule {index}.{number}", kind="say"
            )
        principle = services.principle_create(
            actor=manager.user, version=draft, title=f"Principle {index}", text="t"
        )
        services.requirement_create(actor=manager.user, parent=principle, text="Be kind", kind="do")
        appearance = services.appearance_standard_create(
            actor=manager.user,
            version=draft,
            position=published_book.position,
            gender="any",
            task=f"Task {index}",
        )
        services.requirement_create(
            actor=manager.user, parent=appearance, text="Clean shoes", kind="look"
        )
        services.term_create(
            actor=manager.user, version=draft, term=f"Term {index}", definition="d"
        )


def test_reading_pages_do_not_grow_with_the_book(
    manager, manager_client, staff_client, published_book, draft
):
    old = published_book.version
    urls = {
        "book": (manager_client, lambda: reverse("standards:version", args=[draft.pk])),
        "editor": (manager_client, lambda: reverse("standards:editor", args=[draft.pk])),
        "diff": (manager_client, lambda: reverse("standards:diff", args=[old.pk, draft.pk])),
    }
    small = {name: _count_queries(client, url()) for name, (client, url) in urls.items()}
    _grow(manager, draft, published_book)
    large = {name: _count_queries(client, url()) for name, (client, url) in urls.items()}
    assert large == small


def test_my_standards_does_not_grow_with_the_book(manager, staff_client, published_book, draft):
    small = _count_queries(staff_client, reverse("standards:mine"))
    _grow(manager, draft, published_book)
    services.version_publish(actor=manager.user, version=draft, change_note="Grown.")
    large = _count_queries(staff_client, reverse("standards:mine"))
    assert large == small


def test_book_page_query_budget(manager_client, published_book, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        manager_client.get(reverse("standards:book"))


def test_without_htmx_a_saved_edit_goes_back_to_the_editor(manager_client, draft):
    term = Term.objects.get(version=draft)
    prefix = f"edit-term-{term.pk}"
    response = manager_client.post(
        reverse("standards:item_edit", args=["term", term.pk]),
        {
            f"{prefix}-term": "Client",
            f"{prefix}-definition": "Anyone.",
            f"{prefix}-revision": term.revision,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("standards:editor", args=[draft.pk]) + f"#term-{term.pk}"


def test_the_banner_tag_shows_only_with_something_to_read(rf, staff_member, published_book):
    from django.template import Context, Template

    template = Template("{% load standards_tags %}{% acknowledgement_banner %}")
    request = rf.get("/")
    request.user = staff_member.user
    assert "what changed for you" in template.render(Context({"request": request}))
    services.acknowledgement_confirm(actor=staff_member.user, employee=staff_member)
    assert "what changed for you" not in template.render(Context({"request": request}))
