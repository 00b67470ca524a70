from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NpsConfig(AppConfig):
    name = "nps"
    verbose_name = _("NPS surveys")

    def ready(self) -> None:
        from core import nav

        from .permissions import can_work_with_nps

        nav.section("clients", _("Clients"), order=50)
        nav.register(
            nav.Link(
                "clients",
                _("NPS responses"),
                "nps:responses",
                can_work_with_nps,
                order=10,
                current=("nps:*",),
                not_current=("nps:surveys", "nps:survey_detail"),
            ),
            nav.Link(
                "clients",
                _("Surveys"),
                "nps:surveys",
                can_work_with_nps,
                order=20,
                current=("nps:surveys", "nps:survey_detail"),
            ),
        )
