"""API tokens: creating and revoking them, and how the REST API checks them.

A token is `sst_` followed by a long random secret. Only its SHA-256 is stored (a fast
hash is enough for a 256-bit random secret), and the plain key is returned once, by
`api_token_create`. Requests send it as `Authorization: Bearer <key>`.

A token acts as a user: an API-client login (company-wide), or the manager who
created it (their part of the organisation). Scopes narrow it further. Signed-in
managers may use the browsable API with their session; scopes do not apply to them.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.activity import activity_record
from core.types import Actor, Viewer

from .models import ApiScope, ApiToken, ProgramRole
from .permissions import has_role, is_manager, manager_sees_everything

KEY_PREFIX = "sst_"
# How often last_used_at is written: once a minute is precise enough and spares a
# write on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_client_logins() -> QuerySet[Any]:
    """Active logins with the API-client role, which a token may act as."""
    return (
        get_user_model()
        .objects.filter(groups__name=ProgramRole.API_CLIENT, is_active=True)
        .order_by("username")
        .distinct()
    )


def tokens_visible_to(user: Viewer) -> QuerySet[ApiToken]:
    """A company-wide manager sees every token; another manager the ones they made or act as them."""
    tokens = ApiToken.objects.select_related("user", "created_by")
    if manager_sees_everything(user):
        return tokens
    if not is_manager(user):
        return tokens.none()
    return tokens.filter(Q(created_by=user) | Q(user=user))


@transaction.atomic
def api_token_create(
    *, actor: Actor, name: str, scopes: Iterable[str], user: Actor | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain key, which is never available again.

    `user` is who the token acts as: the actor by default. Only a company-wide manager
    may create a token for an API-client login (it sees the whole company).
    """
    if not is_manager(actor):
        raise PermissionDenied
    scopes = sorted(set(scopes))
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the token a name that says who uses it.")
    unknown = [scope for scope in scopes if scope not in ApiScope.values]
    if unknown:
        errors["scopes"] = _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}
    elif not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    acting_as = user if user is not None else actor
    if acting_as.pk != actor.pk and not (
        manager_sees_everything(actor) and api_client_logins().filter(pk=acting_as.pk).exists()
    ):
        errors["user"] = _(
            "A token can act as you, or (for a company-wide manager) as an API-client login."
        )
    if errors:
        raise ValidationError(errors)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip()[:100],
        user=acting_as,
        scopes=scopes,
        key_prefix=key[:12],
        key_hash=hash_key(key),
        created_by=actor,
    )
    activity_record(
        actor=actor,
        action="api_token.create",
        target=token,
        message=gettext_lazy("API token “%(name)s” created"),
        params={"name": token.name},
        data={"scopes": scopes, "acts_as": acting_as.get_username()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke at once: the next request with the key gets 401. Revoking twice is harmless."""
    if not tokens_visible_to(actor).filter(pk=token.pk).exists():
        raise PermissionDenied
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    if revoked:
        activity_record(
            actor=actor,
            action="api_token.revoke",
            target=token,
            message=gettext_lazy("API token “%(name)s” revoked"),
            params={"name": token.name},
        )
    return token


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` (or `Token <key>`). No header: not this scheme."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("The Authorization header must be “Bearer” followed by one key.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        _touch(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return 'Bearer realm="api"'


def token_of(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class HasScope(BasePermission):
    """The view names the scope it needs (`required_scope`, or per method in `required_scopes`).

    A token needs that scope (403 without it). A session user must be a manager or an
    API-client login.
    """

    message: Any = gettext_lazy("This token does not have the scope this endpoint needs.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        scope = required_scope(view, request.method or "GET")
        token = token_of(request)
        if token is not None:
            self.message = _("This token lacks the scope “%(scope)s”.") % {"scope": scope}
            return scope is not None and token.has_scope(scope)
        self.message = _("Only managers and API clients may use the API.")
        return is_manager(request.user) or has_role(request.user, ProgramRole.API_CLIENT)


def required_scope(view: Any, method: str) -> str | None:
    per_method: dict[str, str] = getattr(view, "required_scopes", {})
    return per_method.get(method.upper(), getattr(view, "required_scope", None))


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Requests per token (per user for a session) through the cache.

    The rate is read on every request, so a settings change (and a test override)
    takes effect without a restart of the class.
    """

    scope = "api_token"

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(str(self.scope))
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = token_of(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "roles.api_auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token created by a manager on the API tokens page, sent as "
                "`Authorization: Bearer <key>`. Each endpoint names the scope it needs."
            ),
        }


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """DRF's handler, with every 400 in one shape: {"field": ["reason", ...]}.

    A body that cannot be parsed has no field: its reason goes under
    "non_field_errors". A Django ValidationError that reaches the API (a model rule)
    is a 400 too, never a 500.
    """
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework.views import exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if (
        response is not None
        and response.status_code == 400
        and isinstance(response.data, dict)
        and set(response.data) == {"detail"}
    ):
        response.data = {"non_field_errors": [str(response.data["detail"])]}
    return response
