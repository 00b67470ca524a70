"""Background work for the scorecards: thin wrappers around services.

Arguments are JSON: ids and ISO dates. Every task is idempotent: a recompute rebuilds
whole buckets from the source rows, so a redelivered message writes the same figures.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

# A database that cannot be reached, a deadlock victim, a serialization failure:
# worth retrying after a pause; anything else is a bug and fails loudly.
RETRY_FOR = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    soft_time_limit=services.RECOMPUTE_SOFT_TIME_LIMIT,
    time_limit=services.RECOMPUTE_TIME_LIMIT,
    autoretry_for=RETRY_FOR,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def recompute_buckets(
    month: str,
    employee_ids: list[int],
    own_department_ids: list[int],
    department_ids: list[int],
) -> int:
    """Recompute these buckets of one month (ISO first day), unless all are fresh."""
    outcome = services.buckets_recompute(
        month=datetime.date.fromisoformat(month),
        employee_ids=[int(pk) for pk in employee_ids],
        own_department_ids=[int(pk) for pk in own_department_ids],
        department_ids=[int(pk) for pk in department_ids],
    )
    return outcome.written


# No automatic retry for whole runs: a failed run says so on the dashboard, the sweep
# sends again a run whose message was lost, and the nightly run redoes everything.
@shared_task(
    acks_late=True,
    soft_time_limit=services.RUN_SOFT_TIME_LIMIT,
    time_limit=services.RUN_TIME_LIMIT,
)
def recompute_run(run_id: int) -> None:
    """A full recompute a manager asked for (claimed once: a redelivery does nothing)."""
    services.recompute_run_execute(run_id=run_id)


@shared_task(
    acks_late=True,
    soft_time_limit=services.RUN_SOFT_TIME_LIMIT,
    time_limit=services.RUN_TIME_LIMIT,
)
def recompute_nightly() -> None:
    """Beat, every night: the last 13 months, whole (schedule "scorecards-nightly")."""
    services.recompute_nightly()


@shared_task(
    acks_late=True,
    soft_time_limit=services.SWEEP_SOFT_TIME_LIMIT,
    time_limit=services.SWEEP_TIME_LIMIT,
    autoretry_for=RETRY_FOR,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def buckets_sweep() -> int:
    """Beat, every minute: buckets still stale a few minutes after they were marked."""
    return services.buckets_sweep()
