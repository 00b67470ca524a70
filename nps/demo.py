"""The demo dealership's NPS: surveys, six months of responses, problem tags, follow-ups.

The comments tell the demo story (a phone that rang too long and a curt answer, an
hour's wait for a discount decision ending in floor mats "as a gift", a salesman who
said «ты» and brushed questions off) and, more often as the months go by, standards
being kept. A fixed random seed makes every load the same; loading twice changes
nothing (rows are found by name or by their demo external id).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from journeys.demo import JOURNEY_NAME
from journeys.models import Step
from roles.demo import DemoOrganisation

from . import scoring
from .models import (
    FollowUp,
    Invitation,
    ProblemTag,
    Response,
    ResponseTag,
    Source,
    Survey,
)
from .services import responses_announce

SEED = 20260115
RESPONSES = 150
DAYS = 182
EXTERNAL_PREFIX = "demo-nps-"

TAGS = {
    "phone_slow": ("Долго не берут трубку", "Звонок не приняли за три гудка."),
    "curt": ("Грубый или небрежный ответ", "«Зачем звоните, просто приезжайте» и подобное."),
    "ty": ("Обращение на «ты»", "К клиенту обращаются на «ты» вместо «Вы»."),
    "brushed_off": ("Отмахнулись от вопросов", "Неполные или уклончивые ответы об автомобиле."),
    "discount_wait": (
        "Долгое ожидание решения о скидке",
        "Дольше 15 минут без промежуточного сообщения.",
    ),
    "gift": ("Подарок вместо скидки", "Коврики «в подарок» вместо обещанного решения."),
    "late": ("Задержка выдачи", "Автомобиль выдали позже назначенного времени."),
    "bill": ("Непонятный счёт", "Работы в счёте не согласованы с клиентом."),
}

# (comment, tags) per survey key and category
COMMENTS: dict[str, dict[str, list[tuple[str, list[str]]]]] = {
    "phone": {
        scoring.DETRACTOR: [
            (
                "Телефон звонил очень долго, потом ответили: «зачем звоните, просто приезжайте». Неприятно.",
                ["phone_slow", "curt"],
            ),
            (
                "Дозвонился только с третьего раза, про наличие машины толком ничего не сказали.",
                ["phone_slow", "brushed_off"],
            ),
            ("Не представились, ответили сухо: «приезжайте — посмотрите».", ["curt"]),
        ],
        scoring.PASSIVE: [
            ("Ответили не сразу, но по делу.", ["phone_slow"]),
            ("Нормально, хотя пришлось подождать на линии.", []),
        ],
        scoring.PROMOTER: [
            (
                "Ответили после второго гудка, представились, рассказали про наличие и записали на визит.",
                [],
            ),
            (
                "Администратор вежливая, уточнила комплектацию и перезвонила с ответом, как обещала.",
                [],
            ),
            ("", []),
        ],
    },
    "deal": {
        scoring.DETRACTOR: [
            (
                "Попросил скидку за наличные на машину из салона — ждал руководителя почти час, а в итоге «в подарок» дали коврики.",
                ["discount_wait", "gift"],
            ),
            (
                "Продавец был любезен, пока не начались сложные вопросы, потом: «да расслабься, отличная машина». И всё время на «ты».",
                ["ty", "brushed_off"],
            ),
            (
                "Час ждал решения по скидке, никто не подошёл сказать, сколько ещё ждать.",
                ["discount_wait"],
            ),
            (
                "На вопрос про расход и гарантию отмахнулись. Обращались на «ты».",
                ["ty", "brushed_off"],
            ),
        ],
        scoring.PASSIVE: [
            ("Машину купил, но по скидке решали слишком долго.", ["discount_wait"]),
            ("В целом нормально, хотя на часть вопросов ответили уклончиво.", ["brushed_off"]),
            ("Выдали на час позже, чем договаривались.", ["late"]),
        ],
        scoring.PROMOTER: [
            (
                "Менеджер обращался на «Вы» и честно ответил на все вопросы, даже неудобные. Решение по скидке — за 10 минут.",
                [],
            ),
            (
                "Пока ждал руководителя, предложили кофе и сказали, что решение будет через 15 минут — так и вышло.",
                [],
            ),
            ("Торжественная выдача, всё объяснили про гарантию и функции. Спасибо!", []),
            ("", []),
        ],
    },
    "service": {
        scoring.DETRACTOR: [
            (
                "Обслуживаюсь здесь только из-за гарантии. Записали на 10:00, машину взяли в 11:30.",
                ["late"],
            ),
            ("В счёте работы, которые со мной не согласовывали.", ["bill"]),
        ],
        scoring.PASSIVE: [
            ("Сделали всё, но выдали машину позже обещанного.", ["late"]),
            ("Нормально, но объяснить счёт пришлось просить дважды.", ["bill"]),
        ],
        scoring.PROMOTER: [
            (
                "Мастер-консультант осмотрел машину при мне, согласовал работы и срок, выдал вовремя.",
                [],
            ),
            ("Всё чётко и по записи.", []),
            ("", []),
        ],
    },
    "personal": {
        scoring.DETRACTOR: [
            (
                "Денис с первой минуты на «ты», на вопрос о комплектации ответил «да какая разница».",
                ["ty", "brushed_off"],
            ),
        ],
        scoring.PASSIVE: [
            (
                "Показал машину, но на сложные вопросы обещал «уточнить» и не уточнил.",
                ["brushed_off"],
            ),
        ],
        scoring.PROMOTER: [
            ("Денис был вежлив, обращался на «Вы», на тест-драйве всё спокойно объяснил.", []),
            ("Отличная презентация, без давления.", []),
        ],
    },
}

FOLLOW_UP_NOTES = {
    FollowUp.CONTACTED: [
        "Позвонила клиенту, извинилась, записала подробности. Ждём решения руководителя.",
        "Связались с клиентом, договорились о повторном визите.",
    ],
    FollowUp.RESOLVED: [
        "Позвонила, извинилась от имени салона, предложили бесплатную мойку и ТО со скидкой. Клиент доволен.",
        "Разобрали ситуацию на планёрке, с сотрудником проведена беседа по стандарту «Вы». Клиенту перезвонили.",
    ],
}


@dataclass(frozen=True)
class _SurveySpec:
    key: str
    name: str
    step: str
    department: str
    employee: str | None
    share: float
    # Employees (personnel numbers) the answers are attributed to, when not personal.
    staff: tuple[str, ...]


SURVEYS = [
    _SurveySpec(
        "phone",
        "После звонка в салон",
        "Ответ на входящий звонок",
        "reception",
        None,
        0.3,
        ("R-201", "R-202"),
    ),
    _SurveySpec(
        "deal",
        "После покупки автомобиля",
        "Торжественная выдача",
        "sales",
        None,
        0.35,
        ("S-102", "S-103", "S-104", "S-105"),
    ),
    _SurveySpec(
        "service",
        "После сервисного обслуживания",
        "Выдача автомобиля после обслуживания",
        "service",
        None,
        0.25,
        ("T-401", "T-402"),
    ),
    _SurveySpec(
        "personal",
        "Личная ссылка: Орлов Денис",
        "Презентация автомобиля",
        "sales",
        "S-102",
        0.1,
        (),
    ),
]


def _category_for(rng: random.Random, month: int) -> str:
    """Month 0 is six months ago: detractors fall as the standards take hold."""
    detractor = 0.45 - 0.05 * month
    passive = 0.25
    roll = rng.random()
    if roll < detractor:
        return scoring.DETRACTOR
    if roll < detractor + passive:
        return scoring.PASSIVE
    return scoring.PROMOTER


def _score_for(rng: random.Random, category: str) -> int:
    low, high = scoring.score_range(category)
    if category == scoring.DETRACTOR:
        return rng.choice([0, 1, 2, 3, 3, 4, 5, 5, 6, 6])
    return rng.randint(low, high)


@transaction.atomic
def load_demo_nps(organisation: DemoOrganisation) -> dict[str, int]:
    """Create the demo surveys, tags and responses once. Returns what was created."""
    journey_steps = {
        step.name: step
        for step in Step.objects.filter(stage__journey__name=JOURNEY_NAME).select_related("stage")
    }
    tags = {}
    for key, (name, description) in TAGS.items():
        tags[key], _created = ProblemTag.objects.get_or_create(
            name=name, defaults={"description": description}
        )
    today = timezone.localdate()
    surveys: dict[str, Survey] = {}
    for spec in SURVEYS:
        employee = organisation.employees.get(spec.employee) if spec.employee else None
        surveys[spec.key], _created = Survey.objects.get_or_create(
            name=spec.name,
            defaults={
                "step": journey_steps.get(spec.step),
                "department": organisation.departments[spec.department],
                "employee": employee,
                "active_from": today - datetime.timedelta(days=DAYS + 7),
            },
        )
    if Response.objects.filter(external_id__startswith=EXTERNAL_PREFIX).exists():
        return {"surveys": len(surveys), "responses": 0}

    rng = random.Random(SEED)
    User = get_user_model()
    followers = list(
        User.objects.filter(username__in=["manager", "sales_head"]).order_by("username")
    )
    now = timezone.now()
    responses: list[Response] = []
    links: list[tuple[int, list[str]]] = []
    invitations: list[Invitation] = []
    for number in range(RESPONSES):
        spec = rng.choices(SURVEYS, weights=[spec.share for spec in SURVEYS])[0]
        days_ago = rng.randint(0, DAYS - 1)
        month = min(5, (DAYS - 1 - days_ago) * 6 // DAYS)
        category = _category_for(rng, month)
        comment, comment_tags = rng.choice(COMMENTS[spec.key][category])
        # Opening hours, local time: 9:00 to 20:00.
        moment = timezone.make_aware(
            datetime.datetime.combine(
                today - datetime.timedelta(days=days_ago),
                datetime.time(rng.randint(9, 19), rng.randint(0, 59)),
            )
        )
        moment = min(moment, now - datetime.timedelta(minutes=rng.randint(30, 120)))
        if spec.employee:
            employee = organisation.employees[spec.employee]
        else:
            employee = organisation.employees[rng.choice(spec.staff)]
        survey = surveys[spec.key]
        response = Response(
            survey=survey,
            department_id=employee.department_id,
            employee=employee,
            step=survey.step,
            score=_score_for(rng, category),
            comment=comment,
            language="ru",
            source=Source.LINK,
            external_id=f"{EXTERNAL_PREFIX}{number + 1:04d}",
            submitted_at=moment,
            follow_up_status=FollowUp.OPEN if category == scoring.DETRACTOR else FollowUp.NONE,
        )
        if spec.key == "deal" and rng.random() < 0.5:
            invitation = Invitation(
                survey=survey,
                external_ref=f"CRM-{moment:%Y%m}-{number + 1:04d}",
                employee=employee,
                answered_at=moment,
            )
            invitations.append(invitation)
            response.source = Source.INVITATION
            response.invitation = invitation
        if category == scoring.DETRACTOR and days_ago > 3 and followers:
            status = rng.choice(
                [FollowUp.OPEN, FollowUp.CONTACTED, FollowUp.RESOLVED, FollowUp.RESOLVED]
            )
            if status != FollowUp.OPEN:
                response.follow_up_status = status
                response.follow_up_note = rng.choice(FOLLOW_UP_NOTES[status])
                response.follow_up_by = rng.choice(followers)
                response.follow_up_at = moment + datetime.timedelta(days=rng.randint(1, 3))
        responses.append(response)
        links.append((number, comment_tags if category != scoring.PROMOTER else []))

    Invitation.objects.bulk_create(invitations)
    for response in responses:
        if response.invitation is not None:
            response.invitation_id = response.invitation.pk
    Response.objects.bulk_create(responses)
    created = {
        response.external_id: response.pk
        for response in Response.objects.filter(external_id__startswith=EXTERNAL_PREFIX).only(
            "pk", "external_id"
        )
    }
    tagger = followers[0] if followers else None
    ResponseTag.objects.bulk_create(
        [
            ResponseTag(
                response_id=created[f"{EXTERNAL_PREFIX}{number + 1:04d}"],
                tag=tags[key],
                tagged_by=tagger,
            )
            for number, keys in links
            for key in keys
        ]
    )
    responses_announce(responses)
    return {"surveys": len(surveys), "responses": len(responses)}


def demo_summary() -> dict[str, Any]:
    return {
        "surveys": Survey.objects.count(),
        "responses": Response.objects.count(),
        "tags": ProblemTag.objects.count(),
    }
