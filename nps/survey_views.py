"""The customer's pages: no login, phone first, no JavaScript needed.

A survey link (open, rate-limited per address and survey) or a single-use invitation
link shows the question with eleven buttons. The score is recorded at once; the next
page asks the follow-up question and optional contact details, which may be added or
changed for a short while after answering. A filled honeypot field gets a thank-you
and records nothing.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from . import scoring
from .forms import DetailsForm, ScoreForm
from .models import STANDARD_QUESTION, Invitation, Response, Survey
from .ratelimit import answer_allowed
from .services import (
    AlreadyAnsweredError,
    EditWindowClosedError,
    SurveyClosedError,
    response_add_details,
    response_can_edit_comment,
    response_record,
)

ANSWER_SALT = "nps.answer"


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "ru"


def answer_link(response: Response) -> str:
    return signing.dumps(response.pk, salt=ANSWER_SALT)


def _response_from_link(signed: str) -> Response:
    try:
        pk = signing.loads(signed, salt=ANSWER_SALT)
    except signing.BadSignature:
        raise Http404 from None
    return get_object_or_404(Response.objects.select_related("survey"), pk=pk)


def _message(
    request: HttpRequest, *, kind: str, survey: Survey | None, status: int, **context: Any
) -> HttpResponse:
    return render(
        request,
        "nps/public/message.html",
        {"kind": kind, "survey": survey, "language": _language(), **context},
        status=status,
    )


def _survey_form(
    request: HttpRequest,
    *,
    survey: Survey,
    form: ScoreForm,
    status: int = 200,
    invitation: Invitation | None = None,
) -> HttpResponse:
    language = _language()
    return render(
        request,
        "nps/public/survey.html",
        {
            "survey": survey,
            "form": form,
            "question": STANDARD_QUESTION[language],
            "scores": range(11),
            "invitation": invitation,
            "language": language,
        },
        status=status,
    )


def _answer(request: HttpRequest, *, survey: Survey, invitation: Invitation | None) -> HttpResponse:
    if not survey.is_open():
        return _message(request, kind="closed", survey=survey, status=410)
    if request.method == "GET":
        return _survey_form(request, survey=survey, form=ScoreForm(), invitation=invitation)
    form = ScoreForm(request.POST)
    if form.is_bot:
        return redirect("nps_public:thanks", survey.public_key)
    if not answer_allowed(survey_id=survey.pk, request=request):
        return _message(request, kind="limited", survey=survey, status=429)
    if not form.is_valid():
        return _survey_form(request, survey=survey, form=form, status=422, invitation=invitation)
    try:
        response = response_record(
            survey=survey,
            score=form.cleaned_data["score"],
            language=get_language() or "",
            invitation=invitation,
        )
    except SurveyClosedError:
        return _message(request, kind="closed", survey=survey, status=410)
    except AlreadyAnsweredError:
        assert invitation is not None
        invitation.refresh_from_db()
        return _already_answered(request, invitation, status=409)
    return redirect("nps_public:details", answer_link(response))


def _already_answered(
    request: HttpRequest, invitation: Invitation, status: int = 200
) -> HttpResponse:
    response = Response.objects.filter(invitation=invitation).select_related("survey").first()
    if response is None:
        # Claimed but the response is not visible yet, or the link expired unanswered.
        kind = "expired" if invitation.status() == "expired" else "answered"
        return _message(
            request,
            kind=kind,
            survey=invitation.survey,
            status=410 if kind == "expired" else status,
        )
    context: dict[str, Any] = {"response": response}
    if response_can_edit_comment(response):
        context["form"] = DetailsForm(
            initial={
                "comment": response.comment,
                "contact_name": response.contact_name,
                "contact": response.contact,
                "contact_consent": response.contact_consent,
            }
        )
        context["details_link"] = answer_link(response)
        context["follow_up"] = response.survey.follow_up_question(_language())
    return _message(request, kind="answered", survey=response.survey, status=status, **context)


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, key: str) -> HttpResponse:
    survey = get_object_or_404(Survey.objects.select_related("step", "employee"), public_key=key)
    return _answer(request, survey=survey, invitation=None)


@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("survey", "employee", "step"), token=token
    )
    if invitation.answered_at is not None:
        return _already_answered(
            request, invitation, status=409 if request.method == "POST" else 200
        )
    if invitation.status() == "expired":
        return _message(request, kind="expired", survey=invitation.survey, status=410)
    return _answer(request, survey=invitation.survey, invitation=invitation)


@require_http_methods(["GET", "POST"])
def details_page(request: HttpRequest, signed: str) -> HttpResponse:
    response = _response_from_link(signed)
    survey = response.survey
    if not response_can_edit_comment(response):
        return _message(request, kind="window_closed", survey=survey, status=410)
    language = _language()
    if request.method == "GET":
        form = DetailsForm(
            initial={
                "comment": response.comment,
                "contact_name": response.contact_name,
                "contact": response.contact,
                "contact_consent": response.contact_consent,
            }
        )
        status = 200
    else:
        form = DetailsForm(request.POST)
        if form.is_valid():
            try:
                response_add_details(
                    response=response,
                    comment=form.cleaned_data["comment"],
                    contact_name=form.cleaned_data["contact_name"],
                    contact=form.cleaned_data["contact"],
                    contact_consent=form.cleaned_data["contact_consent"],
                )
            except EditWindowClosedError:
                return _message(request, kind="window_closed", survey=survey, status=410)
            return redirect("nps_public:thanks", survey.public_key)
        status = 422
    return render(
        request,
        "nps/public/details.html",
        {
            "survey": survey,
            "response": response,
            "form": form,
            "follow_up": survey.follow_up_question(language),
            "is_promoter": response.category == scoring.PROMOTER,
            "language": language,
            "signed": signed,
        },
        status=status,
    )


@require_GET
def thanks_page(request: HttpRequest, key: str) -> HttpResponse:
    survey = get_object_or_404(Survey, public_key=key)
    return _message(request, kind="thanks", survey=survey, status=200)
