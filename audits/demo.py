"""The demo audits: mystery-shopper checks of the dealership over the last months.

They tell the story from the design notes: at first the phone rang a long time and
the answer was curt, the salesman said "ты" and brushed off hard questions, the
customer waited for the discount; later visits show the standards taking hold.
One audit waits for review, one is in progress for the demo auditor, one is still
to do, and the salesman disputes an answer of the latest final audit.

Idempotent: nothing is written when the template already exists. Does nothing when
there is no published standards book or no demo journey (it needs both).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from journeys.models import Journey
from roles.demo import DemoOrganisation
from standards.models import Book, VersionStatus

from . import services
from .models import Answer, Audit, AuditItem, AuditStatus, ChecklistTemplate
from .selectors import journey_places

TEMPLATE_NAME = "Звонок и визит: покупка автомобиля из салона за наличные"
JOURNEY_NAME = "Покупка автомобиля"
NOTES = (
    "Позвоните в салон и спросите, есть ли в наличии автомобиль из шоурума в нужной "
    "комплектации. Затем приезжайте, выслушайте консультацию, задайте трудный вопрос "
    "о расходе топлива и гарантии. Скажите, что платите наличными, и попросите скидку."
)
# The scenario: journey steps and situations, by name.
PLACES = [
    "Ответ на входящий звонок",
    "Консультация о наличии автомобиля",
    "Встреча у входа",
    "Выявление потребностей",
    "Ответы на вопросы об автомобиле",
    "Клиент просит скидку",
]
NAMESPACE = uuid.UUID("5b0e4c36-8a61-4c2f-9a3e-3f1d2b7c9e10")

RECEPTIONIST = "R-201"
RECEPTIONIST_NEW = "R-202"
SALESMAN = "S-102"
SALESWOMAN = "S-103"
HEAD_OF_SALES = "S-101"


@dataclass(frozen=True)
class Visit:
    """One demo visit: when, who was observed where, and which requirements were broken
    (matched by a piece of their text); every other item is kept."""

    days_ago: int
    channel: str
    observed: dict[str, str | None]
    broken: dict[str, str]
    not_applicable: tuple[str, ...] = ()


# Observed per place (None: could not identify).
EARLY = {
    "Ответ на входящий звонок": RECEPTIONIST_NEW,
    "Консультация о наличии автомобиля": SALESMAN,
    "Встреча у входа": None,
    "Выявление потребностей": SALESMAN,
    "Ответы на вопросы об автомобиле": SALESMAN,
    "Клиент просит скидку": HEAD_OF_SALES,
}
LATER = {**EARLY, "Ответ на входящий звонок": RECEPTIONIST, "Встреча у входа": RECEPTIONIST}

FINAL_VISITS = [
    Visit(
        days_ago=118,
        channel="in_person",
        observed=EARLY,
        broken={
            "третьего гудка": "Трубку сняли после восьмого гудка.",
            "Зачем звоните": "Ответили: «Зачем звоните, приезжайте и смотрите».",
            "ответить точно": "Наличие не проверили: «на месте разберёмся».",
            "на месте разберёмся": "Дословно: «приезжайте — на месте разберёмся».",
            "на «Вы»": "Через пять минут перешёл на «ты».",
            "Переходить на «ты»": "«Слушай, ты же за наличку берёшь?»",
            "Отмахиваться": "На вопрос о расходе: «Расслабьтесь, отличная машина».",
            "трудный вопрос": "Про гарантию на коробку ответа не было.",
            "в течение 10 минут": "Ждал решения о скидке около часа.",
            "Объяснить клиенту решение": "Вместо скидки принесли коврики в подарок без объяснений.",
        },
    ),
    Visit(
        days_ago=84,
        channel="in_person",
        observed=EARLY,
        broken={
            "третьего гудка": "Ответили после шестого гудка.",
            "Переходить на «ты»": "Один раз обратился на «ты».",
            "на «Вы»": "Один раз обратился на «ты».",
            "в течение 10 минут": "Решение о скидке — через 35 минут.",
        },
    ),
    Visit(
        days_ago=52,
        channel="in_person",
        observed=LATER,
        broken={
            "Уточнить имя клиента": "Имя не спросили.",
            "в течение 10 минут": "Ответ о скидке через 25 минут, без промежуточного сообщения.",
        },
        not_applicable=("Выйти к клиенту лично",),
    ),
    Visit(
        days_ago=9,
        channel="in_person",
        observed={**LATER, "Выявление потребностей": SALESMAN},
        broken={
            "Переходить на «ты»": "В конце разговора: «ну ты подумай».",
            "Предложить напиток": "Напиток не предложили.",
        },
        not_applicable=("перезвонить в течение 15 минут", "Выйти к клиенту лично"),
    ),
]
SUBMITTED_VISIT = Visit(
    days_ago=3,
    channel="in_person",
    observed={**LATER, "Консультация о наличии автомобиля": SALESWOMAN},
    broken={"Подвести итог": "Итог разговора не подвели."},
    not_applicable=("перезвонить в течение 15 минут",),
)


def _employee(organisation: DemoOrganisation, number: str | None) -> Any:
    return organisation.employees.get(number) if number else None


def _answers(audit: Audit, visit: Visit, *, limit: int | None = None) -> services.AuditContent:
    content = services.AuditContent()
    items = list(
        AuditItem.objects.filter(audit=audit)
        .select_related("requirement", "audit_step")
        .order_by("audit_step__order", "order")
    )
    for item in items[:limit]:
        text = item.requirement.text
        comment = next((note for key, note in visit.broken.items() if key in text), None)
        if comment is not None:
            content.answers[item.pk] = Answer.NO
            content.comments[item.pk] = comment
        elif any(key in text for key in visit.not_applicable):
            content.answers[item.pk] = Answer.NOT_APPLICABLE
        else:
            content.answers[item.pk] = Answer.YES
    return content


def _observe(content: services.AuditContent, audit: Audit, visit: Visit, organisation: Any) -> None:
    for audit_step in audit.steps.all():
        employee = _employee(organisation, visit.observed.get(audit_step.title))
        content.observations[audit_step.pk] = (
            str(employee.pk) if employee is not None else services.UNIDENTIFIED
        )


def _assign(
    *,
    actor: Any,
    template: ChecklistTemplate,
    organisation: Any,
    auditor: Any,
    start: datetime.date,
) -> Audit:
    return services.audit_assign(
        actor=actor,
        template=template,
        department=organisation.departments["root"],
        auditor=auditor,
        window_start=start,
        window_end=start + datetime.timedelta(days=14),
    )


def _visit_time(days_ago: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 30)))


@transaction.atomic
def load_demo_audits(organisation: DemoOrganisation) -> ChecklistTemplate | None:
    if ChecklistTemplate.objects.filter(name=TEMPLATE_NAME).exists():
        return None
    book = Book.objects.order_by("id").first()
    version = (
        book.versions.filter(status=VersionStatus.PUBLISHED).first() if book is not None else None
    )
    journey = Journey.objects.filter(name=JOURNEY_NAME).first()
    User = get_user_model()
    auditor = User.objects.filter(username="auditor").first()
    director = _employee(organisation, "A-001")
    if version is None or journey is None or auditor is None or director is None:
        return None
    manager = director.user
    places = [place for place in journey_places(journey, version) if place.requirements]
    keys = [place.key for name in PLACES for place in places if place.title == name]
    if not keys:
        return None
    template = services.template_create(
        actor=manager,
        name=TEMPLATE_NAME,
        journey=journey,
        version=version,
        place_keys=keys,
        notes=NOTES,
    )

    for visit in [*FINAL_VISITS, SUBMITTED_VISIT]:
        visited_at = _visit_time(visit.days_ago)
        audit = _assign(
            actor=manager,
            template=template,
            organisation=organisation,
            auditor=auditor,
            start=visited_at.date() - datetime.timedelta(days=5),
        )
        content = _answers(audit, visit)
        _observe(content, audit, visit, organisation)
        content.visited_at, content.has_visited_at = visited_at, True
        content.channel, content.has_channel = visit.channel, True
        services.audit_submit(
            actor=auditor,
            audit=audit,
            client_id=uuid.uuid5(NAMESPACE, f"audit-{visit.days_ago}"),
            content=content,
        )
        submitted_at = visited_at + datetime.timedelta(hours=2)
        if visit is SUBMITTED_VISIT:
            Audit.objects.filter(pk=audit.pk).update(submitted_at=submitted_at)
            continue
        services.audit_finalize(actor=manager, audit=audit)
        Audit.objects.filter(pk=audit.pk).update(
            submitted_at=submitted_at, finalized_at=visited_at + datetime.timedelta(days=2)
        )

    # The salesman disputes "ты" in the latest final audit: he says it was the customer's word.
    latest = Audit.objects.filter(template=template, status=AuditStatus.FINAL).order_by(
        "-visited_at"
    )[0]
    salesman = _employee(organisation, SALESMAN)
    disputed = (
        AuditItem.objects.filter(
            audit=latest,
            answer=Answer.NO,
            audit_step__employee=salesman,
            requirement__text__contains="Переходить на «ты»",
        )
        .select_related("audit", "audit_step", "requirement")
        .first()
    )
    if disputed is not None and salesman.user is not None:
        services.dispute_raise(
            actor=salesman.user,
            employee=salesman,
            item=disputed,
            reason="«Ну ты подумай» сказал не я, а клиент своему спутнику. Прошу прослушать запись.",
        )

    # In progress: the first steps answered on the phone, the rest still to do.
    today = timezone.localdate()
    in_progress = _assign(
        actor=manager,
        template=template,
        organisation=organisation,
        auditor=auditor,
        start=today - datetime.timedelta(days=2),
    )
    current = Visit(days_ago=0, channel="phone", observed=LATER, broken={})
    content = _answers(in_progress, current, limit=5)
    content.channel, content.has_channel = "phone", True
    services.audit_content_save(actor=auditor, audit=in_progress, content=content)
    # And one still to do, next week.
    _assign(
        actor=manager,
        template=template,
        organisation=organisation,
        auditor=auditor,
        start=today + datetime.timedelta(days=5),
    )
    return template
