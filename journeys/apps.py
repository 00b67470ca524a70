from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Customer journeys")

    def ready(self) -> None:
        from core import nav

        from .permissions import can_read_journeys

        nav.section("journey", _("Journey"), order=20)
        nav.register(
            nav.Link(
                "journey",
                _("Journey map"),
                "journeys:list",
                can_read_journeys,
                order=10,
                current=("journeys:*",),
                not_current=("journeys:position_duties",),
            )
        )
