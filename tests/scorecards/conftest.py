"""A small dealership book, a scenario template and helpers that run audits and NPS
responses through the real services (so the rollup hooks fire as in production).

The template "Call, then visit" checks three places:
- phone: step "Phone call" (receptionist): rings (do, weight 3, critical),
  greeting (say, 2), come_over (never, 1);
- needs: step "Needs" (salesperson): formal (say, 3, critical), budget (do, 2),
  honest (do, 1);
- discount: situation "Asks for a discount" (salesperson): answer_time (do, 3),
  interim (do, 2).
People: staff_member (salesperson, Sales, has a login), Rita (receptionist, Sales),
Boris (salesperson, Used cars), Victor (receptionist, Service).
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass, field

import pytest

from audits import services as audit_services
from audits.models import Audit, AuditItem, ChecklistTemplate, Dispute
from journeys.models import Channel, Situation, SituationKind, Step
from nps.models import ProblemTag, Response, Source, Survey
from roles.models import Department, Employee, Position
from standards import services as book_services
from standards.models import BookVersion, Requirement, RequirementKind
from tests.conftest import login_of
from tests.factories import EmployeeFactory, PositionFactory, StageFactory, StepFactory

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
PLACES = ("phone", "needs", "discount")


def moscow(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


@dataclass
class Scenario:
    version: BookVersion
    template: ChecklistTemplate
    phone_step: Step
    needs_step: Step
    discount: Situation
    receptionist: Position
    salesperson: Position
    requirements: dict[str, Requirement] = field(default_factory=dict)


@pytest.fixture
def receptionist_position(db) -> Position:
    return PositionFactory.create(name="Receptionist")


@pytest.fixture
def salesperson_position(db) -> Position:
    return PositionFactory.create(name="Salesperson")


@pytest.fixture
def rita(company, receptionist_position) -> Employee:
    return EmployeeFactory.create(
        full_name="Rita Reception", department=company.sales, position=receptionist_position
    )


@pytest.fixture
def boris(company, salesperson_position) -> Employee:
    return EmployeeFactory.create(
        full_name="Boris Used", department=company.used_cars, position=salesperson_position
    )


@pytest.fixture
def victor(company, receptionist_position) -> Employee:
    return EmployeeFactory.create(
        full_name="Victor Service", department=company.service, position=receptionist_position
    )


@pytest.fixture
def scenario(manager, receptionist_position, salesperson_position) -> Scenario:
    actor = manager.user
    first_call = StageFactory.create(name="First call", journey__name="Buying a car", order=1)
    visit = StageFactory.create(name="Visit", journey=first_call.journey, order=2)
    phone_step = StepFactory.create(
        stage=first_call, name="Phone call", responsible_position=receptionist_position, order=1
    )
    needs_step = StepFactory.create(
        stage=visit, name="Needs", responsible_position=salesperson_position, order=1
    )
    discount = Situation.objects.create(
        journey=first_call.journey,
        step=needs_step,
        name="Asks for a discount",
        kind=SituationKind.NON_STANDARD,
        responsible_position=salesperson_position,
    )
    book = book_services.book_create(actor=actor, name="Standards")
    draft = book.versions.get()

    def standard(position, *, step=None, situation=None):
        return book_services.communication_standard_create(
            actor=actor, version=draft, position=position, step=step, situation=situation,
            process="",
        )  # fmt: skip

    def require(parent, text, kind, weight, critical=False):
        return book_services.requirement_create(
            actor=actor, parent=parent, text=text, kind=kind, weight=weight, critical=critical,
            auditable=True,
        )  # fmt: skip

    phone = standard(receptionist_position, step=phone_step)
    needs = standard(salesperson_position, step=needs_step)
    ask = standard(salesperson_position, situation=discount)
    requirements = {
        "rings": require(phone, "Answer within three rings.", RequirementKind.DO, 3, True),
        "greeting": require(phone, "Greet, say your name and the company.", RequirementKind.SAY, 2),
        "come_over": require(phone, "Tell the caller to just come over.", RequirementKind.NEVER, 1),
        "formal": require(needs, "Address the customer formally.", RequirementKind.SAY, 3, True),
        "budget": require(needs, "Ask about the budget.", RequirementKind.DO, 2),
        "honest": require(needs, "Answer every question about the car honestly.", RequirementKind.DO, 1),
        "answer_time": require(ask, "Answer within 15 minutes.", RequirementKind.DO, 3),
        "interim": require(ask, "Give an interim message.", RequirementKind.DO, 2),
    }  # fmt: skip
    version = book_services.version_publish(actor=actor, version=draft, change_note="First.")
    template = audit_services.template_create(
        actor=actor,
        name="Call, then visit",
        journey=first_call.journey,
        version=version,
        place_keys=[f"step-{phone_step.pk}", f"step-{needs_step.pk}", f"situation-{discount.pk}"],
    )
    return Scenario(
        version=version,
        template=template,
        phone_step=phone_step,
        needs_step=needs_step,
        discount=discount,
        receptionist=receptionist_position,
        salesperson=salesperson_position,
        requirements=requirements,
    )


def record_audit(
    scenario: Scenario,
    *,
    manager: Employee,
    auditor,
    department: Department,
    visited_at: datetime.datetime,
    observed: dict[str, Employee | None],
    answers: dict[str, str],
    finalize: bool = True,
) -> Audit:
    """Assign, submit and (by default) finalize an audit through the audit services.

    `observed` names the employee per place (None: could not identify); `answers` maps
    requirement names to "yes", "no" or "na".
    """
    audit = audit_services.audit_assign(
        actor=login_of(manager),
        template=scenario.template,
        department=department,
        auditor=auditor,
        window_start=visited_at.date() - datetime.timedelta(days=1),
        window_end=visited_at.date() + datetime.timedelta(days=1),
    )
    steps = {step.order: step for step in audit.steps.all()}
    observations = {}
    for order, place in enumerate(PLACES, start=1):
        person = observed[place]
        observations[steps[order].pk] = str(person.pk) if person else audit_services.UNIDENTIFIED
    by_requirement = {item.requirement_id: item.pk for item in audit.items.all()}
    content = audit_services.AuditContent(
        answers={
            by_requirement[scenario.requirements[name].pk]: answer
            for name, answer in answers.items()
        },
        observations=observations,
        visited_at=visited_at,
        has_visited_at=True,
        channel=Channel.IN_PERSON,
        has_channel=True,
    )
    outcome = audit_services.audit_submit(
        actor=auditor, audit=audit, client_id=uuid.uuid4(), content=content
    )
    assert outcome.submitted, outcome.missing
    if finalize:
        audit_services.audit_finalize(actor=login_of(manager), audit=audit)
    audit.refresh_from_db()
    return audit


def item_of(audit: Audit, scenario: Scenario, name: str) -> AuditItem:
    return audit.items.get(requirement=scenario.requirements[name])


def dispute(
    audit: Audit,
    scenario: Scenario,
    name: str,
    *,
    employee: Employee,
    manager: Employee | None,
    corrected: str = "yes",
) -> Dispute:
    """Raise a dispute as the observed employee; accept it when a manager is given."""
    raised = audit_services.dispute_raise(
        actor=employee.user, employee=employee, item=item_of(audit, scenario, name),
        reason="I did it, the auditor did not see.",
    )  # fmt: skip
    if manager is None:
        return raised
    return audit_services.dispute_accept(actor=login_of(manager), dispute=raised, answer=corrected)


@pytest.fixture
def survey(company) -> Survey:
    return Survey.objects.create(name="After the purchase", department=company.sales)


def respond(
    survey: Survey,
    *,
    score: int,
    at: datetime.datetime,
    department: Department,
    employee: Employee | None = None,
    step: Step | None = None,
    tags: list[ProblemTag] = (),  # type: ignore[assignment]
) -> Response:
    """A response saved one by one (as the public survey page does)."""
    response = Response.objects.create(
        survey=survey,
        department=department,
        employee=employee,
        step=step,
        score=score,
        source=Source.LINK,
        submitted_at=at,
    )
    for tag in tags:
        response.tag_links.create(tag=tag)
    return response


ALL_YES = {
    "rings": "yes", "greeting": "yes", "come_over": "yes", "formal": "yes", "budget": "yes",
    "honest": "yes", "answer_time": "yes", "interim": "yes",
}  # fmt: skip
MARCH_2026 = datetime.date(2026, 3, 1)


@pytest.fixture
def frozen_april():
    """Pages look at March 2026 from April 2, 2026 (Moscow)."""
    import time_machine

    with time_machine.travel(moscow(2026, 4, 2, 10), tick=False):
        yield


def add_sales_audits(
    scenario, *, manager, auditor, company, anna, rita, count: int = 1, answers=None
) -> list[Audit]:
    """Final audits of Sales in March 2026 observing Rita (phone) and Anna; the needs
    step fails "budget" (weight 2) unless other answers are given."""
    answers = answers or {**ALL_YES, "budget": "no"}
    return [
        record_audit(
            scenario,
            manager=manager,
            auditor=auditor,
            department=company.sales,
            visited_at=moscow(2026, 3, 2 + index % 25),
            answers=answers,
            observed={"phone": rita, "needs": anna, "discount": anna},
        )
        for index in range(count)
    ]


@pytest.fixture
def general_rules(manager):
    from decimal import Decimal

    from scorecards import services
    from scorecards.services import BandInput

    return services.band_set_create(
        actor=login_of(manager), effective_from=datetime.date(2026, 1, 1), position=None,
        allow_past=True, note="Everyone",
        bands=[BandInput(Decimal(95), Decimal("1.15")), BandInput(Decimal(85), Decimal("1.00")),
               BandInput(Decimal(70), Decimal("0.95")), BandInput(Decimal(0), Decimal("0.90"))],
    )  # fmt: skip


@pytest.fixture
def sales_march(
    frozen_april, scenario, manager, auditor, company, staff_member, rita, boris, victor,
    survey, general_rules, django_capture_on_commit_callbacks,
):  # fmt: skip
    """One final audit of Sales in March (Anna 9/11 = 81.82 %, Rita 6/6), two responses."""
    with django_capture_on_commit_callbacks(execute=True):
        audits = add_sales_audits(
            scenario,
            manager=manager,
            auditor=auditor,
            company=company,
            anna=staff_member,
            rita=rita,
        )
        respond(
            survey, score=10, at=moscow(2026, 3, 3), department=company.sales, employee=staff_member
        )
        respond(
            survey, score=4, at=moscow(2026, 3, 4), department=company.sales, employee=staff_member
        )
    return audits[0]
