from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Mystery-shopper audits")

    def ready(self) -> None:
        from core import nav
        from roles.models import ProgramRole
        from roles.permissions import has_role, is_manager

        nav.section("audits", _("Audits"), order=40)
        nav.register(
            nav.Link(
                "audits",
                _("Audits"),
                "audits:list",
                lambda user: is_manager(user) or has_role(user, ProgramRole.AUDITOR),
                order=10,
                current=("audits:*",),
                not_current=("audits:my_audits",),
            ),
            nav.Link(
                "audits",
                _("My audits"),
                "audits:my_audits",
                lambda user: has_role(user, ProgramRole.STAFF),
                order=20,
            ),
        )
