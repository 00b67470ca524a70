"""What marks figures stale: audits finalized or corrected, NPS responses written,
departments moved in the tree.

Connected in ScorecardsConfig.ready(). Each receiver runs inside the writer's
transaction: the buckets are marked in it, and their recompute is enqueued after it
commits (scorecards.services.buckets_mark_stale).
"""

from __future__ import annotations

import datetime
from typing import Any

from audits.signals import audit_figures_changed
from nps.models import Response, ResponseTag
from nps.signals import responses_changed
from roles.signals import department_moved

from . import services
from .models import DepartmentMonth
from .months import month_of


def on_audit_figures_changed(
    sender: Any,
    *,
    month: datetime.date | None,
    employee_ids: list[int],
    department_ids: list[int],
    **kwargs: Any,
) -> None:
    if month is None:
        return
    # The departments the steps count for (fixed at submission), not the employees'
    # departments of today.
    services.buckets_mark_stale(
        months=[month], employee_ids=employee_ids, department_ids=department_ids
    )


def on_responses_changed(
    sender: Any,
    *,
    months: list[datetime.date],
    employee_ids: list[int] = (),  # type: ignore[assignment]
    department_ids: list[int] = (),  # type: ignore[assignment]
    step_ids: list[int] = (),  # type: ignore[assignment]
    **kwargs: Any,
) -> None:
    # Step figures are kept per department, so the departments cover the steps.
    services.buckets_mark_stale(
        months=months, employee_ids=employee_ids, department_ids=department_ids
    )


def _mark_response(response: Response) -> None:
    services.buckets_mark_stale(
        months=[month_of(response.submitted_at)],
        employee_ids=[response.employee_id] if response.employee_id else [],
        department_ids=[response.department_id],
    )


def on_response_saved(sender: Any, instance: Response, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata
        return
    update_fields = kwargs.get("update_fields")
    # A comment or a follow-up note changes no figure.
    if update_fields is not None and not set(update_fields) & {
        "score",
        "submitted_at",
        "department",
        "employee",
        "step",
    }:
        return
    _mark_response(instance)


def on_response_deleted(sender: Any, instance: Response, **kwargs: Any) -> None:
    _mark_response(instance)


def on_response_tag_changed(
    sender: Any, instance: ResponseTag, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    response = (
        Response.objects.filter(pk=instance.response_id)
        .only("submitted_at", "department_id")
        .first()
    )
    if response is None:
        return
    services.buckets_mark_stale(
        months=[month_of(response.submitted_at)], department_ids=[response.department_id]
    )


def on_department_moved(
    sender: Any,
    *,
    department_id: int,
    old_parent_id: int | None,
    new_parent_id: int | None,
    **kwargs: Any,
) -> None:
    # Every month the moved subtree has figures in changes for the departments above
    # it, the old ones and the new; its own figures stay as they are.
    months = DepartmentMonth.objects.filter(department_id=department_id, subtree=True).values_list(
        "month", flat=True
    )
    services.buckets_mark_stale(
        months=list(months),
        subtree_department_ids=[
            pk for pk in (old_parent_id, new_parent_id, department_id) if pk is not None
        ],
    )


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    audit_figures_changed.connect(on_audit_figures_changed, dispatch_uid="scorecards.audits")
    responses_changed.connect(on_responses_changed, dispatch_uid="scorecards.responses")
    department_moved.connect(on_department_moved, dispatch_uid="scorecards.department_moved")
    post_save.connect(on_response_saved, sender=Response, dispatch_uid="scorecards.response_saved")
    post_delete.connect(
        on_response_deleted, sender=Response, dispatch_uid="scorecards.response_deleted"
    )
    post_save.connect(
        on_response_tag_changed, sender=ResponseTag, dispatch_uid="scorecards.tag_saved"
    )
    post_delete.connect(
        on_response_tag_changed, sender=ResponseTag, dispatch_uid="scorecards.tag_deleted"
    )
