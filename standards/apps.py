from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("Standards book")

    def ready(self) -> None:
        from core import nav
        from roles.models import ProgramRole
        from roles.permissions import has_role, is_manager

        def reads_the_book(user: object) -> bool:
            return (
                is_manager(user)
                or has_role(user, ProgramRole.AUDITOR)
                or has_role(user, ProgramRole.STAFF)
            )

        nav.section("standards", _("Standards"), order=30)
        nav.register(
            nav.Link(
                "standards",
                _("My standards"),
                "standards:mine",
                lambda user: has_role(user, ProgramRole.STAFF),
                order=10,
            ),
            nav.Link(
                "standards",
                _("Standards book"),
                "standards:book",
                reads_the_book,
                order=20,
                current=("standards:*",),
                not_current=("standards:mine",),
            ),
        )
