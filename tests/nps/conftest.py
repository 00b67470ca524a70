"""NPS test helpers: a cache of the test's own, surveys in the persona company, API clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from journeys.models import Step
from nps.models import Survey
from roles.api_auth import api_token_create
from roles.models import ApiScope, ProgramRole
from tests.conftest import Company
from tests.factories import StepFactory, UserFactory
from tests.nps.factories import SurveyFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
NOT_MANAGERS = ["auditor_client", "staff_client", "outsider_client"]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Rate limits and throttles count in a cache that starts empty for every test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "nps-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@dataclass
class Surveys:
    sales: Survey
    service: Survey
    step: Step


@pytest.fixture
def surveys(company: Company) -> Surveys:
    step = StepFactory.create(name="Handover")
    return Surveys(
        sales=SurveyFactory.create(name="After the deal", department=company.sales, step=step),
        service=SurveyFactory.create(name="After service", department=company.service),
        step=step,
    )


@pytest.fixture
def api_client_user(db):
    return UserFactory.create(username="crm", roles=[ProgramRole.API_CLIENT])


def token_client(user: Any, scopes: list[str], *, actor: Any = None) -> APIClient:
    """An API client sending a fresh token acting as `user` with these scopes."""
    creator = actor or user
    if actor is None:
        # A token acting as an API-client login is created by a company-wide manager.
        from roles.permissions import is_manager

        if not is_manager(user):
            creator = UserFactory.create(username=f"admin-{user.username}", is_superuser=True)
    _token, key = api_token_create(actor=creator, name="test", scopes=scopes, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def reader(api_client_user) -> APIClient:
    return token_client(api_client_user, [ApiScope.READ_RESPONSES])


@pytest.fixture
def inviter(api_client_user) -> APIClient:
    return token_client(api_client_user, [ApiScope.WRITE_INVITATIONS])
