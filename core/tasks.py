"""The one shape of a Celery task that runs a background job (an import, an export).

The job's service claims its row and records on it every failure it can name; the
task around it is acknowledged after it ran (a worker lost midway leaves the message
for another) and retried only while the database cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

P = ParamSpec("P")
R = TypeVar("R")


def job_task(*, soft_time_limit: int, time_limit: int) -> Callable[[Callable[P, R]], Task[P, R]]:
    """Make a function that runs one job by its id into a task (see the module docstring)."""

    def decorate(function: Callable[P, R]) -> Task[P, R]:
        task: Task[P, R] = shared_task(
            acks_late=True,
            autoretry_for=(OperationalError, InterfaceError),
            retry_backoff=True,
            retry_backoff_max=120,
            max_retries=5,
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
        )(function)
        return task

    return decorate
