from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from core import nav

        from .permissions import is_manager

        nav.section("organisation", _("Organisation"), order=10)
        nav.register(
            nav.Link(
                "organisation",
                _("Employees"),
                "roles:employee_list",
                is_manager,
                order=10,
                current=("roles:employee_list", "roles:employee_detail"),
            ),
            nav.Link(
                "organisation",
                _("Departments"),
                "roles:department_list",
                is_manager,
                order=20,
            ),
            nav.Link(
                "organisation",
                _("Positions"),
                "roles:position_list",
                is_manager,
                order=30,
                current=("roles:position_list", "journeys:position_duties"),
            ),
        )
