"""Recording answers, single-use invitations, tags, follow-ups, surveys: the service rules."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.edits import EditConflict
from core.models import Activity
from nps.models import FollowUp, Invitation, Response, Source
from nps.services import (
    AlreadyAnsweredError,
    EditWindowClosedError,
    SurveyClosedError,
    invitation_create,
    problem_tag_create,
    problem_tag_set_active,
    response_add_details,
    response_follow_up,
    response_record,
    response_set_tags,
    survey_create,
    survey_update,
)
from tests.factories import EmployeeFactory, StepFactory
from tests.nps.factories import InvitationFactory, ProblemTagFactory, ResponseFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def test_a_link_answer_is_attributed_to_the_survey(surveys) -> None:
    response = response_record(survey=surveys.sales, score=9, language="ru")
    assert response.department == surveys.sales.department
    assert response.step == surveys.step
    assert response.employee is None
    assert response.source == Source.LINK
    assert response.follow_up_status == FollowUp.NONE


def test_a_personal_link_attributes_the_answer_to_its_employee_and_department(company) -> None:
    seller = EmployeeFactory.create(department=company.used_cars)
    survey = SurveyFactory.create(department=company.sales, employee=seller)
    response = response_record(survey=survey, score=10)
    assert response.employee == seller
    assert response.department == company.used_cars


def test_a_detractor_starts_with_an_open_follow_up(surveys) -> None:
    assert response_record(survey=surveys.sales, score=6).follow_up_status == FollowUp.OPEN


@pytest.mark.parametrize("score", [-1, 11, "7"])
def test_it_refuses_a_score_outside_0_to_10(surveys, score) -> None:
    with pytest.raises(ValidationError):
        response_record(survey=surveys.sales, score=score)
    assert not Response.objects.exists()


def test_a_paused_survey_takes_no_answers(surveys) -> None:
    surveys.sales.is_active = False
    surveys.sales.save()
    with pytest.raises(SurveyClosedError):
        response_record(survey=surveys.sales, score=9)


def test_a_survey_past_its_window_takes_no_answers(surveys) -> None:
    surveys.sales.active_until = timezone.localdate() - datetime.timedelta(days=1)
    surveys.sales.save()
    assert surveys.sales.status() == "closed"
    with pytest.raises(SurveyClosedError):
        response_record(survey=surveys.sales, score=9)


def test_a_survey_not_open_yet_says_scheduled(surveys) -> None:
    surveys.sales.active_from = timezone.localdate() + datetime.timedelta(days=2)
    surveys.sales.save()
    assert surveys.sales.status() == "scheduled"


def test_an_invitation_records_one_response_attributed_to_its_employee_and_step(
    surveys, company
) -> None:
    seller = EmployeeFactory.create(department=company.sales)
    step = StepFactory.create()
    invitation = InvitationFactory.create(survey=surveys.sales, employee=seller, step=step)
    response = response_record(survey=surveys.sales, score=4, invitation=invitation)
    assert (response.employee, response.step, response.source) == (seller, step, Source.INVITATION)
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert invitation.status() == "answered"
    with pytest.raises(AlreadyAnsweredError):
        response_record(
            survey=surveys.sales, score=10, invitation=Invitation.objects.get(pk=invitation.pk)
        )
    assert Response.objects.count() == 1


def test_a_stale_copy_of_an_invitation_cannot_answer_twice(surveys) -> None:
    invitation = InvitationFactory.create(survey=surveys.sales)
    stale_copy = Invitation.objects.get(pk=invitation.pk)
    response_record(survey=surveys.sales, score=9, invitation=invitation)
    # The second request loaded the invitation before the first one answered.
    with pytest.raises(AlreadyAnsweredError):
        response_record(survey=surveys.sales, score=2, invitation=stale_copy)
    assert Response.objects.count() == 1


def test_an_expired_invitation_records_nothing(surveys) -> None:
    invitation = InvitationFactory.create(
        survey=surveys.sales, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert invitation.status() == "expired"
    with pytest.raises(AlreadyAnsweredError):
        response_record(survey=surveys.sales, score=9, invitation=invitation)


def test_invitation_create_is_idempotent_per_external_reference(surveys, manager) -> None:
    first, created = invitation_create(
        actor=manager.user, survey=surveys.sales, external_ref="DEAL-1"
    )
    again, created_again = invitation_create(
        actor=manager.user, survey=surveys.sales, external_ref=" DEAL-1 "
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Invitation.objects.count() == 1


def test_invitation_create_refuses_a_closed_survey_and_a_past_expiry(surveys, manager) -> None:
    surveys.sales.is_active = False
    surveys.sales.save()
    with pytest.raises(ValidationError) as error:
        invitation_create(
            actor=manager.user,
            survey=surveys.sales,
            external_ref="X",
            expires_at=timezone.now() - datetime.timedelta(hours=1),
        )
    assert set(error.value.message_dict) == {"survey", "expires_at"}


def test_the_customer_adds_a_comment_and_contact_with_consent(surveys) -> None:
    response = response_record(survey=surveys.sales, score=3)
    response_add_details(
        response=response,
        comment="  Waited an hour  ",
        contact_name="Ivan",
        contact="+7 900",
        contact_consent=True,
    )
    response.refresh_from_db()
    assert (response.comment, response.contact, response.contact_consent) == (
        "Waited an hour",
        "+7 900",
        True,
    )


def test_contact_details_without_consent_are_not_kept(surveys) -> None:
    response = response_record(survey=surveys.sales, score=3)
    response_add_details(
        response=response, comment="x", contact_name="Ivan", contact="+7 900", contact_consent=False
    )
    response.refresh_from_db()
    assert (response.contact_name, response.contact) == ("", "")


def test_the_comment_cannot_change_after_the_window(surveys, settings) -> None:
    settings.NPS_COMMENT_EDIT_MINUTES = 30
    response = response_record(survey=surveys.sales, score=3)
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)),
        pytest.raises(EditWindowClosedError),
    ):
        response_add_details(response=response, comment="late")
    response.refresh_from_db()
    assert response.comment == ""


def test_tags_are_set_with_their_history(surveys, manager) -> None:
    waiting, rude = ProblemTagFactory.create(name="Waiting"), ProblemTagFactory.create(name="Rude")
    response = ResponseFactory.create(survey=surveys.sales, score=4)
    response_set_tags(actor=manager.user, response=response, tags=[waiting, rude])
    response_set_tags(actor=manager.user, response=response, tags=[rude])
    assert list(response.tags.values_list("name", flat=True)) == ["Rude"]
    entries = Activity.objects.filter(action="response.tag").order_by("id")
    assert [entry.data for entry in entries] == [
        {"added": ["Rude", "Waiting"], "removed": []},
        {"added": [], "removed": ["Waiting"]},
    ]


def test_promoters_are_not_tagged_with_problems(surveys, manager) -> None:
    response = ResponseFactory.create(survey=surveys.sales, score=10)
    with pytest.raises(ValidationError):
        response_set_tags(actor=manager.user, response=response, tags=[ProblemTagFactory.create()])


def test_a_deactivated_tag_cannot_be_added_but_stays_where_it_is(surveys, manager) -> None:
    tag = ProblemTagFactory.create(name="Old")
    response = ResponseFactory.create(survey=surveys.sales, score=5)
    response_set_tags(actor=manager.user, response=response, tags=[tag])
    problem_tag_set_active(actor=manager.user, tag=tag, is_active=False)
    other = ResponseFactory.create(survey=surveys.sales, score=5)
    with pytest.raises(ValidationError):
        response_set_tags(actor=manager.user, response=other, tags=[tag])
    response_set_tags(actor=manager.user, response=response, tags=[tag])
    assert list(response.tags.all()) == [tag]


def test_tag_names_are_unique_whatever_the_case(manager) -> None:
    problem_tag_create(actor=manager.user, name="Обращение на «ты»")
    with pytest.raises(ValidationError):
        problem_tag_create(actor=manager.user, name="ОБРАЩЕНИЕ НА «ТЫ»")


def test_follow_up_records_who_what_and_when(surveys, manager) -> None:
    response = ResponseFactory.create(survey=surveys.sales, score=2, follow_up_status=FollowUp.OPEN)
    response_follow_up(
        actor=manager.user, response=response, status=FollowUp.CONTACTED, note="Called, apologised"
    )
    response.refresh_from_db()
    assert response.follow_up_status == FollowUp.CONTACTED
    assert response.follow_up_by == manager.user
    assert response.follow_up_at is not None
    entry = Activity.objects.get(action="response.follow_up")
    assert entry.data == {"from": "open", "to": "contacted", "note": "Called, apologised"}


def test_follow_up_beyond_open_needs_a_note(surveys, manager) -> None:
    response = ResponseFactory.create(survey=surveys.sales, score=2, follow_up_status=FollowUp.OPEN)
    with pytest.raises(ValidationError):
        response_follow_up(
            actor=manager.user, response=response, status=FollowUp.RESOLVED, note=" "
        )


def test_only_detractors_are_followed_up(surveys, manager) -> None:
    response = ResponseFactory.create(survey=surveys.sales, score=8)
    with pytest.raises(ValidationError):
        response_follow_up(
            actor=manager.user, response=response, status=FollowUp.CONTACTED, note="x"
        )


def test_a_stale_follow_up_form_is_refused(surveys, manager) -> None:
    response = ResponseFactory.create(survey=surveys.sales, score=2, follow_up_status=FollowUp.OPEN)
    opened_at = response.updated_at
    response_follow_up(
        actor=manager.user,
        response=Response.objects.get(pk=response.pk),
        status=FollowUp.CONTACTED,
        note="first",
    )
    with pytest.raises(EditConflict):
        response_follow_up(
            actor=manager.user,
            response=response,
            status=FollowUp.RESOLVED,
            note="second",
            expected_updated_at=opened_at,
        )


def test_a_manager_cannot_create_a_survey_outside_their_subtree(company, sales_manager) -> None:
    with pytest.raises(ValidationError) as error:
        survey_create(actor=sales_manager.user, name="Service", department=company.service)
    assert "department" in error.value.message_dict


def test_survey_changes_leave_activity(company, manager) -> None:
    survey = survey_create(actor=manager.user, name="After the call", department=company.root)
    survey_update(actor=manager.user, survey=survey, name="After the phone call")
    assert list(
        Activity.objects.filter(target_type="nps.survey").values_list("action", flat=True)
    ) == [
        "survey.update",
        "survey.create",
    ]


def test_an_answer_and_a_finished_export_are_announced(surveys, manager) -> None:
    from core import events
    from nps.events import ExportFinished, ResponseRecorded
    from nps.services import export_job_create, export_job_run

    heard: list[object] = []
    events.subscribe(ResponseRecorded, heard.append)
    events.subscribe(ExportFinished, heard.append)
    try:
        response = response_record(survey=surveys.sales, score=3)
        job = export_job_create(actor=manager.user, filters={}, format="csv")
        export_job_run(job_id=job.pk)
    finally:
        events.unsubscribe(ResponseRecorded, heard.append)
        events.unsubscribe(ExportFinished, heard.append)
    assert heard == [
        ResponseRecorded(response_id=response.pk, score=3),
        ExportFinished(job_id=job.pk, succeeded=True),
    ]
