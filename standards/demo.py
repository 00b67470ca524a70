"""The demo standards book of the car dealership, in Russian.

Three versions so every page has something to show: version 1 (archived, read by
everybody), version 2 (published: tighter discount rules and a missed-call rule;
part of the staff still has to confirm it) and version 3 (a draft with a few edits).

Positions, steps and situations are looked up by name on the demo journey map; a
standard whose step or position is missing is skipped, so the book follows the map
rather than breaking on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from journeys.models import Journey, Situation, Step
from roles.models import Department, Employee, Position

from . import services
from .models import Book, BookVersion, CommunicationStandard, Principle, Requirement, Term

BOOK_NAME = "Стандарты обслуживания «Демо-Авто»"
JOURNEY_NAME = "Покупка автомобиля"

RECEPTION = "Администратор ресепшн"
SALES = "Менеджер по продажам"
HEAD_OF_SALES = "Руководитель отдела продаж"
SERVICE_ADVISOR = "Мастер-консультант сервиса"
DELIVERY = "Менеджер по выдаче автомобилей"
CASHIER = "Кассир"
ADVOCATE = "Клиентский адвокат"
DIRECTOR = "Директор"

TERMS = [
    ("Клиент", "Любой человек, который обращается в компанию: звонит, пишет, приходит в салон или на сервис, — независимо от того, купил ли он что-нибудь."),
    ("Стандарт обслуживания", "Описание того, что сотрудник **говорит**, **делает** и чего **никогда не делает** в конкретной точке контакта с клиентом."),
    ("Путь клиента", "Последовательность этапов и шагов, которые клиент проходит от первого звонка до обслуживания купленного автомобиля."),
    ("Точка контакта", "Шаг пути клиента, на котором он взаимодействует с компанией: звонок, встреча в салоне, тест-драйв, выдача автомобиля."),
    ("Тайный покупатель", "Проверяющий, который под видом клиента звонит и приходит в салон и оценивает выполнение стандартов по чек-листу."),
    ("NPS", "Индекс готовности рекомендовать: доля промоутеров (оценки 9–10) минус доля критиков (0–6)."),
    ("Критичное требование", "Требование, невыполнение которого обнуляет оценку всего шага, даже если остальное выполнено."),
    ("Вес требования", "Важность требования от 1 до 3; чем выше вес, тем больше требование влияет на оценку."),
    ("Клиентский адвокат", "Сотрудник, который говорит от имени клиента внутри компании и добивается решения его проблем."),
    ("Промежуточное сообщение", "Короткое сообщение клиенту о том, на каком этапе его вопрос и когда будет ответ, если ответ задерживается."),
    ("Подарок", "Дополнительный товар или услуга, которые клиент получает по правилам акции. Подарок не заменяет обсуждавшуюся скидку без согласия клиента."),
]  # fmt: skip

PROVISIONS = [
    ("Для кого эта книга", "Книга обязательна для всех сотрудников, которые общаются с клиентами: администраторов, менеджеров по продажам и выдаче, мастеров-консультантов, кассиров и руководителей."),
    ("Зачем нужны стандарты", "Клиент оценивает компанию по каждому контакту. Стандарты описывают, как сделать каждый контакт предсказуемо хорошим, — чтобы клиент возвращался **по своему желанию**, а не потому, что у него нет выбора."),
    ("Как пользоваться книгой", "Начните с раздела «Мои стандарты»: там только то, что относится к вашей должности. Требования разделены на три вида:\n\n- **Говорит** — фразы и скрипты;\n- **Делает** — поведение;\n- **Никогда** — то, что запрещено."),
    ("Как проверяются стандарты", "Стандарты проверяют тайные покупатели не реже раза в месяц. Результат считается в процентах по каждому сотруднику и отделу и влияет на премию."),
]  # fmt: skip

# (title, text, [requirements as (kind, text, weight, critical)])
PRINCIPLES: list[tuple[str, str, list[tuple[str, str, int, bool]]]] = [
    ("Клиент — причина нашей работы", "Всё, что мы делаем, мы делаем для клиента.", []),
    ("Только на «Вы»", "Мы обращаемся к каждому клиенту на «Вы», независимо от возраста и манеры общения.", [("say", "Обращаться к клиенту на «Вы» на протяжении всего разговора.", 3, True)]),
    ("Честность", "Мы говорим правду об автомобиле, даже когда она неудобна.", [("never", "Скрывать известные недостатки автомобиля или условия гарантии.", 3, True)]),
    ("Полный ответ", "На любой вопрос клиента — полный ответ или точный срок, когда он его получит.", [("do", "Если ответа нет сразу — назвать срок ответа и ответить в этот срок.", 2, False)]),
    ("Время клиента дороже нашего", "Никто не ждёт без объяснения.", [("never", "Оставлять клиента ждать без объяснения причины и срока.", 3, False)]),
    ("Одно окно", "Клиент не ходит между отделами: мы сами ведём его к нужному сотруднику.", [("do", "Лично проводить клиента к коллеге и представить его.", 1, False)]),
    ("Обещали — сделали", "Если не можем выполнить обещание, предупреждаем заранее.", []),
    ("Решение за минуты, а не за час", "Правила скидок и подарков прописаны заранее, чтобы клиент не ждал решения.", []),
    ("Жалоба — это подарок", "Мы благодарим за жалобу и решаем проблему, а не ищем виноватых.", [("say", "Поблагодарить клиента за то, что он сообщил о проблеме.", 1, False)]),
    ("Порядок — часть сервиса", "Внешний вид сотрудников, салона и автомобилей говорит о нас раньше слов.", []),
    ("Десять главных проблем", "Мы всегда знаем десять проблем, которые больше всего беспокоят клиентов, и работаем над ними.", []),
    ("Голос клиента", "Клиентский адвокат говорит от имени клиента внутри компании, и его слышат.", []),
    ("Сервис — это привычка", "Стандарты читают, подтверждают и отрабатывают снова и снова, а не пишут один раз.", []),
]  # fmt: skip


@dataclass
class DemoStandard:
    position: str
    step_keywords: tuple[str, ...] = ()
    situation_keywords: tuple[str, ...] = ()
    process: str = ""
    requirements: list[tuple[str, str, int, bool]] = field(default_factory=list)


COMMUNICATION = [
    DemoStandard(
        RECEPTION,
        step_keywords=("ответ на входящий звонок", "звон"),
        process="Администратор снимает трубку не позже третьего гудка, приветствует, называет компанию и своё имя, выясняет вопрос и соединяет со специалистом или даёт точный ответ сам.",
        requirements=[
            ("do", "Снять трубку не позже третьего гудка.", 3, True),
            ("say", "«Добрый день! Автосалон «Демо-Авто», меня зовут … Чем могу помочь?»", 3, False),
            ("do", "Уточнить имя клиента и дальше обращаться к нему по имени.", 2, False),
            ("do", "Если нужного специалиста нет — записать номер и перезвонить в течение 15 минут.", 2, False),
            ("never", "Отвечать «Зачем звоните, приезжайте и смотрите».", 3, True),
            ("never", "Держать клиента на удержании дольше одной минуты без объяснения.", 2, False),
        ],
    ),
    DemoStandard(
        SALES,
        step_keywords=("консультация о наличии автомобиля", "наличи"),
        process="Менеджер проверяет наличие по базе во время звонка и отвечает точно, затем приглашает на визит в конкретное время.",
        requirements=[
            ("do", "Проверить наличие автомобиля в базе и ответить точно: есть, нет или когда будет.", 3, True),
            ("say", "Назвать цену и комплектацию автомобиля, о котором спрашивает клиент.", 2, False),
            ("say", "Пригласить в салон на конкретное время: «Вам удобно подъехать сегодня в 17:00?»", 1, False),
            ("never", "Отвечать «приезжайте — на месте разберёмся» вместо ответа на вопрос.", 3, True),
        ],
    ),
    DemoStandard(
        RECEPTION,
        step_keywords=("встреча у входа", "встреч"),
        process="Администратор замечает клиента сразу, приветствует его, предлагает напитки и приглашает свободного консультанта.",
        requirements=[
            ("do", "Поприветствовать клиента в течение 30 секунд после того, как он вошёл.", 3, False),
            ("say", "«Здравствуйте! Рады видеть вас в «Демо-Авто». Подскажите, как к вам обращаться?»", 2, False),
            ("do", "Предложить напиток и место, пока приглашается консультант.", 1, False),
            ("never", "Продолжать личный разговор или телефонный звонок, когда клиент подошёл.", 2, False),
        ],
    ),
    DemoStandard(
        RECEPTION,
        situation_keywords=("клиент ждёт дольше 10 минут", "ждёт", "ждет"),
        process="Если консультант занят дольше 10 минут, администратор извиняется, называет новое время и предлагает альтернативу.",
        requirements=[
            ("say", "«Извините, что заставили вас ждать. Консультант освободится через … минут».", 3, False),
            ("do", "Предложить напиток и удобное место.", 1, False),
            ("do", "Если ожидание превышает 10 минут — пригласить руководителя отдела продаж или другого свободного консультанта.", 2, False),
            ("never", "Оставлять клиента без внимания дольше пяти минут.", 3, True),
        ],
    ),
    DemoStandard(
        SALES,
        step_keywords=("выявление потребностей", "потребн"),
        process="Менеджер выясняет, для чего клиенту автомобиль, и только потом предлагает варианты.",
        requirements=[
            ("do", "Выяснить потребности: для чего автомобиль, бюджет, способ оплаты и сроки.", 3, False),
            ("say", "Обращаться к клиенту на «Вы» всё время разговора.", 3, True),
            ("say", "Подвести итог: «Правильно ли я понимаю, что для вас важно …?»", 1, False),
            ("never", "Переходить на «ты», даже если клиент общается так сам.", 3, False),
        ],
    ),
    DemoStandard(
        SALES,
        step_keywords=("ответы на вопросы об автомобиле", "вопрос"),
        process="На вопросы об автомобиле менеджер отвечает честно и полностью — особенно на трудные и неудобные.",
        requirements=[
            ("do", "На трудный вопрос отвечать по существу: характеристики, известные недостатки, условия гарантии.", 3, True),
            ("do", "Если ответа нет — сказать, когда он будет, и дать его в обещанный срок.", 2, False),
            ("say", "«Хороший вопрос. Давайте посмотрим точные данные вместе».", 1, False),
            ("never", "Отмахиваться от вопросов фразами вроде «Расслабьтесь, отличная машина».", 3, True),
        ],
    ),
    DemoStandard(
        SALES,
        step_keywords=("тест-драйв", "тест"),
        process="Тест-драйв предлагается каждому клиенту, который выбирает автомобиль.",
        requirements=[
            ("do", "Предложить тест-драйв каждому клиенту, выбирающему автомобиль.", 2, False),
            ("do", "Подготовить автомобиль: чистый салон, полный бак, документы на месте.", 2, False),
            ("say", "До начала поездки объяснить маршрут и её длительность.", 1, False),
            ("never", "Оставлять клиента в автомобиле без инструкций.", 2, False),
        ],
    ),
    DemoStandard(
        SALES,
        situation_keywords=("клиент просит скидку", "скидк"),
        process=(
            "**Правила скидок и подарков.** Скидка за оплату наличными на автомобиль из шоурума "
            "применяется по таблице скидок без согласования. Всё, что выше таблицы, менеджер "
            "согласует с руководителем отдела продаж. Клиент получает ответ не позже чем через "
            "20 минут; если решение задерживается — промежуточное сообщение каждые 10 минут."
        ),
        requirements=[
            ("say", "«Я уточню возможную скидку у руководителя, это займёт не больше 20 минут».", 3, False),
            ("do", "Назвать решение о скидке не позже чем через 20 минут после запроса.", 3, True),
            ("do", "Если решение задерживается, каждые 10 минут сообщать клиенту, на каком этапе вопрос.", 2, False),
            ("do", "Скидку за оплату наличными на автомобиль из шоурума давать по таблице скидок без согласования.", 2, False),
            ("never", "Оставлять клиента ждать ответа о скидке без промежуточного сообщения.", 3, True),
            ("never", "Предлагать мелкий подарок вместо обсуждавшейся скидки без согласия клиента.", 2, False),
        ],
    ),
    DemoStandard(
        HEAD_OF_SALES,
        situation_keywords=("клиент просит скидку", "скидк"),
        process="Руководитель отдела продаж отвечает менеджеру быстро и при необходимости выходит к клиенту сам.",
        requirements=[
            ("do", "Ответить менеджеру на запрос о скидке в течение 10 минут.", 3, True),
            ("do", "Выйти к клиенту лично, если запрошенная скидка выше лимита менеджера.", 2, False),
            ("say", "Объяснить клиенту решение и его причину.", 2, False),
        ],
    ),
    DemoStandard(
        SALES,
        step_keywords=("оформление договора", "договор"),
        process="Менеджер объясняет договор целиком и называет итоговую стоимость до подписи.",
        requirements=[
            ("do", "Объяснить каждую строку договора и итоговую стоимость до подписи.", 3, True),
            ("do", "Сообщить срок поставки и кто будет на связи до выдачи.", 2, False),
            ("never", "Включать в договор платные услуги без согласия клиента.", 3, True),
        ],
    ),
    DemoStandard(
        CASHIER,
        step_keywords=("оплата", "касс"),
        requirements=[
            ("do", "Сверить сумму с договором до приёма оплаты.", 3, True),
            ("do", "Выдать чек и объяснить назначение каждого платежа.", 2, False),
            ("say", "«Спасибо за покупку! Поздравляем с новым автомобилем!»", 1, False),
        ],
    ),
    DemoStandard(
        DELIVERY,
        step_keywords=("торжественная выдача", "выдач"),
        process="Выдача — праздник для клиента: автомобиль готов, клиенту показывают всё, что нужно знать.",
        requirements=[
            ("do", "Выдать автомобиль точно в назначенное время: вымытым, без защитных плёнок, с полным баком.", 2, False),
            ("do", "Показать основные функции автомобиля и ответить на вопросы.", 2, False),
            ("say", "Рассказать о графике ТО и пригласить на первое обслуживание.", 2, False),
            ("never", "Торопить клиента при приёмке автомобиля.", 2, False),
        ],
    ),
    DemoStandard(
        ADVOCATE,
        step_keywords=("звонок после покупки",),
        process="Через три дня после выдачи клиентский адвокат звонит и узнаёт, всё ли в порядке.",
        requirements=[
            ("say", "«Добрый день! Это … из «Демо-Авто». Как вам новый автомобиль? Всё ли в порядке?»", 2, False),
            ("do", "Записать каждое замечание клиента и передать ответственному в тот же день.", 2, False),
        ],
    ),
    DemoStandard(
        ADVOCATE,
        situation_keywords=("негативный отзыв в интернете", "отзыв"),
        process="Клиентский адвокат отвечает на негативный отзыв публично и решает проблему лично с клиентом.",
        requirements=[
            ("do", "Ответить на отзыв публично в течение 24 часов.", 3, True),
            ("say", "Поблагодарить за отзыв, извиниться за неудобства и предложить связаться лично.", 2, False),
            ("do", "Позвонить клиенту, выяснить подробности и согласовать решение.", 3, False),
            ("do", "Внести проблему в список десяти главных проблем клиентов.", 2, False),
            ("never", "Спорить с клиентом в публичном ответе или раскрывать его личные данные.", 3, True),
        ],
    ),
    DemoStandard(
        RECEPTION,
        situation_keywords=("грубый ответ по телефону", "груб"),
        process="Если клиент пожаловался на грубый ответ по телефону, компания извиняется и перезванивает.",
        requirements=[
            ("do", "Извиниться и перезвонить клиенту в течение часа от имени руководителя.", 3, False),
            ("never", "Оправдываться загруженностью.", 2, False),
        ],
    ),
    DemoStandard(
        SERVICE_ADVISOR,
        step_keywords=("приёмка автомобиля в сервис", "приёмка", "сервис"),
        process="Мастер-консультант осматривает автомобиль при клиенте и согласует всё до начала работ.",
        requirements=[
            ("do", "Осмотреть автомобиль при клиенте и записать замечания в заказ-наряд.", 2, False),
            ("do", "Согласовать с клиентом любые дополнительные работы до их начала.", 3, True),
            ("say", "Назвать срок готовности и заранее предупредить, если он сдвигается.", 2, False),
            ("never", "Начинать платные работы без согласия клиента.", 3, True),
        ],
    ),
]  # fmt: skip

# (position, gender, task, [requirement texts])
APPEARANCE = [
    (RECEPTION, "female", "На ресепшн", ["Деловое платье или костюм корпоративного цвета.", "Бейдж с именем на левой стороне груди.", "Аккуратная причёска, умеренный макияж."]),
    (RECEPTION, "male", "На ресепшн", ["Костюм, светлая рубашка, галстук.", "Бейдж с именем на левой стороне груди."]),
    (SALES, "any", "В шоуруме", ["Деловой костюм тёмного цвета.", "Бейдж с именем и должностью.", "Чистая обувь в тон костюма."]),
    (SALES, "female", "В шоуруме", ["Обувь на устойчивом каблуке не выше 7 см."]),
    (SALES, "male", "На тест-драйве", ["Рубашка застёгнута, галстук можно снять.", "Бейдж с именем."]),
    (HEAD_OF_SALES, "any", "В шоуруме", ["Деловой костюм.", "Бейдж с именем и должностью."]),
    (SERVICE_ADVISOR, "any", "В зоне приёмки", ["Фирменная куртка или жилет.", "Одежда и руки без следов масла.", "Бейдж с именем."]),
    (DELIVERY, "any", "В зоне выдачи", ["Деловой костюм.", "Бейдж с именем.", "Перчатки при передаче ключей."]),
    (CASHIER, "any", "За кассой", ["Форменная рубашка или блузка.", "Бейдж с именем."]),
    (ADVOCATE, "any", "На встречах с клиентами", ["Деловой стиль одежды."]),
]  # fmt: skip


def _find(rows: list[Any], keywords: tuple[str, ...]) -> Any:
    """The first row whose name is the first keyword, else contains a keyword."""
    for row in rows:
        if row.name.lower() == keywords[0]:
            return row
    for keyword in keywords:
        for row in rows:
            if keyword in row.name.lower():
                return row
    return None


def _write_first_version(actor: Any, draft: BookVersion, journey: Journey | None) -> None:
    positions = {position.name: position for position in Position.objects.all()}
    steps = (
        list(Step.objects.filter(stage__journey=journey).order_by("stage__order", "order", "id"))
        if journey
        else []
    )
    situations = (
        list(Situation.objects.filter(journey=journey).order_by("order", "id")) if journey else []
    )
    for term, definition in TERMS:
        services.term_create(actor=actor, version=draft, term=term, definition=definition)
    for title, body in PROVISIONS:
        services.provision_create(actor=actor, version=draft, title=title, body=body)
    for title, text, requirements in PRINCIPLES:
        principle = services.principle_create(actor=actor, version=draft, title=title, text=text)
        for kind, requirement_text, weight, critical in requirements:
            services.requirement_create(
                actor=actor,
                parent=principle,
                text=requirement_text,
                kind=kind,
                weight=weight,
                critical=critical,
            )
    for demo in COMMUNICATION:
        position = positions.get(demo.position)
        step = _find(steps, demo.step_keywords) if demo.step_keywords else None
        situation = _find(situations, demo.situation_keywords) if demo.situation_keywords else None
        if position is None or (step is None and situation is None):
            continue
        standard = services.communication_standard_create(
            actor=actor,
            version=draft,
            position=position,
            step=step,
            situation=situation,
            process=demo.process,
        )
        for kind, text, weight, critical in demo.requirements:
            services.requirement_create(
                actor=actor, parent=standard, text=text, kind=kind, weight=weight, critical=critical
            )
    for position_name, gender, task, texts in APPEARANCE:
        position = positions.get(position_name)
        if position is None:
            continue
        appearance = services.appearance_standard_create(
            actor=actor, version=draft, position=position, gender=gender, task=task
        )
        for text in texts:
            services.requirement_create(
                actor=actor, parent=appearance, text=text, kind="look", weight=1
            )


def _reword(actor: Any, version: BookVersion, old_text: str, new_text: str) -> None:
    requirement = Requirement.objects.filter(version=version, text=old_text).first()
    if requirement is None:
        return
    services.requirement_update(
        actor=actor,
        requirement=requirement,
        revision=requirement.revision,
        text=new_text,
        kind=requirement.kind,
        weight=requirement.weight,
        critical=requirement.critical,
        auditable=requirement.auditable,
    )


def _second_version(actor: Any, draft: BookVersion) -> None:
    """Tighter discount rules and a rule for missed calls."""
    _reword(
        actor, draft,
        "Назвать решение о скидке не позже чем через 20 минут после запроса.",
        "Назвать решение о скидке не позже чем через 15 минут после запроса.",
    )  # fmt: skip
    _reword(
        actor, draft,
        "«Я уточню возможную скидку у руководителя, это займёт не больше 20 минут».",
        "«Я уточню возможную скидку у руководителя, это займёт не больше 15 минут».",
    )  # fmt: skip
    discount = CommunicationStandard.objects.filter(
        version=draft, process__startswith="**Правила скидок"
    ).first()
    if discount is not None:
        services.communication_standard_update(
            actor=actor,
            standard=discount,
            revision=discount.revision,
            position=discount.position,
            step=discount.step,
            situation=discount.situation,
            process=discount.process.replace("20 минут", "15 минут"),
        )
    phone = CommunicationStandard.objects.filter(
        version=draft, process__startswith="Администратор снимает трубку"
    ).first()
    if phone is not None:
        services.requirement_create(
            actor=actor, parent=phone, kind="do", weight=2,
            text="Перезвонить по каждому пропущенному звонку в течение 15 минут.",
        )  # fmt: skip


def _third_version(actor: Any, draft: BookVersion) -> None:
    """A draft in progress: one more principle, a term, a reworded and a removed rule."""
    services.principle_create(
        actor=actor, version=draft, title="Мы не спорим с клиентом публично",
        text="Разногласия обсуждаем лично и спокойно, а не при других клиентах и не в интернете.",
    )  # fmt: skip
    services.term_create(
        actor=actor,
        version=draft,
        term="Шоурум",
        definition="Зал, где выставлены автомобили для осмотра и продажи.",
    )
    _reword(
        actor, draft,
        "Предложить напиток и удобное место.",
        "Предложить напиток, удобное место и Wi-Fi.",
    )  # fmt: skip
    gone = Requirement.objects.filter(
        version=draft, text="Держать клиента на удержании дольше одной минуты без объяснения."
    ).first()
    if gone is not None:
        services.requirement_delete(actor=actor, requirement=gone)


def _confirm(employees: list[Employee], every: int = 1) -> None:
    for index, employee in enumerate(employees):
        if index % every == 0:
            services.acknowledgement_confirm(actor=employee.user, employee=employee)


@transaction.atomic
def load_demo_book(company_root: Department | None = None, *, actor: Any = None) -> Book | None:
    """Write the demo book once; do nothing when the company already has a book.

    The publisher is the head of the root department (or the director) when they
    have a login, so the history shows a person.
    """
    if Book.objects.exists():
        return None
    if actor is None:
        head = company_root.head if company_root is not None else None
        director = (
            head or Employee.objects.filter(position__name=DIRECTOR, user__isnull=False).first()
        )
        actor = director.user if director is not None and director.user_id else None
    journey = Journey.objects.filter(name=JOURNEY_NAME).first()

    book = services.book_create(actor=actor, name=BOOK_NAME)
    first = book.versions.get()
    _write_first_version(actor, first, journey)
    services.version_publish(
        actor=actor, version=first,
        change_note="Первая редакция книги стандартов: телефон, встреча, консультация, скидки, выдача, сервис и внешний вид.",
    )  # fmt: skip
    _confirm(list(Employee.objects.filter(is_active=True).order_by("id")))

    second = services.version_new_draft(actor=actor, book=book)
    _second_version(actor, second)
    services.version_publish(
        actor=actor, version=second,
        change_note="Ответ о скидке — не позже чем через 15 минут (было 20). Новое правило: перезванивать по пропущенным звонкам в течение 15 минут.",
    )  # fmt: skip
    # Half of those asked have confirmed already; the rest still see the banner.
    asked = list(
        Employee.objects.filter(
            standard_acknowledgements__version=second,
            standard_acknowledgements__acknowledged_at__isnull=True,
            user__isnull=True,
        ).order_by("id")
    )
    _confirm(asked, every=2)

    third = services.version_new_draft(actor=actor, book=book)
    _third_version(actor, third)
    return book


def demo_counts(book: Book) -> dict[str, int]:
    """How much the current version holds (for the load_demo summary)."""
    version = book.versions.filter(status="published").first()
    if version is None:
        return {}
    return {
        "terms": Term.objects.filter(version=version).count(),
        "principles": Principle.objects.filter(version=version).count(),
        "requirements": Requirement.objects.filter(version=version).count(),
    }
