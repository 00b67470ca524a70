"""The ground floor: mechanics every app shares and no app owns.

`core` imports no other app of the project. What it holds is generic: the history
(activity) log, edit conflicts and the stale-edit guard, model updates, ordering,
activation, CSV decoding, typed request and actor aliases, the inline-edit view
helper, and the SQLite Unicode LIKE.
"""

from __future__ import annotations

import functools
import re

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("History")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_unicode_like, dispatch_uid="core.sqlite_unicode_like")


def _sqlite_unicode_like(sender: object, connection: object, **kwargs: object) -> None:
    """Make SQLite's LIKE case-insensitive beyond ASCII, so "иван" finds "Иван".

    SQLite folds only ASCII letters; Russian names are most of what people search.
    PostgreSQL needs nothing: Django uses UPPER(...) LIKE UPPER(...) there.
    """
    if getattr(connection, "vendor", "") != "sqlite":
        return

    def like(pattern: str | None, value: str | None, escape: str | None = None) -> bool | None:
        if pattern is None or value is None:
            return None
        return _like_regex(pattern, escape).fullmatch(value) is not None

    raw = connection.connection  # type: ignore[attr-defined]
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str, escape: str | None) -> re.Pattern[str]:
    """A LIKE pattern as a compiled case-insensitive regex, built once per pattern
    rather than once per row compared."""
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if escape and char == escape and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts), flags=re.IGNORECASE | re.DOTALL)
