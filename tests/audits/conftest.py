"""A small published book, a scenario template built from it and an audit of Sales.

The journey "Buying a car":
- stage "First call": step "Phone call" (receptionist);
- stage "Visit": step "Needs" (salesperson) with the situation "Asks for a discount"
  (salesperson); the cross-cutting situation "Bad review online" (advocate).
Version 1 holds, for the responsible positions:
- Phone call: rings (do, weight 3, critical), greeting (say, 2), come_over (never, 1),
  and "Think positively" (not auditable, so never on a checklist);
- Needs: formal (say, 3, critical), budget (do, 2); plus a requirement for the head of
  sales at the same step, who is not responsible for it (never on the checklist);
- Asks for a discount: answer_time (do, 3), interim (do, 2).
The staff member (a salesperson in Sales) and a receptionist of Sales can be observed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from audits import services
from audits.models import Audit, ChecklistTemplate
from journeys.models import Situation, SituationKind, Step
from roles.models import Employee, Position
from standards import services as book_services
from standards.models import BookVersion, Requirement, RequirementKind
from tests.factories import EmployeeFactory, PositionFactory, StageFactory, StepFactory


@dataclass
class Book:
    version: BookVersion
    phone_step: Step
    needs_step: Step
    discount: Situation
    review: Situation
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
def receptionist(company, receptionist_position) -> Employee:
    return EmployeeFactory.create(
        full_name="Rita Reception", department=company.sales, position=receptionist_position
    )


def _require(actor, parent, text, kind, weight=1, critical=False, auditable=True):
    return book_services.requirement_create(
        actor=actor,
        parent=parent,
        text=text,
        kind=kind,
        weight=weight,
        critical=critical,
        auditable=auditable,
    )


@pytest.fixture
def book(manager, receptionist_position, salesperson_position) -> Book:
    return build_book(manager.user, receptionist_position, salesperson_position)


def build_book(actor, receptionist_position: Position, salesperson_position: Position) -> Book:
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
    review = Situation.objects.create(
        journey=first_call.journey,
        step=None,
        name="Bad review online",
        kind=SituationKind.NEGATIVE,
        responsible_position=PositionFactory.create(name="Advocate"),
    )
    head = PositionFactory.create(name="Head of sales")
    bookrow = book_services.book_create(actor=actor, name="Standards")
    draft = bookrow.versions.get()

    def standard(position, *, step=None, situation=None):
        return book_services.communication_standard_create(
            actor=actor, version=draft, position=position, step=step, situation=situation,
            process="",
        )  # fmt: skip

    phone = standard(receptionist_position, step=phone_step)
    needs = standard(salesperson_position, step=needs_step)
    head_needs = standard(head, step=needs_step)
    ask = standard(salesperson_position, situation=discount)
    requirements = {
        "rings": _require(actor, phone, "Answer within three rings.", RequirementKind.DO, 3, True),
        "greeting": _require(actor, phone, "Greet, say your name and the company.", RequirementKind.SAY, 2),
        "come_over": _require(actor, phone, "Tell the caller to just come over.", RequirementKind.NEVER, 1),
        "positive": _require(actor, phone, "Think positively.", RequirementKind.DO, 1, auditable=False),
        "formal": _require(actor, needs, "Address the customer formally.", RequirementKind.SAY, 3, True),
        "budget": _require(actor, needs, "Ask about the budget.", RequirementKind.DO, 2),
        "head": _require(actor, head_needs, "Come over when asked.", RequirementKind.DO, 2),
        "answer_time": _require(actor, ask, "Answer within 15 minutes.", RequirementKind.DO, 3),
        "interim": _require(actor, ask, "Give an interim message.", RequirementKind.DO, 2),
    }  # fmt: skip
    version = book_services.version_publish(actor=actor, version=draft, change_note="First.")
    return Book(
        version=version,
        phone_step=phone_step,
        needs_step=needs_step,
        discount=discount,
        review=review,
        receptionist=receptionist_position,
        salesperson=salesperson_position,
        requirements=requirements,
    )


def scenario_keys(book: Book) -> list[str]:
    return [
        f"step-{book.phone_step.pk}",
        f"step-{book.needs_step.pk}",
        f"situation-{book.discount.pk}",
    ]


@pytest.fixture
def template(book, manager) -> ChecklistTemplate:
    return build_template(book, manager.user)


def build_template(book: Book, actor) -> ChecklistTemplate:
    return services.template_create(
        actor=actor,
        name="Call, then visit: cash purchase",
        journey=book.phone_step.stage.journey,
        version=book.version,
        place_keys=scenario_keys(book),
        notes="Pay cash, ask for a discount.",
    )


@pytest.fixture
def audit(template, manager, auditor, company, staff_member, receptionist) -> Audit:
    return build_audit(template, manager.user, auditor, company.sales)


def build_audit(template: ChecklistTemplate, actor, auditor, department) -> Audit:
    return services.audit_assign(
        actor=actor,
        template=template,
        department=department,
        auditor=auditor,
        window_start=datetime.date(2026, 3, 1),
        window_end=datetime.date(2026, 3, 31),
    )


def items_by_key(audit: Audit, book: Book) -> dict[str, int]:
    """Audit item ids by the conftest's requirement names."""
    by_requirement = {item.requirement_id: item.pk for item in audit.items.all()}
    return {
        name: by_requirement[requirement.pk]
        for name, requirement in book.requirements.items()
        if requirement.pk in by_requirement
    }


def steps_in_order(audit: Audit) -> list:
    return list(audit.steps.order_by("order"))
