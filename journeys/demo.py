"""The demo journey "Покупка автомобиля": stages, steps and situations, in Russian.

Built from a purchase that went wrong: the phone rang too long, the salesman brushed
off hard questions, the customer waited an hour for a discount decision. Idempotent:
an existing journey is left as it is.
"""

from __future__ import annotations

from django.db import transaction

from roles.demo import DemoOrganisation

from .models import Channel, Journey, Situation, SituationKind, Stage, Step

JOURNEY_NAME = "Покупка автомобиля"

# stage -> [(step, channel, responsible position, description)]
STAGES: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    (
        "Первый звонок",
        [
            (
                "Ответ на входящий звонок",
                Channel.PHONE,
                "Администратор ресепшн",
                "Клиент звонит в салон; трубку снимают не позже третьего гудка.",
            ),
            (
                "Консультация о наличии автомобиля",
                Channel.PHONE,
                "Менеджер по продажам",
                "Клиент уточняет, есть ли нужный автомобиль в наличии и сколько он стоит.",
            ),
            (
                "Запись на визит",
                Channel.PHONE,
                "Менеджер по продажам",
                "Договориться о времени визита и подтвердить его сообщением.",
            ),
        ],
    ),
    (
        "Визит в салон",
        [
            (
                "Встреча у входа",
                Channel.IN_PERSON,
                "Администратор ресепшн",
                "Клиента встречают в течение минуты после входа.",
            ),
            (
                "Ожидание консультанта",
                Channel.IN_PERSON,
                "Администратор ресепшн",
                "Пока консультант занят, клиенту предлагают напитки и сообщают время ожидания.",
            ),
            (
                "Выявление потребностей",
                Channel.IN_PERSON,
                "Менеджер по продажам",
                "Узнать, для чего нужен автомобиль, бюджет и способ оплаты.",
            ),
        ],
    ),
    (
        "Презентация",
        [
            (
                "Презентация автомобиля",
                Channel.IN_PERSON,
                "Менеджер по продажам",
                "Показать автомобиль с учётом того, что важно клиенту.",
            ),
            (
                "Ответы на вопросы об автомобиле",
                Channel.IN_PERSON,
                "Менеджер по продажам",
                "Честные и полные ответы, включая сложные и неудобные вопросы.",
            ),
            (
                "Тест-драйв",
                Channel.IN_PERSON,
                "Менеджер по продажам",
                "Предложить тест-драйв и провести его по согласованному маршруту.",
            ),
        ],
    ),
    (
        "Сделка и скидка",
        [
            (
                "Обсуждение цены и скидки",
                Channel.IN_PERSON,
                "Руководитель отдела продаж",
                "Решение о скидке или подарке по письменным правилам и в установленный срок.",
            ),
            (
                "Оформление договора",
                Channel.IN_PERSON,
                "Менеджер по продажам",
                "Объяснить каждый пункт договора и ответить на вопросы.",
            ),
            (
                "Оплата",
                Channel.IN_PERSON,
                "Кассир",
                "Принять оплату наличными или картой и выдать документы.",
            ),
        ],
    ),
    (
        "Выдача автомобиля",
        [
            (
                "Подготовка автомобиля к выдаче",
                Channel.IN_PERSON,
                "Менеджер по выдаче автомобилей",
                "Автомобиль вымыт, заправлен, документы проверены до прихода клиента.",
            ),
            (
                "Торжественная выдача",
                Channel.IN_PERSON,
                "Менеджер по выдаче автомобилей",
                "Выдача в назначенное время, рассказ о функциях автомобиля и гарантии.",
            ),
            (
                "Звонок после покупки",
                Channel.PHONE,
                "Клиентский адвокат",
                "Через три дня после выдачи узнать, всё ли в порядке.",
            ),
        ],
    ),
    (
        "Послепродажное обслуживание",
        [
            (
                "Запись на техническое обслуживание",
                Channel.ONLINE,
                "Мастер-консультант сервиса",
                "Запись через сайт или по телефону с подтверждением времени.",
            ),
            (
                "Приёмка автомобиля в сервис",
                Channel.IN_PERSON,
                "Мастер-консультант сервиса",
                "Осмотр при клиенте, согласование работ и срока.",
            ),
            (
                "Выдача автомобиля после обслуживания",
                Channel.IN_PERSON,
                "Мастер-консультант сервиса",
                "Объяснить выполненные работы и счёт.",
            ),
            (
                "Опрос удовлетворённости",
                Channel.MESSENGER,
                "Клиентский адвокат",
                "Отправить клиенту короткий опрос NPS после визита.",
            ),
        ],
    ),
]

# (situation, kind, step name or None for cross-cutting, responsible position, description)
SITUATIONS: list[tuple[str, str, str | None, str, str]] = [
    (
        "Звонок не приняли за три гудка",
        SituationKind.NEGATIVE,
        "Ответ на входящий звонок",
        "Администратор ресепшн",
        "Перезвонить клиенту в течение 15 минут и извиниться.",
    ),
    (
        "Грубый ответ по телефону",
        SituationKind.NEGATIVE,
        "Ответ на входящий звонок",
        "Администратор ресепшн",
        "Например: «зачем звоните, просто приезжайте».",
    ),
    (
        "Нужного автомобиля нет в наличии",
        SituationKind.NON_STANDARD,
        "Консультация о наличии автомобиля",
        "Менеджер по продажам",
        "Предложить сроки поставки и похожие автомобили в наличии.",
    ),
    (
        "Клиент ждёт дольше 10 минут",
        SituationKind.NEGATIVE,
        "Ожидание консультанта",
        "Администратор ресепшн",
        "Сообщить причину и новое время, предложить альтернативу.",
    ),
    (
        "Клиент задаёт сложный технический вопрос",
        SituationKind.NON_STANDARD,
        "Ответы на вопросы об автомобиле",
        "Менеджер по продажам",
        "Не отмахиваться: найти ответ или назвать срок, к которому он будет.",
    ),
    (
        "Клиент просит скидку",
        SituationKind.NON_STANDARD,
        "Обсуждение цены и скидки",
        "Руководитель отдела продаж",
        "Решение по правилам скидок не позже чем через 15 минут, с промежуточным сообщением.",
    ),
    (
        "Клиент платит наличными за автомобиль из салона",
        SituationKind.ROUTINE,
        "Оплата",
        "Кассир",
        "Пересчёт при клиенте, выдача чека и приходного ордера.",
    ),
    (
        "Задержка выдачи автомобиля",
        SituationKind.NEGATIVE,
        "Подготовка автомобиля к выдаче",
        "Менеджер по выдаче автомобилей",
        "Предупредить клиента заранее и предложить компенсацию по правилам.",
    ),
    (
        "Клиент недоволен качеством обслуживания в сервисе",
        SituationKind.NEGATIVE,
        "Выдача автомобиля после обслуживания",
        "Мастер-консультант сервиса",
        "Выслушать, зафиксировать, передать клиентскому адвокату.",
    ),
    (
        "Клиент пришёл без записи",
        SituationKind.ROUTINE,
        "Встреча у входа",
        "Администратор ресепшн",
        "Встретить так же, как записанного, и найти свободного консультанта.",
    ),
    (
        "Негативный отзыв в интернете",
        SituationKind.NEGATIVE,
        None,
        "Клиентский адвокат",
        "Ответить публично в течение суток, связаться с клиентом лично.",
    ),
]


@transaction.atomic
def load_demo_journey(organisation: DemoOrganisation) -> Journey:
    journey = Journey.objects.filter(name=JOURNEY_NAME).first()
    if journey is not None:
        return journey
    journey = Journey.objects.create(
        name=JOURNEY_NAME,
        description="Путь клиента от первого звонка до послепродажного обслуживания.",
    )
    steps: dict[str, Step] = {}
    for stage_order, (stage_name, stage_steps) in enumerate(STAGES):
        stage = Stage.objects.create(journey=journey, name=stage_name, order=stage_order)
        for step_order, (name, channel, position, description) in enumerate(stage_steps):
            steps[name] = Step.objects.create(
                stage=stage,
                name=name,
                channel=channel,
                responsible_position=organisation.positions[position],
                description=description,
                order=step_order,
            )
    for order, (name, kind, step_name, position, description) in enumerate(SITUATIONS):
        Situation.objects.create(
            journey=journey,
            step=steps[step_name] if step_name else None,
            name=name,
            kind=kind,
            responsible_position=organisation.positions[position],
            description=description,
            order=order,
        )
    return journey
