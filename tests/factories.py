"""factory_boy factories for every model the tests build."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from journeys.models import Channel, Journey, Situation, SituationKind, Stage, Step
from roles.models import Department, Employee, Gender, Position

User = get_user_model()


class UserFactory(DjangoModelFactory[User]):  # type: ignore[valid-type]
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(obj: Any, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            for role in extracted:
                obj.groups.add(Group.objects.get(name=role))


class DepartmentFactory(DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Department], *args: object, **kwargs: object) -> Department:
        department: Department = super()._create(model_class, *args, **kwargs)
        parent_path = department.parent.path if department.parent else ""
        department.path = f"{parent_path}{department.pk}/"
        Department.objects.filter(pk=department.pk).update(path=department.path)
        return department


class PositionFactory(DjangoModelFactory[Position]):
    class Meta:
        model = Position
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Position {n}")
    description = "Serves customers."


class EmployeeFactory(DjangoModelFactory[Employee]):
    class Meta:
        model = Employee

    personnel_number = factory.Sequence(lambda n: f"T-{n:05d}")
    full_name = factory.Sequence(lambda n: f"Employee {n}")
    department = factory.SubFactory(DepartmentFactory)
    position = factory.SubFactory(PositionFactory)
    gender = Gender.FEMALE


class JourneyFactory(DjangoModelFactory[Journey]):
    class Meta:
        model = Journey

    name = factory.Sequence(lambda n: f"Journey {n}")


class StageFactory(DjangoModelFactory[Stage]):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: n)


class StepFactory(DjangoModelFactory[Step]):
    class Meta:
        model = Step

    stage = factory.SubFactory(StageFactory)
    name = factory.Sequence(lambda n: f"Step {n}")
    channel = Channel.PHONE
    responsible_position = factory.SubFactory(PositionFactory)
    order = factory.Sequence(lambda n: n)


class SituationFactory(DjangoModelFactory[Situation]):
    class Meta:
        model = Situation

    journey = factory.LazyAttribute(lambda o: o.step.stage.journey if o.step else JourneyFactory())
    step = factory.SubFactory(StepFactory)
    name = factory.Sequence(lambda n: f"Situation {n}")
    kind = SituationKind.ROUTINE
    responsible_position = factory.SubFactory(PositionFactory)
    order = factory.Sequence(lambda n: n)
