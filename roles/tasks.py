"""Background work for the organisation: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from core.tasks import job_task

from . import services


@job_task(
    soft_time_limit=services.EMPLOYEE_IMPORT_SOFT_TIME_LIMIT,
    time_limit=services.EMPLOYEE_IMPORT_TIME_LIMIT,
)
def employee_import_apply(import_id: int) -> None:
    services.employee_import_apply(import_id=import_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def employee_import_sweep() -> int:
    return services.employee_import_sweep()
