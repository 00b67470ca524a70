"""Reads for audits: template building blocks, scoped audit lists, the form, the report."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.types import Viewer
from journeys.models import Journey, Situation, Step
from roles.models import Employee, Position, ProgramRole
from roles.permissions import employee_of, has_role, is_manager
from roles.selectors import departments_visible_to
from standards.diff import WordSegment, word_diff
from standards.models import BookVersion, Requirement, VersionStatus

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

# Building templates -----------------------------------------------------------------


@dataclass
class Place:
    """A journey step or a situation a template can include, in journey order."""

    step: Step | None
    situation: Situation | None
    position: Position
    requirements: list[Requirement] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"situation-{self.situation.pk}" if self.situation else f"step-{self.step_pk}"

    @property
    def step_pk(self) -> int:
        return self.step.pk if self.step is not None else 0

    @property
    def title(self) -> str:
        if self.situation is not None:
            return self.situation.name
        return self.step.name if self.step is not None else ""

    @property
    def is_situation(self) -> bool:
        return self.situation is not None


def versions_for_templates() -> QuerySet[BookVersion]:
    """Templates are built from the published version everybody works by."""
    return BookVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("book")


def _auditable_requirements(version: BookVersion) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(
            version=version, auditable=True, communication_standard__isnull=False
        )
        .select_related("communication_standard")
        .order_by("communication_standard__order", "communication_standard_id", "order", "id")
    )


def journey_places(journey: Journey, version: BookVersion) -> list[Place]:
    """Every step and situation of a journey with the auditable requirements that the
    version holds for its responsible position, in journey order: each step, then the
    situations at it; the cross-cutting situations last. Three queries."""
    steps = list(
        Step.objects.filter(stage__journey=journey)
        .select_related("stage", "responsible_position")
        .order_by("stage__order", "stage_id", "order", "id")
    )
    situations = list(
        Situation.objects.filter(journey=journey)
        .select_related("responsible_position")
        .order_by("order", "id")
    )
    for_step: dict[tuple[int, int], list[Requirement]] = defaultdict(list)
    for_situation: dict[tuple[int, int], list[Requirement]] = defaultdict(list)
    for requirement in _auditable_requirements(version):
        standard = requirement.communication_standard
        assert standard is not None
        if standard.situation_id:
            for_situation[(standard.situation_id, standard.position_id)].append(requirement)
        elif standard.step_id:
            for_step[(standard.step_id, standard.position_id)].append(requirement)

    by_step: dict[int, list[Situation]] = defaultdict(list)
    cross_cutting: list[Situation] = []
    for situation in situations:
        if situation.step_id:
            by_step[situation.step_id].append(situation)
        else:
            cross_cutting.append(situation)

    def situation_place(situation: Situation) -> Place:
        return Place(
            step=None,
            situation=situation,
            position=situation.responsible_position,
            requirements=for_situation.get((situation.pk, situation.responsible_position_id), []),
        )

    places: list[Place] = []
    for step in steps:
        places.append(
            Place(
                step=step,
                situation=None,
                position=step.responsible_position,
                requirements=for_step.get((step.pk, step.responsible_position_id), []),
            )
        )
        places.extend(situation_place(situation) for situation in by_step.get(step.pk, []))
    places.extend(situation_place(situation) for situation in cross_cutting)
    return places


def place_requirements(version: BookVersion, template_step: TemplateStep) -> list[Requirement]:
    """The auditable requirements of one template step's place in another version."""
    queryset = _auditable_requirements(version).filter(
        communication_standard__position_id=template_step.position_id
    )
    if template_step.situation is not None:
        queryset = queryset.filter(communication_standard__situation=template_step.situation)
    else:
        queryset = queryset.filter(
            communication_standard__step=template_step.step,
            communication_standard__situation__isnull=True,
        )
    return list(queryset)


def templates_list() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.select_related("journey", "version__book").annotate(
        item_count=Count("steps__items", filter=Q(steps__items__included=True)),
        audit_count=Count("audits", distinct=True),
    )


def template_steps(template: ChecklistTemplate) -> list[TemplateStep]:
    """The template's steps in order, each with every item (included or not). Two queries."""
    items = TemplateItem.objects.select_related("requirement").order_by("order", "id")
    return list(
        template.steps.select_related("step", "situation", "position")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("order", "id")
    )


def template_newer_version(template: ChecklistTemplate) -> BookVersion | None:
    """The published version of the template's book, when it is newer than the template's."""
    return (
        BookVersion.objects.filter(
            book_id=template.version.book_id,
            status=VersionStatus.PUBLISHED,
            number__gt=template.version.number,
        )
        .select_related("book")
        .first()
    )


@dataclass
class UpgradeChange:
    step_title: str
    old: Requirement | None
    new: Requirement | None
    included: bool = True

    @property
    def words(self) -> list[WordSegment]:
        """The rewording, word by word (for a requirement in both versions)."""
        if self.old is None or self.new is None:
            return []
        return word_diff(self.old.text, self.new.text)


@dataclass
class UpgradePlan:
    """What moving a template to another version would do, matched by lineage key."""

    template: ChecklistTemplate
    version: BookVersion
    added: list[UpgradeChange] = field(default_factory=list)
    removed: list[UpgradeChange] = field(default_factory=list)
    reworded: list[UpgradeChange] = field(default_factory=list)
    unchanged: int = 0
    # (template step, [(existing item or None, requirement of the new version)])
    mapping: list[tuple[TemplateStep, list[tuple[TemplateItem | None, Requirement]]]] = field(
        default_factory=list
    )

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.reworded)


def _reworded(old: Requirement, new: Requirement) -> bool:
    return (old.text, old.kind, old.weight, old.critical) != (
        new.text,
        new.kind,
        new.weight,
        new.critical,
    )


def template_upgrade_plan(template: ChecklistTemplate, version: BookVersion) -> UpgradePlan:
    plan = UpgradePlan(template=template, version=version)
    for template_step in template_steps(template):
        existing = {item.lineage_key: item for item in template_step.items.all()}
        new_requirements = place_requirements(version, template_step)
        seen = set()
        pairs: list[tuple[TemplateItem | None, Requirement]] = []
        for requirement in new_requirements:
            seen.add(requirement.lineage_key)
            item = existing.get(requirement.lineage_key)
            pairs.append((item, requirement))
            if item is None:
                plan.added.append(
                    UpgradeChange(step_title=template_step.title, old=None, new=requirement)
                )
            elif _reworded(item.requirement, requirement):
                plan.reworded.append(
                    UpgradeChange(
                        step_title=template_step.title,
                        old=item.requirement,
                        new=requirement,
                        included=item.included,
                    )
                )
            else:
                plan.unchanged += 1
        for key, item in existing.items():
            if key not in seen:
                plan.removed.append(
                    UpgradeChange(
                        step_title=template_step.title,
                        old=item.requirement,
                        new=None,
                        included=item.included,
                    )
                )
        plan.mapping.append((template_step, pairs))
    return plan


# Audits: who sees which -----------------------------------------------------------------


def audits_managed_by(user: Viewer) -> QuerySet[Audit]:
    """Audits of the departments in a manager's subtree."""
    if not is_manager(user):
        return Audit.objects.none()
    return Audit.objects.filter(department__in=departments_visible_to(user))


def audits_of_auditor(user: Viewer) -> QuerySet[Audit]:
    if not has_role(user, ProgramRole.AUDITOR):
        return Audit.objects.none()
    return Audit.objects.filter(auditor_id=user.pk)


def audits_observing(employee: Employee | None) -> QuerySet[Audit]:
    """Final audits in which the employee was observed at some step."""
    if employee is None:
        return Audit.objects.none()
    return Audit.objects.filter(
        status=AuditStatus.FINAL,
        pk__in=AuditStep.objects.filter(employee=employee).values("audit_id"),
    )


def audits_of_staff(user: Viewer) -> QuerySet[Audit]:
    if not has_role(user, ProgramRole.STAFF):
        return Audit.objects.none()
    return audits_observing(employee_of(user))


def _with_list_relations(queryset: QuerySet[Audit]) -> QuerySet[Audit]:
    return queryset.select_related("template", "department", "auditor", "version").annotate(
        item_count=Count("items", distinct=True),
        answered_count=Count("items", filter=~Q(items__answer=""), distinct=True),
        open_disputes=Count(
            "items__disputes", filter=Q(items__disputes__status=DisputeStatus.OPEN), distinct=True
        ),
    )


def audit_list_for_manager(user: Viewer, *, status: str = "") -> QuerySet[Audit]:
    queryset = audits_managed_by(user)
    if status:
        queryset = queryset.filter(status=status)
    return _with_list_relations(queryset).order_by("-window_start", "-id")


def audit_list_for_auditor(user: Viewer) -> QuerySet[Audit]:
    return _with_list_relations(audits_of_auditor(user)).order_by("window_end", "id")


def audit_list_for_staff(user: Viewer) -> QuerySet[Audit]:
    return (
        audits_of_staff(user)
        .select_related("template", "department")
        .order_by("-visited_at", "-id")
    )


# One audit --------------------------------------------------------------------------


def audit_steps_loaded(audit: Audit, *, only_employee: Employee | None = None) -> list[AuditStep]:
    """The audit's steps in order with their items, requirements, photos and disputes.

    A fixed number of queries however many items the audit holds.
    """
    items = (
        AuditItem.objects.select_related("requirement")
        .prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("created_at", "id")),
            Prefetch("disputes", queryset=Dispute.objects.select_related("employee")),
        )
        .order_by("order", "id")
    )
    steps = audit.steps.select_related("position", "employee", "step", "situation").order_by(
        "order", "id"
    )
    if only_employee is not None:
        steps = steps.filter(employee=only_employee)
    return list(steps.prefetch_related(Prefetch("items", queryset=items)))


@dataclass
class FormStep:
    """One step of the auditor's form: its items, who may be named as observed there,
    and how far it is answered."""

    step: AuditStep
    items: list[AuditItem]
    employee_choices: list[Employee]
    is_open: bool = False

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answer)

    @property
    def total(self) -> int:
        return len(self.items)


def audit_form_steps(audit: Audit) -> list[FormStep]:
    """The steps of the auditor's form, loaded once with everything the form shows."""
    steps = audit_steps_loaded(audit)
    choices = employee_choices(audit, steps)
    return [FormStep(step, list(step.items.all()), choices.get(step.pk, [])) for step in steps]


def employee_choices(audit: Audit, steps: list[AuditStep]) -> dict[int, list[Employee]]:
    """Per audit step: active employees of the audited department and those below it who
    hold the step's position (plus whoever is already chosen). One query."""
    positions = {step.position_id for step in steps}
    chosen = {step.employee_id for step in steps if step.employee_id}
    employees = list(
        Employee.objects.filter(position_id__in=positions)
        .filter(
            Q(is_active=True, department__path__startswith=audit.department.path) | Q(pk__in=chosen)
        )
        .select_related("department")
        .order_by("full_name", "id")
    )
    return {
        step.pk: [
            employee
            for employee in employees
            if employee.position_id == step.position_id
            and (employee.is_active or employee.pk == step.employee_id)
        ]
        for step in steps
    }


def employee_allowed(audit: Audit, step: AuditStep, employee: Employee) -> bool:
    if step.employee_id == employee.pk:
        return True
    return (
        employee.is_active
        and employee.position_id == step.position_id
        and employee.department.path.startswith(audit.department.path)
    )


def auditors_for_choice() -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=ProgramRole.AUDITOR)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def dispute_deadline(audit: Audit) -> datetime.datetime | None:
    if audit.finalized_at is None:
        return None
    return audit.finalized_at + datetime.timedelta(days=settings.AUDIT_DISPUTE_DAYS)


def dispute_window_open(audit: Audit, now: datetime.datetime | None = None) -> bool:
    deadline = dispute_deadline(audit)
    return audit.is_final and deadline is not None and (now or timezone.now()) <= deadline


def disputes_for_manager(user: Viewer, *, status: str = DisputeStatus.OPEN) -> QuerySet[Dispute]:
    queryset = Dispute.objects.filter(item__audit__in=audits_managed_by(user))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "employee", "item__requirement", "item__audit__template", "item__audit__department"
    ).order_by("created_at", "id")


def failed_items(steps: list[AuditStep]) -> list[AuditItem]:
    return [item for step in steps for item in step.items.all() if item.answer == Answer.NO]


# For the compliance rollup ------------------------------------------------------------


def final_audit_steps() -> QuerySet[AuditStep]:
    """Stored step figures of final audits: what compliance is computed from.

    Each row carries the employee observed (or none: unidentified), the audit's
    department and visit time; `earned`/`applicable` are exact integers.
    """
    return AuditStep.objects.filter(audit__status=AuditStatus.FINAL, applicable__isnull=False)


@dataclass(frozen=True)
class StaffAuditRow:
    """A final audit as the observed employee sees it in "my audits"."""

    audit: Audit
    dispute_until: datetime.datetime | None
    can_dispute: bool


def staff_audit_rows(user: Viewer) -> list[StaffAuditRow]:
    now = timezone.now()
    return [
        StaffAuditRow(audit, dispute_deadline(audit), dispute_window_open(audit, now))
        for audit in audit_list_for_staff(user)
    ]
