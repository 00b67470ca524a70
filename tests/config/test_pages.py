from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_manager_start_page_shows_organisation(manager_client):
    response = manager_client.get("/")
    assert response.status_code == 200
    assert b"Your organisation" in response.content


def test_staff_start_page_shows_duties_not_organisation(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 200
    assert b"My duties" in response.content
    assert b"Your organisation" not in response.content


def test_changes_made_by_the_system_show_as_such_on_the_start_page(manager_client, company):
    from core.models import Activity

    Activity.objects.create(
        actor=None,
        action="demo.load",
        target_type="roles.department",
        target_id="1",
        summary="Loaded",
    )
    response = manager_client.get("/")
    assert response.status_code == 200
    assert "system: Loaded" in response.content.decode()
