from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards")

    def ready(self) -> None:
        from core import nav
        from roles.models import ProgramRole
        from roles.permissions import has_role, is_manager

        from . import receivers

        receivers.connect()
        nav.section("figures", _("Figures"), order=60)
        nav.register(
            nav.Link(
                "figures",
                _("My scorecard"),
                "scorecards:my_scorecard",
                lambda user: has_role(user, ProgramRole.STAFF),
                order=10,
            ),
            nav.Link(
                "figures",
                _("Dashboard"),
                "scorecards:dashboard",
                is_manager,
                order=20,
                current=("scorecards:*",),
                not_current=("scorecards:my_scorecard",),
            ),
        )
