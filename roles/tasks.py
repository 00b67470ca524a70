"""Background work for the organisation: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    acks_late=True,
    # Only a database that cannot be reached is worth retrying; the service itself
    # records every other failure on the job.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=5,
    soft_time_limit=services.EMPLOYEE_IMPORT_SOFT_TIME_LIMIT,
    time_limit=services.EMPLOYEE_IMPORT_TIME_LIMIT,
)
def employee_import_apply(import_id: int) -> None:
    services.employee_import_apply(import_id=import_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def employee_import_sweep() -> int:
    return services.employee_import_sweep()
