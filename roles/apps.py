from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(_sqlite_unicode_like)


def _sqlite_unicode_like(sender: object, connection: object, **kwargs: object) -> None:
    """Make SQLite's LIKE case-insensitive beyond ASCII, so "иван" finds "Иван".

    SQLite folds only ASCII letters; Russian names are most of what people search.
    PostgreSQL needs nothing: Django uses UPPER(...) LIKE UPPER(...) there.
    """
    if getattr(connection, "vendor", "") != "sqlite":
        return
    import re

    def like(pattern: str | None, value: str | None, escape: str | None = None) -> bool | None:
        if pattern is None or value is None:
            return None
        regex = []
        index = 0
        while index < len(pattern):
            char = pattern[index]
            if escape and char == escape and index + 1 < len(pattern):
                regex.append(re.escape(pattern[index + 1]))
                index += 2
                continue
            if char == "%":
                regex.append(".*")
            elif char == "_":
                regex.append(".")
            else:
                regex.append(re.escape(char))
            index += 1
        return re.fullmatch("".join(regex), value, flags=re.IGNORECASE | re.DOTALL) is not None

    raw = connection.connection  # type: ignore[attr-defined]
    raw.create_function("like", 2, like, deterministic=True)
    raw.create_function("like", 3, like, deterministic=True)
