from __future__ import annotations

from django.db import InterfaceError, OperationalError

from core.tasks import job_task

runs: list[int] = []


@job_task(soft_time_limit=9, time_limit=10)
def _job(job_id: int) -> None:
    runs.append(job_id)


def test_a_job_task_is_acknowledged_after_it_ran_and_keeps_its_time_limits():
    assert _job.acks_late is True
    assert (_job.soft_time_limit, _job.time_limit) == (9, 10)


def test_a_job_task_is_retried_only_while_the_database_cannot_be_reached():
    assert set(getattr(_job, "autoretry_for", ())) == {OperationalError, InterfaceError}
    assert _job.max_retries == 5


def test_a_job_task_runs_its_function():
    _job.apply(args=(7,))
    assert runs[-1] == 7
