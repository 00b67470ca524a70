"""factory_boy factories for the NPS models."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from nps.models import Invitation, ProblemTag, Response, Source, Survey
from tests.factories import DepartmentFactory


class SurveyFactory(DjangoModelFactory[Survey]):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Survey {n}")
    department = factory.SubFactory(DepartmentFactory)
    active_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class InvitationFactory(DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory)
    external_ref = factory.Sequence(lambda n: f"DEAL-{n:05d}")


class ProblemTagFactory(DjangoModelFactory[ProblemTag]):
    class Meta:
        model = ProblemTag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Problem {n}")


class ResponseFactory(DjangoModelFactory[Response]):
    class Meta:
        model = Response

    survey = factory.SubFactory(SurveyFactory)
    department = factory.LazyAttribute(lambda o: o.survey.department)
    score = 9
    source = Source.LINK
    submitted_at = factory.LazyFunction(timezone.now)
