"""Factories for the standards book (drafts by default; publish through the service)."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from standards.models import (
    AppearanceStandard,
    Book,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    RequirementKind,
    Term,
)
from tests.factories import PositionFactory, StepFactory


class BookFactory(DjangoModelFactory[Book]):
    class Meta:
        model = Book

    name = factory.Sequence(lambda n: f"Book {n}")


class BookVersionFactory(DjangoModelFactory[BookVersion]):
    class Meta:
        model = BookVersion

    book = factory.SubFactory(BookFactory)
    number = 1


class TermFactory(DjangoModelFactory[Term]):
    class Meta:
        model = Term

    version = factory.SubFactory(BookVersionFactory)
    term = factory.Sequence(lambda n: f"Term {n}")
    definition = "What it means."


class ProvisionFactory(DjangoModelFactory[GeneralProvision]):
    class Meta:
        model = GeneralProvision

    version = factory.SubFactory(BookVersionFactory)
    title = factory.Sequence(lambda n: f"Provision {n}")
    body = "Who the book is for."
    order = factory.Sequence(lambda n: n + 1)


class PrincipleFactory(DjangoModelFactory[Principle]):
    class Meta:
        model = Principle

    version = factory.SubFactory(BookVersionFactory)
    title = factory.Sequence(lambda n: f"Principle {n}")
    text = "The customer comes first."
    order = factory.Sequence(lambda n: n + 1)


class CommunicationStandardFactory(DjangoModelFactory[CommunicationStandard]):
    class Meta:
        model = CommunicationStandard

    version = factory.SubFactory(BookVersionFactory)
    position = factory.SubFactory(PositionFactory)
    step = factory.SubFactory(StepFactory)
    process = "Greet, listen, help."
    order = factory.Sequence(lambda n: n + 1)


class AppearanceStandardFactory(DjangoModelFactory[AppearanceStandard]):
    class Meta:
        model = AppearanceStandard

    version = factory.SubFactory(BookVersionFactory)
    position = factory.SubFactory(PositionFactory)
    task = "On the sales floor"
    order = factory.Sequence(lambda n: n + 1)


class RequirementFactory(DjangoModelFactory[Requirement]):
    class Meta:
        model = Requirement

    communication_standard = factory.SubFactory(CommunicationStandardFactory)
    version = factory.LazyAttribute(
        lambda o: (o.communication_standard or o.appearance_standard or o.principle).version
    )
    text = factory.Sequence(lambda n: f"Requirement number {n}")
    kind = RequirementKind.SAY
    weight = 1
    order = factory.Sequence(lambda n: n + 1)
