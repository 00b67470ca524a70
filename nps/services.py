"""Writes for NPS. Changes made by people leave an activity row in the same transaction.

Customers answering a survey are not users of the program: their responses are the
data itself and leave no activity rows. Invitations are created by REST clients and
carry who created them (login and token) on their own row.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import events
from core.activity import activity_record
from core.edits import Revision, edit_lock, model_create, model_update, set_active
from core.types import Actor
from journeys.models import Step
from roles.models import ApiToken, Department, Employee

from . import scoring
from .events import ExportFinished, ResponseRecorded
from .models import (
    ExportFormat,
    ExportJob,
    FollowUp,
    Invitation,
    ProblemTag,
    Response,
    ResponseImport,
    ResponseTag,
    Source,
    Survey,
)
from .signals import responses_changed

logger = logging.getLogger(__name__)


class SurveyClosedError(Exception):
    """The survey is paused, not open yet, or its window is over."""


class AlreadyAnsweredError(Exception):
    """The invitation has recorded its one response already (or it expired)."""


class EditWindowClosedError(Exception):
    """Too long since the answer: the comment can no longer be changed."""


def responses_announce(responses: Iterable[Response]) -> None:
    """Tell listeners (the scorecards) about responses written without a post_save each.

    Call inside the writing transaction, after the rows are written (nps.signals).
    """
    months: set[datetime.date] = set()
    employees: set[int] = set()
    departments: set[int] = set()
    steps: set[int] = set()
    for response in responses:
        months.add(timezone.localtime(response.submitted_at).date().replace(day=1))
        departments.add(response.department_id)
        if response.employee_id:
            employees.add(response.employee_id)
        if response.step_id:
            steps.add(response.step_id)
    if not months:
        return
    responses_changed.send(
        sender=Response,
        months=sorted(months),
        employee_ids=sorted(employees),
        department_ids=sorted(departments),
        step_ids=sorted(steps),
    )


# Surveys ------------------------------------------------------------------------------


def _survey_guard_scope(*, actor: Actor, department: Department, employee: Employee | None) -> None:
    from roles.selectors import departments_visible_to

    visible = departments_visible_to(actor)
    errors = {}
    if not visible.filter(pk=department.pk).exists():
        errors["department"] = _("This department is outside your part of the organisation.")
    if employee is not None and not visible.filter(pk=employee.department_id).exists():
        errors["employee"] = _("This employee is outside your part of the organisation.")
    if errors:
        raise ValidationError(errors)


SURVEY_FIELDS = (
    "name",
    "follow_up_ru",
    "follow_up_en",
    "step",
    "department",
    "employee",
    "active_from",
    "active_until",
)


@transaction.atomic
def survey_create(
    *,
    actor: Actor,
    name: str,
    department: Department,
    step: Step | None = None,
    employee: Employee | None = None,
    active_from: datetime.date | None = None,
    active_until: datetime.date | None = None,
    follow_up_ru: str = "",
    follow_up_en: str = "",
) -> Survey:
    _survey_guard_scope(actor=actor, department=department, employee=employee)
    survey = Survey(
        name=name.strip(),
        department=department,
        step=step,
        employee=employee,
        active_from=active_from or timezone.localdate(),
        active_until=active_until,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if follow_up_ru.strip():
        survey.follow_up_ru = follow_up_ru.strip()
    if follow_up_en.strip():
        survey.follow_up_en = follow_up_en.strip()
    return model_create(
        actor=actor,
        instance=survey,
        message=gettext_lazy("Survey “%(name)s” created"),
        params={"name": survey.name},
    )


@transaction.atomic
def survey_update(
    *,
    actor: Actor,
    survey: Survey,
    expected_updated_at: Revision | None = None,
    **values: Any,
) -> Survey:
    unknown = set(values) - set(SURVEY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown survey fields: {sorted(unknown)}")
    edit_lock(Survey, survey.pk, expected=expected_updated_at)
    _survey_guard_scope(
        actor=actor,
        department=values.get("department", survey.department),
        employee=values.get("employee", survey.employee),
    )
    for key in ("name", "follow_up_ru", "follow_up_en"):
        if key in values:
            values[key] = values[key].strip()
    changes = model_update(instance=survey, data=values)
    if changes:
        activity_record(
            actor=actor,
            action="survey.update",
            target=survey,
            message=gettext_lazy("Survey “%(name)s” changed"),
            params={"name": survey.name},
            data={"changes": changes},
        )
    return survey


@transaction.atomic
def survey_set_active(*, actor: Actor, survey: Survey, is_active: bool) -> Survey:
    return set_active(
        actor=actor,
        instance=survey,
        is_active=is_active,
        action="survey.activate" if is_active else "survey.pause",
        message=(
            gettext_lazy("Survey “%(name)s” reopened")
            if is_active
            else gettext_lazy("Survey “%(name)s” paused")
        ),
        params={"name": survey.name},
    )


# Invitations ----------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    actor: Actor,
    survey: Survey,
    external_ref: str,
    employee: Employee | None = None,
    step: Step | None = None,
    expires_at: datetime.datetime | None = None,
    api_token: ApiToken | None = None,
) -> tuple[Invitation, bool]:
    """A single-use link for one customer. Returns (invitation, created).

    Idempotent per survey and external reference: a CRM that retries after a timeout
    gets the invitation it already created, not a second link.
    """
    external_ref = external_ref.strip()
    existing = Invitation.objects.filter(survey=survey, external_ref=external_ref).first()
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    if not external_ref:
        errors["external_ref"] = _("This field may not be blank.")
    if not survey.is_open():
        errors["survey"] = _("This survey is not open for answers.")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry time is in the past.")
    if errors:
        raise ValidationError(errors)
    invitation = Invitation(
        survey=survey,
        external_ref=external_ref,
        employee=employee,
        step=step,
        expires_at=expires_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        api_token=api_token,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # The same reference arrived twice at once: the other request created it.
        return Invitation.objects.get(survey=survey, external_ref=external_ref), False
    return invitation, True


# Responses ------------------------------------------------------------------------------


@transaction.atomic
def response_record(
    *,
    survey: Survey,
    score: int,
    language: str = "",
    invitation: Invitation | None = None,
    now: datetime.datetime | None = None,
) -> Response:
    """Record a customer's score, attributed to the survey's (or invitation's) employee and step.

    An invitation is claimed with a conditional UPDATE (unanswered and unexpired ->
    answered) before the response is written, and the response's invitation column is
    unique: two simultaneous answers through one link record exactly one response;
    the other raises AlreadyAnsweredError.
    """
    now = now or timezone.now()
    if not isinstance(score, int) or not scoring.MIN_SCORE <= score <= scoring.MAX_SCORE:
        raise ValidationError({"score": _("Choose a score from 0 to 10.")})
    if not survey.is_open(timezone.localdate(now)):
        raise SurveyClosedError
    if invitation is not None:
        if invitation.survey_id != survey.pk:
            raise ValueError("The invitation belongs to another survey")
        claimed = (
            Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .update(answered_at=now)
        )
        if not claimed:
            raise AlreadyAnsweredError
        invitation.answered_at = now
    employee = (invitation.employee if invitation else None) or survey.employee
    step = (invitation.step if invitation else None) or survey.step
    response = Response(
        survey=survey,
        invitation=invitation,
        department_id=employee.department_id if employee else survey.department_id,
        employee=employee,
        step=step,
        score=score,
        language=language[:10],
        source=Source.INVITATION if invitation else Source.LINK,
        submitted_at=now,
        follow_up_status=(
            FollowUp.OPEN if scoring.category(score) == scoring.DETRACTOR else FollowUp.NONE
        ),
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as error:
        if invitation is not None:
            raise AlreadyAnsweredError from error
        raise
    events.publish(ResponseRecorded(response_id=response.pk, score=response.score))
    return response


def comment_edit_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.NPS_COMMENT_EDIT_MINUTES)


def response_can_edit_comment(response: Response, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) - response.submitted_at <= comment_edit_window()


@transaction.atomic
def response_add_details(
    *,
    response: Response,
    comment: str,
    contact_name: str = "",
    contact: str = "",
    contact_consent: bool = False,
    now: datetime.datetime | None = None,
) -> Response:
    """The customer's comment and (only with consent) contact details, within the window.

    Without consent no contact details are kept, whatever was typed.
    """
    now = now or timezone.now()
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if not response_can_edit_comment(locked, now):
        raise EditWindowClosedError
    locked.comment = comment.strip()[:2000]
    if contact_consent:
        locked.contact_name = contact_name.strip()[:200]
        locked.contact = contact.strip()[:200]
        locked.contact_consent = True
    elif locked.contact_consent is False:
        locked.contact_name = ""
        locked.contact = ""
    locked.comment_updated_at = now
    locked.save(
        update_fields=[
            "comment",
            "contact_name",
            "contact",
            "contact_consent",
            "comment_updated_at",
            "updated_at",
        ]
    )
    return locked


TAGGABLE = (scoring.DETRACTOR, scoring.PASSIVE)


@transaction.atomic
def response_set_tags(*, actor: Actor, response: Response, tags: Iterable[ProblemTag]) -> Response:
    """Set the problem tags of a detractor's or passive's response (adds and removes)."""
    if response.category not in TAGGABLE:
        raise ValidationError(
            {"tags": _("Problem tags are for detractors' and passives' comments.")}
        )
    wanted = {tag.pk: tag for tag in tags}
    current = set(response.tag_links.values_list("tag_id", flat=True))
    added = [tag for pk, tag in wanted.items() if pk not in current]
    inactive = [tag.name for tag in added if not tag.is_active]
    if inactive:
        raise ValidationError(
            {
                "tags": _("Deactivated tags cannot be added: %(names)s.")
                % {"names": ", ".join(inactive)}
            }
        )
    removed = current - set(wanted)
    removed_names = list(
        ProblemTag.objects.filter(pk__in=removed).order_by("name").values_list("name", flat=True)
    )
    ResponseTag.objects.filter(response=response, tag_id__in=removed).delete()
    ResponseTag.objects.bulk_create(
        [ResponseTag(response=response, tag=tag, tagged_by=actor) for tag in added]
    )
    if added:
        responses_announce([response])
    if added or removed:
        # The tags are rows of their own: the response's version (which the follow-up
        # form carries) stays, so tagging never makes an open follow-up form stale.
        activity_record(
            actor=actor,
            action="response.tag",
            target=response,
            message=gettext_lazy("Problem tags of a response changed"),
            data={
                "added": sorted(tag.name for tag in added),
                "removed": removed_names,
            },
        )
    response.refresh_from_db()
    return response


FOLLOW_UP_STATUSES = (FollowUp.OPEN, FollowUp.CONTACTED, FollowUp.RESOLVED)


@transaction.atomic
def response_follow_up(
    *,
    actor: Actor,
    response: Response,
    status: str,
    note: str,
    expected_updated_at: Revision | None = None,
) -> Response:
    """Close the loop with a detractor: open -> contacted -> resolved, with a note.

    Who and when are kept on the response; each change is in the activity history.
    A save based on an outdated form raises EditConflict.
    """
    if response.category != scoring.DETRACTOR:
        raise ValidationError({"status": _("Only detractors are followed up.")})
    if status not in FOLLOW_UP_STATUSES:
        raise ValidationError({"status": _("Choose open, contacted or resolved.")})
    edit_lock(Response, response.pk, expected=expected_updated_at)
    note = note.strip()
    if status != FollowUp.OPEN and not note:
        raise ValidationError({"note": _("Say what was done: a short note is enough.")})
    old_status = response.follow_up_status
    if old_status == status and response.follow_up_note == note:
        return response
    response.follow_up_status = status
    response.follow_up_note = note
    response.follow_up_by = actor
    response.follow_up_at = timezone.now()
    response.save(
        update_fields=[
            "follow_up_status",
            "follow_up_note",
            "follow_up_by",
            "follow_up_at",
            "updated_at",
        ]
    )
    activity_record(
        actor=actor,
        action="response.follow_up",
        target=response,
        message=gettext_lazy("Follow-up: %(status)s"),
        params={"status": FollowUp(status).label},
        data={"from": old_status, "to": status, "note": note},
    )
    return response


# Problem tags ---------------------------------------------------------------------------


def _tag_guard_name(name: str, tag: ProblemTag | None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    others = ProblemTag.objects.all()
    if tag is not None:
        others = others.exclude(pk=tag.pk)
    folded = name.casefold()
    if any(other.casefold() == folded for other in others.values_list("name", flat=True)):
        raise ValidationError({"name": _("There is already a tag with this name.")})
    return name


@transaction.atomic
def problem_tag_create(*, actor: Actor, name: str, description: str = "") -> ProblemTag:
    tag = ProblemTag(name=_tag_guard_name(name, None), description=description.strip())
    return model_create(
        actor=actor,
        action="problem_tag.create",
        instance=tag,
        message=gettext_lazy("Problem tag “%(name)s” created"),
        params={"name": tag.name},
    )


@transaction.atomic
def problem_tag_update(
    *,
    actor: Actor,
    tag: ProblemTag,
    name: str,
    description: str,
    expected_updated_at: Revision | None = None,
) -> ProblemTag:
    edit_lock(ProblemTag, tag.pk, expected=expected_updated_at)
    changes = model_update(
        instance=tag,
        data={"name": _tag_guard_name(name, tag), "description": description.strip()},
    )
    if changes:
        activity_record(
            actor=actor,
            action="problem_tag.update",
            target=tag,
            message=gettext_lazy("Problem tag “%(name)s” changed"),
            params={"name": tag.name},
            data={"changes": changes},
        )
    return tag


@transaction.atomic
def problem_tag_set_active(*, actor: Actor, tag: ProblemTag, is_active: bool) -> ProblemTag:
    """A deactivated tag stays on the responses it marks but cannot be added again."""
    return set_active(
        actor=actor,
        instance=tag,
        is_active=is_active,
        action="problem_tag.activate" if is_active else "problem_tag.deactivate",
        message=(
            gettext_lazy("Problem tag “%(name)s” reactivated")
            if is_active
            else gettext_lazy("Problem tag “%(name)s” deactivated")
        ),
        params={"name": tag.name},
    )


# Historical import ----------------------------------------------------------------------


@transaction.atomic
def response_import_create(
    *, actor: Actor, file_name: str, checksum: str, rows: list[Any]
) -> ResponseImport:
    """Keep a previewed, error-free file so that confirming writes exactly what was shown."""
    if not rows:
        raise ValidationError(_("The file has no responses to import."))
    return ResponseImport.objects.create(
        uploaded_by=actor, file_name=file_name[:255], checksum=checksum, rows=rows
    )


@transaction.atomic
def response_import_confirm(*, actor: Actor, response_import: ResponseImport) -> ResponseImport:
    """Write every new row of a previewed import, or none (the rows are checked again).

    Rows whose external id is already stored with the same values are left alone, so
    importing the same file twice changes nothing. Imported history has no follow-up.
    """
    from .imports import ImportRejected, recheck_rows

    claimed = ResponseImport.objects.filter(
        pk=response_import.pk, status=ResponseImport.Status.PREVIEWED
    ).update(status=ResponseImport.Status.DONE, finished_at=timezone.now())
    if not claimed:
        raise ValidationError(_("This import has already been confirmed."))
    new_rows, unchanged, problems = recheck_rows(user=actor, rows=response_import.rows)
    if problems:
        raise ImportRejected(problems)
    responses = [
        Response(
            survey_id=row["survey_id"],
            department_id=row["department_id"],
            employee_id=row["employee_id"],
            step_id=row["step_id"],
            score=row["score"],
            comment=row["comment"],
            source=Source.IMPORT,
            external_id=row["external_id"],
            submitted_at=datetime.datetime.fromisoformat(row["submitted_at"]),
            language="",
            follow_up_status=FollowUp.NONE,
        )
        for row in new_rows
    ]
    Response.objects.bulk_create(responses, batch_size=1000)
    responses_announce(responses)
    ResponseImport.objects.filter(pk=response_import.pk).update(
        created_count=len(responses), unchanged_count=unchanged
    )
    response_import.refresh_from_db()
    activity_record(
        actor=actor,
        action="response_import.apply",
        target=response_import,
        message=gettext_lazy(
            "Import of “%(file)s”: %(created)s responses added, %(unchanged)s already there"
        ),
        params={
            "file": response_import.file_name,
            "created": len(responses),
            "unchanged": unchanged,
        },
        data={"created": len(responses), "unchanged": unchanged},
    )
    return response_import


# Export jobs ----------------------------------------------------------------------------

EXPORT_SOFT_TIME_LIMIT = 25 * 60
EXPORT_TIME_LIMIT = 30 * 60
EXPORT_REQUEUE_AFTER = datetime.timedelta(minutes=5)
EXPORT_INTERRUPTED_AFTER = datetime.timedelta(seconds=EXPORT_TIME_LIMIT + 120)
EXPORT_DIRECTORY = "nps-exports"


def export_directory() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / EXPORT_DIRECTORY


def _export_enqueue(job_id: int) -> None:
    from .tasks import export_job_run as run_task

    try:
        run_task.delay(job_id)
    except Exception:
        # The job is saved; the sweep sends it again within minutes.
        logger.exception("Could not enqueue export job %s; the sweep will retry", job_id)


@transaction.atomic
def export_job_create(
    *,
    actor: Actor,
    format: str,
    filters: dict[str, str],
    api_token: ApiToken | None = None,
) -> ExportJob:
    """Queue an export of the selection `filters` describes; it runs after the commit.

    The filters are checked now (an invalid one is a ValidationError naming it) and
    again when the job runs, against what the requester may see then.
    """
    from .filters import filter_for_user
    from .selectors import responses_visible_to

    if format not in ExportFormat.values:
        raise ValidationError({"format": _("Choose csv or xlsx.")})
    bound = filter_for_user(user=actor, data=filters, queryset=responses_visible_to(actor))
    if not bound.is_valid():
        raise ValidationError(
            {
                field: [str(message) for message in messages]
                for field, messages in bound.errors.items()
            }
        )
    job = ExportJob.objects.create(
        requested_by=actor, api_token=api_token, format=format, filters=dict(filters)
    )
    activity_record(
        actor=actor,
        action="export.create",
        target=job,
        message=gettext_lazy("Export of NPS responses requested (%(format)s)"),
        params={"format": job.get_format_display()},
        data={"filters": job.filters},
    )
    pk = job.pk
    transaction.on_commit(lambda: _export_enqueue(pk))
    return job


def export_job_run(*, job_id: int) -> None:
    """Build the file of a queued job. Safe to call twice: the job is claimed once.

    Runs outside a transaction on purpose: progress is committed as it goes so that
    pollers see it. A failure leaves the job failed with the reason, and no file.
    """
    from .exports import write_csv, write_xlsx
    from .filters import filter_for_user
    from .selectors import responses_visible_to

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    path: Path | None = None
    try:
        user = job.requested_by
        bound = filter_for_user(user=user, data=job.filters, queryset=responses_visible_to(user))
        if not bound.is_valid():
            raise ValidationError(
                _("The selection is no longer valid: %(errors)s")
                % {
                    "errors": "; ".join(
                        f"{field}: {', '.join(errors)}" for field, errors in bound.errors.items()
                    )
                }
            )
        queryset = bound.qs
        total = queryset.count()
        ExportJob.objects.filter(pk=job_id).update(rows_total=total)

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job_id).update(rows_done=min(rows, total))

        directory = export_directory()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{job_id}-{secrets.token_hex(8)}.{job.format}"
        with path.open("wb") as target:
            if job.format == ExportFormat.XLSX:
                write_xlsx(queryset, target, progress)
            else:
                write_csv(queryset, target, progress)
        now = timezone.now()
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE,
            rows_done=total,
            file_path=str(path.relative_to(settings.PRIVATE_MEDIA_ROOT)),
            file_size=path.stat().st_size,
            finished_at=now,
            expires_at=now + datetime.timedelta(hours=settings.NPS_EXPORT_EXPIRE_HOURS),
        )
        events.publish(ExportFinished(job_id=job_id, succeeded=True))
    except Exception as error:
        if not isinstance(error, ValidationError):
            logger.exception("Export job %s failed", job_id)
        if path is not None:
            path.unlink(missing_ok=True)
        message = (
            "; ".join(error.messages)
            if isinstance(error, ValidationError)
            else _("The export stopped because of an unexpected error. Try again.")
        )
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
        events.publish(ExportFinished(job_id=job_id, succeeded=False))


def export_file_path(job: ExportJob) -> Path | None:
    if not job.file_path:
        return None
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / job.file_path).resolve()
    # Only ever a file inside the private folder.
    if root not in path.parents:
        return None
    return path


def export_job_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete expired files, fail jobs a dead worker left running, resend lost ones."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now):
        path = export_file_path(job)
        if path is not None:
            path.unlink(missing_ok=True)
        expired += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, file_path="", file_size=0
        )
    failed = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=now - EXPORT_INTERRUPTED_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        finished_at=now,
        error=_("The export was interrupted. Start it again."),
    )
    stalled = list(
        ExportJob.objects.filter(
            status=ExportJob.Status.QUEUED, created_at__lt=now - EXPORT_REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    for job_id in stalled:
        _export_enqueue(job_id)
    return {"expired": expired, "failed": failed, "resent": len(stalled)}
