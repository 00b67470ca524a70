"""Schemathesis against the project's own OpenAPI schema: no server errors, and every
answer matches what the schema promises (status codes, content types, bodies)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from roles.api_auth import api_token_create
from roles.models import ApiScope, ProgramRole
from tests.factories import UserFactory
from tests.nps.factories import InvitationFactory, ProblemTagFactory, ResponseFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db, settings):
    from config.wsgi import application

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "100000/minute"},
    }
    # Requests go straight to the WSGI app: keep it from closing the test's database
    # connection at the end of each request, as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_key(surveys) -> str:
    """A token with every scope, acting as an API client, over a little real data."""
    tag = ProblemTagFactory.create(name="=tag")
    for score in (0, 6, 7, 9, 10):
        ResponseFactory.create(survey=surveys.sales, score=score, comment="-x").tags.add(tag)
    InvitationFactory.create(survey=surveys.sales)
    client_login = UserFactory.create(username="fuzz", roles=[ProgramRole.API_CLIENT])
    admin = UserFactory.create(username="fuzz-admin", is_superuser=True)
    _token, key = api_token_create(
        actor=admin, name="fuzz", scopes=ApiScope.values, user=client_login
    )
    return key


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_its_schema(case: Any, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
