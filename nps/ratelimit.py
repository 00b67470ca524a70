"""How many answers one client address may send to one survey, counted in the cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For address behind a trusted proxy."""
    if settings.NPS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(survey_id: int, address: str) -> str:
    # Addresses are hashed: the cache holds no personal data in clear.
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:24]
    return f"nps:answers:{survey_id}:{digest}"


def answer_allowed(*, survey_id: int, request: HttpRequest) -> bool:
    """Count one answer; False once the address went over the limit in the current window."""
    key = _key(survey_id, client_address(request))
    window: int = settings.NPS_SURVEY_RATE_WINDOW
    limit: int = settings.NPS_SURVEY_RATE_LIMIT
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the first answer of a new window.
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
