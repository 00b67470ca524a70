from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_page_gets_the_styled_404(manager_client, settings):
    settings.DEBUG = False
    response = manager_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Go to the start page" in response.content


def test_a_page_outside_the_role_gets_the_styled_403(staff_client):
    response = staff_client.get(reverse("roles:employee_list"))
    assert response.status_code == 403
    assert b"Not available to you" in response.content


def test_the_404_page_speaks_russian_to_a_russian_browser(manager_client):
    response = manager_client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_the_language_switcher_remembers_the_choice(manager_client):
    response = manager_client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert response.status_code == 302
    page = manager_client.get("/")
    assert 'lang="ru"' in page.content.decode()
    manager_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert 'lang="en"' in manager_client.get("/").content.decode()


def test_the_server_error_page_needs_nothing_but_itself(client):
    from django.test import RequestFactory

    from config.views import error_500

    response = error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.content.decode()


def test_login_failure_is_explained_and_keeps_the_username(client, staff_member):
    response = client.post(reverse("login"), {"username": "staff_member", "password": "wrong"})
    assert response.status_code == 200
    assert b'value="staff_member"' in response.content
    assert b"correct username and password" in response.content


def test_navigation_shows_staff_only_what_they_use(staff_client):
    html = staff_client.get("/").content.decode()
    assert reverse("roles:employee_list") not in html
    assert reverse("journeys:list") not in html


def test_navigation_shows_managers_the_organisation_and_the_map(manager_client):
    html = manager_client.get("/").content.decode()
    assert reverse("roles:employee_list") in html
    assert reverse("journeys:list") in html


def test_password_change_page_is_there_for_every_login(staff_client):
    assert staff_client.get(reverse("password_change")).status_code == 200
