"""The demo company's organisation: a car dealership, in Russian.

Idempotent: every row is found by its natural key before it is created, so loading
twice changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Department, Employee, Gender, Position, ProgramRole

DEMO_PASSWORD = "service-demo-2026"

POSITIONS = {
    "Директор": "Отвечает за работу автосалона в целом и за программу стандартов обслуживания.",
    "Руководитель отдела продаж": "Ведёт отдел продаж, согласует скидки и подарки, решает спорные вопросы с клиентами.",
    "Менеджер по продажам": "Консультирует клиентов по телефону и в салоне, проводит презентацию и тест-драйв, оформляет сделку.",
    "Администратор ресепшн": "Отвечает на входящие звонки, встречает клиентов у входа и не даёт им ждать без внимания.",
    "Мастер-консультант сервиса": "Записывает на обслуживание, принимает и выдаёт автомобили в сервисе.",
    "Менеджер по выдаче автомобилей": "Готовит автомобиль и документы к выдаче и проводит торжественную выдачу.",
    "Кассир": "Принимает оплату и выдаёт документы об оплате.",
    "Клиентский адвокат": "Говорит от имени клиента внутри компании: разбирает жалобы и отзывы, звонит после покупки.",
}

# (personnel number, full name, department key, position, gender, hire date, login, roles)
EMPLOYEES: list[tuple[str, str, str, str, str, str, str | None, list[str]]] = [
    (
        "A-001",
        "Соколов Андрей Викторович",
        "root",
        "Директор",
        Gender.MALE,
        "2015-03-02",
        "manager",
        [ProgramRole.MANAGER],
    ),
    (
        "A-002",
        "Белова Марина Сергеевна",
        "advocacy",
        "Клиентский адвокат",
        Gender.FEMALE,
        "2019-09-16",
        "advocate",
        [ProgramRole.STAFF],
    ),
    (
        "S-101",
        "Кузнецов Игорь Павлович",
        "sales",
        "Руководитель отдела продаж",
        Gender.MALE,
        "2016-05-10",
        "sales_head",
        [ProgramRole.MANAGER, ProgramRole.STAFF],
    ),
    (
        "S-102",
        "Орлов Денис Андреевич",
        "sales",
        "Менеджер по продажам",
        Gender.MALE,
        "2021-02-01",
        "staff",
        [ProgramRole.STAFF],
    ),
    (
        "S-103",
        "Фёдорова Анна Игоревна",
        "sales",
        "Менеджер по продажам",
        Gender.FEMALE,
        "2022-08-22",
        None,
        [],
    ),
    (
        "S-104",
        "Васильев Максим Олегович",
        "sales",
        "Менеджер по продажам",
        Gender.MALE,
        "2023-04-03",
        None,
        [],
    ),
    (
        "S-105",
        "Никитина Ольга Романовна",
        "delivery",
        "Менеджер по выдаче автомобилей",
        Gender.FEMALE,
        "2020-11-09",
        None,
        [],
    ),
    (
        "R-201",
        "Смирнова Екатерина Дмитриевна",
        "reception",
        "Администратор ресепшн",
        Gender.FEMALE,
        "2022-01-17",
        "reception",
        [ProgramRole.STAFF],
    ),
    (
        "R-202",
        "Попова Юлия Александровна",
        "reception",
        "Администратор ресепшн",
        Gender.FEMALE,
        "2024-06-03",
        None,
        [],
    ),
    (
        "C-301",
        "Морозова Светлана Викторовна",
        "cashier",
        "Кассир",
        Gender.FEMALE,
        "2018-07-12",
        None,
        [],
    ),
    (
        "T-401",
        "Лебедев Сергей Николаевич",
        "service",
        "Мастер-консультант сервиса",
        Gender.MALE,
        "2017-10-30",
        None,
        [],
    ),
    (
        "T-402",
        "Козлов Артём Евгеньевич",
        "service",
        "Мастер-консультант сервиса",
        Gender.MALE,
        "2023-09-11",
        None,
        [],
    ),
]

# Logins that are not employees of the dealership.
OTHER_LOGINS: list[tuple[str, str, str, list[str]]] = [
    ("auditor", "Тайный", "покупатель", [ProgramRole.AUDITOR]),
    ("api", "Интеграция", "CRM", [ProgramRole.API_CLIENT]),
]


@dataclass
class DemoOrganisation:
    departments: dict[str, Department] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _department(name: str, parent: Department | None) -> Department:
    department = Department.objects.filter(name=name, parent=parent).first()
    if department is None:
        department = Department.objects.create(name=name, parent=parent)
        parent_path = parent.path if parent else ""
        department.path = f"{parent_path}{department.pk}/"
        department.save(update_fields=["path"])
    return department


@transaction.atomic
def load_demo_organisation() -> DemoOrganisation:
    demo = DemoOrganisation()
    root = _department("Автосалон «Северный»", None)
    sales = _department("Отдел продаж", root)
    demo.departments = {
        "root": root,
        "sales": sales,
        "delivery": _department("Группа выдачи автомобилей", sales),
        "reception": _department("Ресепшн", root),
        "cashier": _department("Касса", root),
        "service": _department("Сервисный центр", root),
        "advocacy": _department("Служба заботы о клиентах", root),
    }
    for name, description in POSITIONS.items():
        demo.positions[name], _created = Position.objects.get_or_create(
            name=name, defaults={"description": description}
        )

    User = get_user_model()
    groups = {group.name: group for group in Group.objects.all()}
    for number, full_name, department_key, position, gender, hired, login, roles in EMPLOYEES:
        employee, _created = Employee.objects.get_or_create(
            personnel_number=number,
            defaults={
                "full_name": full_name,
                "department": demo.departments[department_key],
                "position": demo.positions[position],
                "gender": gender,
                "hire_date": datetime.date.fromisoformat(hired),
            },
        )
        demo.employees[number] = employee
        if login:
            last_name, first_name, *_rest = full_name.split()
            user = _demo_user(User, login, first_name, last_name, [groups[role] for role in roles])
            if employee.user_id != user.pk:
                employee.user = user
                employee.save(update_fields=["user"])
            demo.logins.append(
                (login, ", ".join(str(ProgramRole(role).label) for role in roles), full_name)
            )

    heads = {
        "root": "A-001",
        "sales": "S-101",
        "reception": "R-201",
        "service": "T-401",
        "advocacy": "A-002",
        "delivery": "S-105",
        "cashier": "C-301",
    }
    for key, number in heads.items():
        department = demo.departments[key]
        if department.head_id is None:
            department.head = demo.employees[number]
            department.save(update_fields=["head"])

    for login, first_name, last_name, roles in OTHER_LOGINS:
        _demo_user(User, login, first_name, last_name, [groups[role] for role in roles])
        demo.logins.append(
            (
                login,
                ", ".join(str(ProgramRole(role).label) for role in roles),
                f"{first_name} {last_name}",
            )
        )
    return demo


def _demo_user(User, username, first_name, last_name, groups):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name
        )
    user.groups.add(*groups)
    return user
