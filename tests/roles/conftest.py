"""Helpers for the organisation tests: htmx requests and the roles that may not pass."""

from __future__ import annotations

HTMX = {"HTTP_HX_REQUEST": "true"}

# Logged-in personas without the manager role: every organisation page refuses them.
NOT_MANAGERS = ["auditor_client", "staff_client", "outsider_client"]
