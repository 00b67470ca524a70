"""Load the demo company (a car dealership, in Russian). Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from audits.demo import load_demo_audits
from journeys.demo import load_demo_journey
from nps.demo import load_demo_nps
from roles.demo import DEMO_PASSWORD, load_demo_organisation
from scorecards.demo import load_demo_scorecards
from standards.demo import load_demo_book


class Command(BaseCommand):
    help = (
        "Load the demo car dealership: organisation, journey map, standards book, audits, "
        "NPS responses, incentive bands, computed figures and logins. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = load_demo_organisation()
        journey = load_demo_journey(organisation)
        load_demo_book(organisation.departments["root"])
        load_demo_audits(organisation)
        load_demo_nps(organisation)
        load_demo_scorecards()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company ready: {organisation.departments['root'].name}, journey “{journey.name}”."
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login) for login, _roles, _name in organisation.logins)
        for login, roles, name in organisation.logins:
            self.stdout.write(f"  {login.ljust(width)}  {roles:<28} {name}")
