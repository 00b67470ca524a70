"""Background work for NPS: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from core.tasks import job_task

from . import services


@job_task(soft_time_limit=services.EXPORT_SOFT_TIME_LIMIT, time_limit=services.EXPORT_TIME_LIMIT)
def export_job_run(job_id: int) -> None:
    services.export_job_run(job_id=job_id)


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120)
def export_job_sweep() -> dict[str, int]:
    """Run it every few minutes from beat (schedule entry "nps.tasks.export_job_sweep")."""
    return services.export_job_sweep()
