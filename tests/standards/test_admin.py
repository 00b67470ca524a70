"""The admin offers no way to change a published version."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from standards import services
from standards.models import Requirement, Term
from tests.factories import UserFactory
from tests.standards.conftest import PublishedBook


@pytest.fixture
def admin_client_(db) -> Client:
    user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_admin_shows_a_published_requirement_read_only(
    admin_client_, published_book: PublishedBook
):
    url = reverse("admin:standards_requirement_change", args=[published_book.greeting.pk])
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_admin_refuses_to_save_a_published_requirement(
    admin_client_, published_book: PublishedBook
):
    url = reverse("admin:standards_requirement_change", args=[published_book.greeting.pk])
    response = admin_client_.post(url, {"text": "Changed in the admin", "kind": "do", "weight": 1})
    assert response.status_code == 403
    published_book.greeting.refresh_from_db()
    assert published_book.greeting.text == "Answer within three rings."


def test_admin_refuses_to_delete_a_published_row(admin_client_, published_book: PublishedBook):
    url = reverse("admin:standards_requirement_delete", args=[published_book.greeting.pk])
    assert admin_client_.post(url, {"post": "yes"}).status_code == 403
    assert Requirement.objects.filter(pk=published_book.greeting.pk).exists()


def test_admin_refuses_to_change_a_published_version(admin_client_, published_book: PublishedBook):
    url = reverse("admin:standards_bookversion_change", args=[published_book.version.pk])
    assert admin_client_.post(url, {"change_note": "Rewritten"}).status_code == 403
    published_book.version.refresh_from_db()
    assert published_book.version.change_note == "First edition."


def test_admin_can_only_add_content_to_a_draft(
    admin_client_, published_book: PublishedBook, manager
):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    url = reverse("admin:standards_term_add")
    response = admin_client_.post(
        url, {"version": published_book.version.pk, "term": "X", "definition": "Y"}
    )
    assert response.status_code == 200  # the form refuses the published version as a choice
    assert not Term.objects.filter(term="X").exists()
    response = admin_client_.post(url, {"version": draft.pk, "term": "X", "definition": "Y"})
    assert response.status_code == 302
    assert Term.objects.filter(term="X", version=draft).exists()


def test_admin_edits_a_draft_row(admin_client_, published_book: PublishedBook, manager):
    draft = services.version_new_draft(actor=manager.user, book=published_book.book)
    term = Term.objects.get(version=draft)
    url = reverse("admin:standards_term_change", args=[term.pk])
    response = admin_client_.post(url, {"term": "Client", "definition": "Anyone we serve."})
    assert response.status_code == 302
    term.refresh_from_db()
    assert term.term == "Client"
    assert term.revision == 2
