"""Writes for audits: templates, assignment, answers, submission, review, disputes, photos.

Every function runs in one transaction and guards the audit's state. Changes a person
makes to shared data (templates, assignments, submission, finalizing, disputes) leave
an activity row. The auditor's answers to their own draft do not: they are working
notes until the audit is submitted, and the submission records them as a whole.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import events
from core.activity import activity_record
from core.edits import Revision, edit_lock, model_update, set_active
from core.types import Actor
from journeys.models import Journey
from roles.models import Department, Employee, ProgramRole
from standards.models import BookVersion, VersionStatus

from . import scoring
from .events import AuditAssigned, AuditFinalized, DisputeDecided, DisputeRaised
from .evidence import clean_image, evidence_remove, evidence_write
from .models import (
    Answer,
    Audit,
    AuditItem,
    AuditStatus,
    AuditStep,
    ChecklistTemplate,
    Dispute,
    DisputeStatus,
    Evidence,
    TemplateItem,
    TemplateStep,
)
from .selectors import (
    UpgradePlan,
    dispute_window_open,
    journey_places,
    template_upgrade_plan,
)
from .signals import REASON_DISPUTE_ACCEPTED, REASON_FINALIZED, audit_figures_changed

logger = logging.getLogger(__name__)

UNIDENTIFIED = "unidentified"
MAX_PHOTOS_PER_ITEM = 5


class AuditStateError(Exception):
    """The audit is not in a state that allows this (answered with 409)."""


class SubmissionConflict(Exception):
    """The draft id was already submitted with other content (answered with 409)."""


# Templates --------------------------------------------------------------------------


def _guard_template_name(name: str, template: ChecklistTemplate | None) -> None:
    others = ChecklistTemplate.objects.all()
    if template is not None:
        others = others.exclude(pk=template.pk)
    folded = name.strip().casefold()
    if any(other.casefold() == folded for other in others.values_list("name", flat=True)):
        raise ValidationError({"name": _("There is already a checklist template with this name.")})


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    name: str,
    journey: Journey,
    version: BookVersion,
    place_keys: list[str],
    notes: str = "",
) -> ChecklistTemplate:
    """A template with the auditable requirements of the chosen steps and situations.

    Each chosen place becomes a template step (in journey order) holding the
    requirements the version writes for the place's responsible position.
    """
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"version": _("Build templates from the published version of the book.")}
        )
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    _guard_template_name(name, None)
    wanted = set(place_keys)
    chosen = [place for place in journey_places(journey, version) if place.key in wanted]
    if not chosen:
        raise ValidationError({"places": _("Choose at least one step or situation.")})
    empty = [place.title for place in chosen if not place.requirements]
    if empty:
        raise ValidationError(
            {
                "places": _(
                    "Version %(number)s has no requirements an auditor can check for: %(places)s."
                )
                % {"number": version.number, "places": "; ".join(empty)}
            }
        )
    template = ChecklistTemplate.objects.create(
        name=name,
        journey=journey,
        version=version,
        notes=notes.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    items: list[TemplateItem] = []
    for order, place in enumerate(chosen, start=1):
        template_step = TemplateStep.objects.create(
            template=template,
            step=place.step,
            situation=place.situation,
            position=place.position,
            order=order,
        )
        items.extend(
            TemplateItem(
                template_step=template_step,
                requirement=requirement,
                lineage_key=requirement.lineage_key,
                order=index,
            )
            for index, requirement in enumerate(place.requirements, start=1)
        )
    TemplateItem.objects.bulk_create(items)
    activity_record(
        actor=actor,
        action="checklist_template.create",
        target=template,
        message=gettext_lazy("Checklist template “%(name)s” created from version %(number)s"),
        params={"name": template.name, "number": version.number},
        data={"steps": len(chosen), "items": len(items)},
    )
    return template


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    template: ChecklistTemplate,
    name: str,
    notes: str,
    expected_updated_at: Revision | None = None,
) -> ChecklistTemplate:
    edit_lock(ChecklistTemplate, template.pk, expected=expected_updated_at)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    _guard_template_name(name, template)
    changes = model_update(instance=template, data={"name": name, "notes": notes.strip()})
    if changes:
        activity_record(
            actor=actor,
            action="checklist_template.update",
            target=template,
            message=gettext_lazy("Checklist template “%(name)s” changed"),
            params={"name": template.name},
            data={"changes": changes},
        )
    return template


@transaction.atomic
def template_item_set_included(
    *, actor: Actor, template: ChecklistTemplate, item: TemplateItem, included: bool
) -> TemplateItem:
    """Leave an item out of the template (or take it back in); audits already assigned
    keep the items they were given."""
    locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if item.template_step.template_id != locked.pk:
        raise ValidationError(_("This item belongs to another template."))
    if item.included == included:
        return item
    if not included:
        remaining = (
            TemplateItem.objects.filter(template_step__template=locked, included=True)
            .exclude(pk=item.pk)
            .count()
        )
        if remaining == 0:
            raise ValidationError(_("A template needs at least one item: this is the last one."))
    item.included = included
    item.save(update_fields=["included"])
    locked.save(update_fields=["updated_at"])
    activity_record(
        actor=actor,
        action="checklist_template.include" if included else "checklist_template.leave_out",
        target=locked,
        message=(
            gettext_lazy("“%(text)s” put back into “%(name)s”")
            if included
            else gettext_lazy("“%(text)s” left out of “%(name)s”")
        ),
        params={"text": item.requirement.text[:120], "name": locked.name},
        data={"requirement": str(item.lineage_key)},
    )
    return item


@transaction.atomic
def template_upgrade(
    *,
    actor: Actor,
    template: ChecklistTemplate,
    version: BookVersion,
    expected_updated_at: Revision | None = None,
) -> UpgradePlan:
    """Move a template to a newer published version, matching items by lineage key.

    Items whose requirement is still there point at the new wording and keep their
    included flag; new requirements come in included; vanished ones go. Audits
    already assigned keep the version they were given.
    """
    edit_lock(ChecklistTemplate, template.pk, expected=expected_updated_at)
    if version.status != VersionStatus.PUBLISHED or version.book_id != template.version.book_id:
        raise ValidationError(_("Choose the published version of the template's book."))
    if version.number <= template.version.number:
        raise ValidationError(_("The template already uses this version or a newer one."))
    plan = template_upgrade_plan(template, version)
    for template_step, pairs in plan.mapping:
        kept = {item.pk for item, _requirement in pairs if item is not None}
        TemplateItem.objects.filter(template_step=template_step).exclude(pk__in=kept).delete()
        new_items = []
        for order, (item, requirement) in enumerate(pairs, start=1):
            if item is None:
                new_items.append(
                    TemplateItem(
                        template_step=template_step,
                        requirement=requirement,
                        lineage_key=requirement.lineage_key,
                        order=order,
                    )
                )
            else:
                item.requirement = requirement
                item.order = order
                item.save(update_fields=["requirement", "order"])
        TemplateItem.objects.bulk_create(new_items)
    if not TemplateItem.objects.filter(template_step__template=template, included=True).exists():
        raise ValidationError(
            _("Version %(number)s leaves this template with nothing to check.")
            % {"number": version.number}
        )
    old_number = template.version.number
    template.version = version
    template.save(update_fields=["version", "updated_at"])
    activity_record(
        actor=actor,
        action="checklist_template.upgrade",
        target=template,
        message=gettext_lazy("Checklist template “%(name)s” moved from version %(old)s to %(new)s"),
        params={"name": template.name, "old": old_number, "new": version.number},
        data={
            "added": len(plan.added),
            "removed": len(plan.removed),
            "reworded": len(plan.reworded),
        },
    )
    return plan


@transaction.atomic
def template_set_active(
    *, actor: Actor, template: ChecklistTemplate, is_active: bool
) -> ChecklistTemplate:
    return set_active(
        actor=actor,
        instance=template,
        is_active=is_active,
        action="checklist_template.activate" if is_active else "checklist_template.archive",
        message=(
            gettext_lazy("Checklist template “%(name)s” back in use")
            if is_active
            else gettext_lazy("Checklist template “%(name)s” archived")
        ),
        params={"name": template.name},
    )


# Assignment -------------------------------------------------------------------------


@transaction.atomic
def audit_assign(
    *,
    actor: Actor,
    template: ChecklistTemplate,
    department: Department,
    auditor: Any,
    window_start: datetime.date,
    window_end: datetime.date,
) -> Audit:
    """Hand an audit to an auditor: it copies the template's included items, pinned to
    the template's version, so later template changes leave it as it was given."""
    from roles.selectors import departments_visible_to

    errors: dict[str, str] = {}
    if not template.is_active:
        errors["template"] = _("This template is archived.")
    if not departments_visible_to(actor).filter(pk=department.pk, is_active=True).exists():
        errors["department"] = _("Choose an active department of your part of the organisation.")
    if not (auditor.is_active and auditor.groups.filter(name=ProgramRole.AUDITOR).exists()):
        errors["auditor"] = _("This login is not an auditor.")
    if window_end < window_start:
        errors["window_end"] = _("The window ends before it starts.")
    if errors:
        raise ValidationError(errors)

    template_steps = list(
        template.steps.select_related("step", "situation").order_by("order", "id")
    )
    included = list(
        TemplateItem.objects.filter(template_step__template=template, included=True)
        .select_related("requirement")
        .order_by("order", "id")
    )
    if not included:
        raise ValidationError({"template": _("This template has no items to check.")})
    audit = Audit.objects.create(
        template=template,
        version=template.version,
        department=department,
        auditor=auditor,
        window_start=window_start,
        window_end=window_end,
        notes=template.notes,
        assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    items: list[AuditItem] = []
    order = 0
    for template_step in template_steps:
        step_items = [item for item in included if item.template_step_id == template_step.pk]
        if not step_items:
            continue
        order += 1
        audit_step = AuditStep.objects.create(
            audit=audit,
            step=template_step.step,
            situation=template_step.situation,
            position_id=template_step.position_id,
            title=template_step.title,
            order=order,
        )
        items.extend(
            AuditItem(audit=audit, audit_step=audit_step, requirement=item.requirement, order=index)
            for index, item in enumerate(step_items, start=1)
        )
    AuditItem.objects.bulk_create(items)
    activity_record(
        actor=actor,
        action="audit.assign",
        target=audit,
        message=gettext_lazy("Audit “%(template)s” of %(department)s assigned to %(auditor)s"),
        params={
            "template": template.name,
            "department": department.name,
            "auditor": auditor.get_full_name() or auditor.get_username(),
        },
        data={"window": [window_start.isoformat(), window_end.isoformat()]},
    )
    events.publish(AuditAssigned(audit_id=audit.pk, auditor_id=auditor.pk))
    return audit


@transaction.atomic
def audit_delete(*, actor: Actor, audit: Audit) -> None:
    """Withdraw an audit nobody has started."""
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if locked.status != AuditStatus.ASSIGNED:
        raise AuditStateError(
            _("The auditor has started this audit: it can no longer be withdrawn.")
        )
    activity_record(
        actor=actor,
        action="audit.withdraw",
        target=locked,
        message=gettext_lazy("Audit “%(template)s” of %(department)s withdrawn"),
        params={"template": locked.template.name, "department": locked.department.name},
    )
    locked.delete()


# Answers ----------------------------------------------------------------------------


@dataclass
class AuditContent:
    """What a form sends: any subset of the audit's answers, comments, observations
    and visit details. Keys are item and audit-step ids; absent keys stay as stored."""

    answers: dict[int, str] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    # "" (not chosen), "unidentified", or an employee id as a string
    observations: dict[int, str] = field(default_factory=dict)
    visited_at: datetime.datetime | None = None
    has_visited_at: bool = False
    channel: str = ""
    has_channel: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.answers
            or self.comments
            or self.observations
            or self.has_visited_at
            or self.has_channel
        )


def _lock_audit(audit: Audit) -> Audit:
    return Audit.objects.select_for_update().select_related("department").get(pk=audit.pk)


def _guard_draft(audit: Audit) -> None:
    if not audit.is_draft:
        raise AuditStateError(
            _("This audit was submitted on %(date)s: its answers can no longer change.")
            % {"date": timezone.localtime(audit.submitted_at).strftime("%d.%m.%Y %H:%M")}
            if audit.submitted_at
            else _("This audit can no longer change.")
        )


def _apply(audit: Audit, content: AuditContent) -> None:
    now = timezone.now()
    touched = set(content.answers) | set(content.comments)
    if touched:
        items = list(AuditItem.objects.filter(audit=audit, pk__in=touched))
        changed = []
        for item in items:
            before = (item.answer, item.comment)
            if item.pk in content.answers:
                answer = content.answers[item.pk]
                if answer != item.answer:
                    item.answer = answer
                    item.answered_at = now if answer else None
            if item.pk in content.comments:
                item.comment = content.comments[item.pk].strip()
            if (item.answer, item.comment) != before:
                changed.append(item)
        AuditItem.objects.bulk_update(changed, ["answer", "comment", "answered_at"])
    if content.observations:
        steps = list(AuditStep.objects.filter(audit=audit, pk__in=content.observations))
        for audit_step in steps:
            value = content.observations[audit_step.pk]
            audit_step.employee_unidentified = value == UNIDENTIFIED
            audit_step.employee_id = int(value) if value.isdigit() else None
        AuditStep.objects.bulk_update(steps, ["employee", "employee_unidentified"])
    fields = []
    if content.has_visited_at:
        audit.visited_at = content.visited_at
        fields.append("visited_at")
    if content.has_channel:
        audit.channel = content.channel
        fields.append("channel")
    if audit.status == AuditStatus.ASSIGNED and not content.is_empty:
        audit.status = AuditStatus.IN_PROGRESS
        fields.append("status")
    if fields:
        audit.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def audit_content_save(*, actor: Actor, audit: Audit, content: AuditContent) -> Audit:
    """Save answers exactly as given, while the audit is a draft (one or many at once)."""
    locked = _lock_audit(audit)
    _guard_draft(locked)
    _apply(locked, content)
    return locked


# Submission -------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    label: str
    anchor: str


@dataclass
class SubmitOutcome:
    audit: Audit
    missing: list[Missing] = field(default_factory=list)
    # True when this was a repeat of a submission already recorded.
    repeated: bool = False

    @property
    def submitted(self) -> bool:
        return not self.missing


def audit_missing(audit: Audit) -> list[Missing]:
    """What stops an audit from being submitted, in the order of the form."""
    missing: list[Missing] = []
    if audit.visited_at is None:
        missing.append(Missing(_("Visit date and time"), "visit"))
    if not audit.channel:
        missing.append(Missing(_("Channel"), "visit"))
    steps = list(audit.steps.order_by("order", "id"))
    items = list(
        AuditItem.objects.filter(audit=audit).select_related("requirement").order_by("order", "id")
    )
    for audit_step in steps:
        step_items = [item for item in items if item.audit_step_id == audit_step.pk]
        checked = any(item.answer in (Answer.YES, Answer.NO) for item in step_items)
        if checked and not audit_step.observation_given:
            missing.append(
                Missing(
                    _("%(step)s: the employee observed") % {"step": audit_step.title},
                    f"step-{audit_step.pk}",
                )
            )
        missing.extend(
            Missing(
                _("%(step)s: %(requirement)s")
                % {"step": audit_step.title, "requirement": item.requirement.text},
                f"item-{item.pk}",
            )
            for item in step_items
            if not item.answer
        )
    return missing


def _utc_minute(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(datetime.UTC).replace(second=0, microsecond=0).isoformat()


def _audit_state(audit: Audit) -> dict[str, Any]:
    answers = {
        str(pk): [answer, comment]
        for pk, answer, comment in AuditItem.objects.filter(audit=audit).values_list(
            "pk", "answer", "comment"
        )
    }
    observations = {}
    for pk, employee_id, unidentified in AuditStep.objects.filter(audit=audit).values_list(
        "pk", "employee_id", "employee_unidentified"
    ):
        observations[str(pk)] = (
            UNIDENTIFIED if unidentified else (str(employee_id) if employee_id else "")
        )
    return {
        "answers": answers,
        "observations": observations,
        "visited_at": _utc_minute(audit.visited_at),
        "channel": audit.channel,
    }


def _overlay(state: dict[str, Any], content: AuditContent) -> dict[str, Any]:
    answers = {key: list(value) for key, value in state["answers"].items()}
    for pk, answer in content.answers.items():
        if str(pk) in answers:
            answers[str(pk)][0] = answer
    for pk, comment in content.comments.items():
        if str(pk) in answers:
            answers[str(pk)][1] = comment.strip()
    observations = dict(state["observations"])
    for pk, value in content.observations.items():
        if str(pk) in observations:
            observations[str(pk)] = value
    return {
        "answers": answers,
        "observations": observations,
        "visited_at": _utc_minute(content.visited_at)
        if content.has_visited_at
        else state["visited_at"],
        "channel": content.channel if content.has_channel else state["channel"],
    }


def content_digest(state: dict[str, Any]) -> str:
    canonical = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _store_figures(audit: Audit) -> scoring.Figures:
    """Compute every step's figures from the answers and store them with the total.

    The first time (at submission) it also fixes the department each step counts for:
    the observed employee's department at that moment, or the audited department.
    """
    steps = list(
        AuditStep.objects.filter(audit=audit).select_related("employee").order_by("order", "id")
    )
    items = list(AuditItem.objects.filter(audit=audit).select_related("requirement"))
    per_step = []
    for audit_step in steps:
        if audit_step.department_id is None:
            audit_step.department_id = (
                audit_step.employee.department_id
                if audit_step.employee is not None
                else audit.department_id
            )
        answered = [item.answer for item in items if item.audit_step_id == audit_step.pk]
        figures = scoring.score_step(
            item.as_scored() for item in items if item.audit_step_id == audit_step.pk
        )
        audit_step.earned = figures.earned
        audit_step.applicable = figures.applicable
        audit_step.critical_failed = figures.critical_failed
        audit_step.answers = sum(answer in (Answer.YES, Answer.NO) for answer in answered)
        audit_step.failed_answers = answered.count(Answer.NO)
        per_step.append(figures)
    AuditStep.objects.bulk_update(
        steps,
        ["earned", "applicable", "critical_failed", "answers", "failed_answers", "department"],
    )
    total = scoring.score_total(per_step)
    audit.earned = total.earned
    audit.applicable = total.applicable
    audit.score = total.percent
    audit.save(update_fields=["earned", "applicable", "score", "updated_at"])
    return total


@transaction.atomic
def audit_submit(
    *, actor: Actor, audit: Audit, client_id: uuid.UUID, content: AuditContent
) -> SubmitOutcome:
    """Submit a draft once, whatever the number of attempts.

    The audit row is locked, so concurrent attempts run one after the other. The
    first saves the content it carries; if something is still missing it returns
    the list (the answers given stay saved) and nothing is submitted. Otherwise it
    stores the figures and records the draft id (unique in the database) and a
    digest of the content. A later attempt with the same id and the same content
    returns the same outcome; with another id or other content it raises
    SubmissionConflict and changes nothing.
    """
    locked = _lock_audit(audit)
    if not locked.is_draft:
        if locked.client_id != client_id:
            raise SubmissionConflict(
                _(
                    "This audit was already submitted from another device or browser. "
                    "Nothing was changed."
                )
            )
        if content_digest(_overlay(_audit_state(locked), content)) != locked.submitted_digest:
            raise SubmissionConflict(
                _(
                    "This audit was already submitted with different answers. Your changes "
                    "were not saved: ask a manager if something needs correcting."
                )
            )
        return SubmitOutcome(audit=locked, repeated=True)
    _apply(locked, content)
    missing = audit_missing(locked)
    if missing:
        return SubmitOutcome(audit=locked, missing=missing)
    total = _store_figures(locked)
    locked.status = AuditStatus.SUBMITTED
    locked.client_id = client_id
    locked.submitted_at = timezone.now()
    locked.submitted_digest = content_digest(_audit_state(locked))
    try:
        with transaction.atomic():
            locked.save(
                update_fields=[
                    "status",
                    "client_id",
                    "submitted_at",
                    "submitted_digest",
                    "updated_at",
                ]
            )
    except IntegrityError as error:
        raise SubmissionConflict(
            _("This draft id already belongs to another audit. Reload the page and submit again.")
        ) from error
    activity_record(
        actor=actor,
        action="audit.submit",
        target=locked,
        message=gettext_lazy("Audit “%(template)s” of %(department)s submitted"),
        params={"template": locked.template.name, "department": locked.department.name},
        data={"earned": total.earned, "applicable": total.applicable},
    )
    return SubmitOutcome(audit=locked)


# Review -----------------------------------------------------------------------------


def _observed_employee_ids(audit: Audit) -> list[int]:
    return sorted(
        {
            employee_id
            for employee_id in AuditStep.objects.filter(audit=audit).values_list(
                "employee_id", flat=True
            )
            if employee_id
        }
    )


def _announce(audit: Audit, reason: str) -> None:
    audit_figures_changed.send(
        sender=Audit,
        audit=audit,
        reason=reason,
        month=audit.visit_month,
        employee_ids=_observed_employee_ids(audit),
        department_id=audit.department_id,
        department_ids=sorted(
            set(AuditStep.objects.filter(audit=audit).values_list("department_id", flat=True))
            - {None}
        ),
    )


@transaction.atomic
def audit_finalize(*, actor: Actor, audit: Audit) -> Audit:
    """Make a submitted audit final: from now on it counts in compliance."""
    locked = _lock_audit(audit)
    if locked.status != AuditStatus.SUBMITTED:
        raise AuditStateError(
            _("Only a submitted audit can be finalized; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    total = _store_figures(locked)
    locked.status = AuditStatus.FINAL
    locked.finalized_at = timezone.now()
    locked.finalized_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["status", "finalized_at", "finalized_by", "updated_at"])
    activity_record(
        actor=actor,
        action="audit.finalize",
        target=locked,
        message=gettext_lazy("Audit “%(template)s” of %(department)s finalized"),
        params={"template": locked.template.name, "department": locked.department.name},
        data={"earned": total.earned, "applicable": total.applicable},
    )
    _announce(locked, REASON_FINALIZED)
    events.publish(AuditFinalized(audit_id=locked.pk))
    return locked


# Disputes ---------------------------------------------------------------------------


@transaction.atomic
def dispute_raise(
    *, actor: Actor | None, employee: Employee, item: AuditItem, reason: str
) -> Dispute:
    audit = _lock_audit(item.audit)
    item = AuditItem.objects.select_related("audit_step", "requirement").get(pk=item.pk)
    if not audit.is_final:
        raise AuditStateError(_("Only answers of a final audit can be disputed."))
    if not dispute_window_open(audit):
        raise AuditStateError(_("The time to dispute this audit is over."))
    if item.audit_step.employee_id != employee.pk:
        raise ValidationError(_("You can dispute only the steps where you were observed."))
    if item.answer != Answer.NO:
        raise ValidationError(_("Only an answer “No” can be disputed."))
    if Dispute.objects.filter(item=item).exists():
        raise ValidationError(_("This answer has already been disputed."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the answer is wrong.")})
    dispute = Dispute.objects.create(
        item=item,
        employee=employee,
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        answer_before=item.answer,
    )
    activity_record(
        actor=actor,
        action="audit.dispute",
        target=audit,
        message=gettext_lazy("%(employee)s disputed “%(requirement)s”"),
        params={"employee": employee.full_name, "requirement": item.requirement.text[:120]},
        data={"dispute": dispute.pk, "reason": reason[:500]},
    )
    events.publish(DisputeRaised(dispute_id=dispute.pk))
    return dispute


def _lock_open_dispute(dispute: Dispute) -> Dispute:
    locked = (
        Dispute.objects.select_for_update()
        .select_related("item__requirement", "item__audit", "employee")
        .get(pk=dispute.pk)
    )
    if not locked.is_open:
        raise AuditStateError(
            _("This dispute was already decided: %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def dispute_accept(*, actor: Actor, dispute: Dispute, answer: str, note: str = "") -> Dispute:
    """Correct the disputed answer; the step and audit figures are stored again and the
    rollup is told (audits.signals), so every figure computed from them follows."""
    locked = _lock_open_dispute(dispute)
    if answer not in (Answer.YES, Answer.NOT_APPLICABLE):
        raise ValidationError({"answer": _("Correct the answer to “Yes” or “N/A”.")})
    audit = _lock_audit(locked.item.audit)
    item = locked.item
    item.answer = answer
    item.answered_at = timezone.now()
    item.save(update_fields=["answer", "answered_at"])
    before = (audit.earned, audit.applicable)
    total = _store_figures(audit)
    locked.status = DisputeStatus.ACCEPTED
    locked.answer_after = answer
    locked.decision_note = note.strip()
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    locked.save()
    activity_record(
        actor=actor,
        action="audit.dispute_accept",
        target=audit,
        message=gettext_lazy(
            "Dispute of %(employee)s accepted: “%(requirement)s” is now “%(answer)s”"
        ),
        params={
            "employee": locked.employee.full_name,
            "requirement": item.requirement.text[:120],
            "answer": Answer(answer).label,
        },
        data={
            "dispute": locked.pk,
            "before": list(before),
            "after": [total.earned, total.applicable],
        },
    )
    _announce(audit, REASON_DISPUTE_ACCEPTED)
    events.publish(DisputeDecided(dispute_id=locked.pk, accepted=True))
    return locked


@transaction.atomic
def dispute_reject(*, actor: Actor, dispute: Dispute, note: str) -> Dispute:
    locked = _lock_open_dispute(dispute)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the dispute is rejected.")})
    locked.status = DisputeStatus.REJECTED
    locked.decision_note = note
    locked.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.decided_at = timezone.now()
    locked.save()
    activity_record(
        actor=actor,
        action="audit.dispute_reject",
        target=locked.item.audit,
        message=gettext_lazy("Dispute of %(employee)s rejected: “%(requirement)s”"),
        params={
            "employee": locked.employee.full_name,
            "requirement": locked.item.requirement.text[:120],
        },
        data={"dispute": locked.pk, "note": note[:500]},
    )
    events.publish(DisputeDecided(dispute_id=locked.pk, accepted=False))
    return locked


# Evidence ---------------------------------------------------------------------------


def evidence_add(
    *, actor: Actor, audit: Audit, item: AuditItem, upload: IO[bytes], size: int, name: str
) -> Evidence:
    """Check, clean and keep a photo for an item of a draft audit.

    The image work happens before the transaction; the file is removed again if the
    row cannot be written.
    """
    image = clean_image(upload, size=size)
    path = evidence_write(audit_id=audit.pk, image=image)
    try:
        return _evidence_record(
            actor=actor, audit=audit, item=item, path=path, image_size=len(image.content),
            content_type=image.content_type, width=image.width, height=image.height, name=name,
        )  # fmt: skip
    except Exception:
        evidence_remove(path)
        raise


@transaction.atomic
def _evidence_record(
    *,
    actor: Actor,
    audit: Audit,
    item: AuditItem,
    path: str,
    image_size: int,
    content_type: str,
    width: int,
    height: int,
    name: str,
) -> Evidence:
    locked = _lock_audit(audit)
    _guard_draft(locked)
    if item.audit_id != locked.pk:
        raise ValidationError(_("This item belongs to another audit."))
    if Evidence.objects.filter(item=item).count() >= MAX_PHOTOS_PER_ITEM:
        raise ValidationError(
            _("An item holds at most %(count)s photos.") % {"count": MAX_PHOTOS_PER_ITEM}
        )
    evidence = Evidence.objects.create(
        item=item,
        path=path,
        content_type=content_type,
        size=image_size,
        width=width,
        height=height,
        original_name=name[:255],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if locked.status == AuditStatus.ASSIGNED:
        locked.status = AuditStatus.IN_PROGRESS
        locked.save(update_fields=["status", "updated_at"])
    return evidence


@transaction.atomic
def evidence_delete(*, actor: Actor, audit: Audit, evidence: Evidence) -> None:
    locked = _lock_audit(audit)
    _guard_draft(locked)
    if evidence.item.audit_id != locked.pk:
        raise ValidationError(_("This photo belongs to another audit."))
    path = evidence.path
    evidence.delete()
    transaction.on_commit(lambda: evidence_remove(path))


# The auditor's form as one request --------------------------------------------------


@dataclass
class FormPost:
    """What one post of the auditor's form carries, read once by the view: the content
    (valid parts only), the fields it could not read, photos by item id, and a photo
    to remove."""

    content: AuditContent
    errors: dict[str, str] = field(default_factory=dict)
    photos: dict[int, UploadedFile] = field(default_factory=dict)
    remove_photo: int | None = None

    @property
    def changes_files(self) -> bool:
        return bool(self.photos) or self.remove_photo is not None


def audit_form_save(*, actor: Actor, audit: Audit, post: FormPost) -> dict[str, str]:
    """Save everything valid in a post of the form: answers first, then photos.

    Returns the problems by field name (the post's own, and photos refused); what was
    valid is saved regardless. Raises AuditStateError once the audit is no draft.
    """
    audit_content_save(actor=actor, audit=audit, content=post.content)
    errors = dict(post.errors)
    items = AuditItem.objects.in_bulk(list(post.photos))
    for item_id, upload in post.photos.items():
        item = items.get(item_id)
        if item is None or item.audit_id != audit.pk:
            continue
        try:
            evidence_add(
                actor=actor,
                audit=audit,
                item=item,
                upload=upload,
                size=upload.size or 0,
                name=upload.name or "",
            )
        except ValidationError as error:
            errors[f"photo-{item_id}"] = " ".join(error.messages)
    if post.remove_photo is not None:
        evidence = Evidence.objects.filter(pk=post.remove_photo, item__audit=audit).first()
        if evidence is not None:
            evidence_delete(actor=actor, audit=audit, evidence=evidence)
    return errors


@dataclass
class FormSubmitOutcome:
    """The answer to a submission from the form: submitted, or what stops it."""

    audit: Audit
    errors: dict[str, str] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)

    @property
    def submitted(self) -> bool:
        return not self.errors and not self.missing


def audit_form_submit(
    *, actor: Actor, audit: Audit, client_id: uuid.UUID, post: FormPost
) -> FormSubmitOutcome:
    """Submit from the form: a post that still has problems or files is saved first
    (nothing submitted while a field is wrong); then `audit_submit`, idempotent by the
    draft id. Raises AuditStateError or SubmissionConflict (answered with 409)."""
    if audit.is_draft and (post.errors or post.changes_files):
        errors = audit_form_save(actor=actor, audit=audit, post=post)
        if errors:
            audit.refresh_from_db()
            return FormSubmitOutcome(audit=audit, errors=errors)
    outcome = audit_submit(actor=actor, audit=audit, client_id=client_id, content=post.content)
    return FormSubmitOutcome(audit=outcome.audit, missing=outcome.missing)
