"""Typed aliases for who acts and what a view receives.

Services take `actor: Actor` (the signed-in user, or a user loaded for a task);
views take `AuthenticatedHttpRequest` or `HtmxHttpRequest` so `request.user` and
`request.htmx` are typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    Actor: TypeAlias = User
    """Whoever performs a change: a signed-in person or the login a task runs as."""
else:
    Actor = AbstractUser

Viewer: TypeAlias = "Actor | AnonymousUser"
"""Whoever looks: signed in or not (selectors answer nothing to the anonymous)."""


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind `login_required`."""

    user: Actor


class HtmxHttpRequest(AuthenticatedHttpRequest):
    """A signed-in request through django-htmx's middleware."""

    htmx: HtmxDetails


class _Authenticated(Protocol):
    user: Any


def actor_of(request: HttpRequest | _Authenticated) -> Actor:
    """The signed-in user of a request that only signed-in people reach (the admin, the
    API behind its authentication); anyone else is refused."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    return cast("Actor", user)
