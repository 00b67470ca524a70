from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_map(car_journey) -> Client:
    user = UserFactory.create(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["journey", "stage", "step", "situation"])
def test_the_admin_lists_and_opens_every_part_of_the_map(admin_client_for_map, car_journey, model):
    listing = admin_client_for_map.get(reverse(f"admin:journeys_{model}_changelist"))
    assert listing.status_code == 200
    instance = {
        "journey": car_journey.journey,
        "stage": car_journey.call,
        "step": car_journey.answer,
        "situation": car_journey.no_answer,
    }[model]
    change = admin_client_for_map.get(reverse(f"admin:journeys_{model}_change", args=[instance.pk]))
    assert change.status_code == 200
    assert str(instance) in change.content.decode()


def test_the_journey_admin_shows_its_stages_inline(admin_client_for_map, car_journey):
    response = admin_client_for_map.get(
        reverse("admin:journeys_journey_change", args=[car_journey.journey.pk])
    )
    content = response.content.decode()
    assert "First call" in content
    assert "Visit" in content
