"""The compliance rollup with real components: audits finalized over HTTP in this process,
figures computed by a real Celery worker through a private Redis, on PostgreSQL.

Nothing is lost: with the worker running, while it is stopped, and while the broker
is down (the sweep repairs what the lost message would have done).
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from audits.models import Audit, AuditStatus
from scorecards import services
from scorecards.models import Bucket, DepartmentMonth, EmployeeMonth
from scorecards.tasks import buckets_sweep
from tests.integration.conftest import CeleryWorker, RedisServer, wait_until
from tests.scorecards.conftest import (  # noqa: F401 (fixtures)
    boris,
    moscow,
    receptionist_position,
    record_audit,
    rita,
    salesperson_position,
    scenario,
)

WORKER_TIMEOUT = 40
MARCH = datetime.date(2026, 3, 1)
# Anna (staff_member): needs 4/6 (budget failed) + discount 5/5 = 9/11; Rita: phone 6/6.
BUDGET_NO = {
    "rings": "yes", "greeting": "yes", "come_over": "yes", "formal": "yes", "budget": "no",
    "honest": "yes", "answer_time": "yes", "interim": "yes",
}  # fmt: skip


@pytest.fixture
def manager_http(manager) -> Client:
    client = Client()
    client.force_login(manager.user)
    return client


def submitted_audit(scenario, manager, auditor, company, anna, rita, day: int) -> Audit:  # noqa: F811
    return record_audit(
        scenario, manager=manager, auditor=auditor, department=company.sales,
        visited_at=moscow(2026, 3, day), answers=BUDGET_NO, finalize=False,
        observed={"phone": rita, "needs": anna, "discount": anna},
    )  # fmt: skip


def finalize_over_http(client: Client, audit: Audit) -> None:
    response = client.post(reverse("audits:finalize", args=[audit.pk]))
    assert response.status_code == 302, response.content[:500]
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.FINAL


def figures_of(employee) -> tuple[int, int] | None:
    row = EmployeeMonth.objects.filter(employee=employee, month=MARCH).first()
    return None if row is None else (row.earned, row.applicable)


def stale_count() -> int:
    return sum(
        1
        for generation, computed in Bucket.objects.values_list("generation", "computed_generation")
        if computed != generation
    )


def wait_for(employee, expected: tuple[int, int]) -> None:
    reached = wait_until(lambda: figures_of(employee) == expected, timeout=WORKER_TIMEOUT)
    assert reached, f"figures are {figures_of(employee)}, expected {expected}"
    assert wait_until(lambda: stale_count() == 0, timeout=WORKER_TIMEOUT)


def test_a_finalized_audit_reaches_the_figures_through_the_worker(
    celery_worker: CeleryWorker, scenario, manager, auditor, company, staff_member, rita,  # noqa: F811
    manager_http,
):  # fmt: skip
    audit = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=5)
    assert figures_of(staff_member) is None

    finalize_over_http(manager_http, audit)

    wait_for(staff_member, (9, 11))
    assert figures_of(rita) == (6, 6)
    sales = DepartmentMonth.objects.get(department=company.sales, month=MARCH, subtree=True)
    assert (sales.earned, sales.applicable, sales.audits) == (15, 17, 1)
    # The worker process did the work, not this one.
    assert "scorecards.tasks.recompute_buckets[" in celery_worker.log()
    assert "succeeded" in celery_worker.log()


def test_figures_catch_up_when_a_stopped_worker_comes_back(
    celery_worker: CeleryWorker, scenario, manager, auditor, company, staff_member, rita,  # noqa: F811
    manager_http,
):  # fmt: skip
    first = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=5)
    finalize_over_http(manager_http, first)
    wait_for(staff_member, (9, 11))

    celery_worker.stop()
    second = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=12)
    finalize_over_http(manager_http, second)
    time.sleep(2)
    # Waiting in Redis: the figures are stale (Anna, Rita, Sales itself, Sales and the
    # company as subtrees), not wrong, and say so.
    assert figures_of(staff_member) == (9, 11)
    assert stale_count() == 5

    celery_worker.start()
    wait_for(staff_member, (18, 22))
    assert figures_of(rita) == (12, 12)
    assert (
        DepartmentMonth.objects.get(department=company.root, month=MARCH, subtree=True).audits == 2
    )


def test_a_finalize_while_redis_is_down_succeeds_and_the_sweep_repairs_the_figures(
    celery_worker: CeleryWorker, redis_server: RedisServer, scenario, manager, auditor,  # noqa: F811
    company, staff_member, rita, manager_http,  # noqa: F811
):  # fmt: skip
    audit = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=5)
    redis_server.stop()

    finalize_over_http(manager_http, audit)  # the web request does not fail

    assert figures_of(staff_member) is None
    assert stale_count() == 5
    redis_server.start()
    time.sleep(2)
    assert figures_of(staff_member) is None  # the message was lost with the broker

    # Minutes later beat sends the sweep, which the worker runs.
    Bucket.objects.update(stale_since=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    buckets_sweep.delay()
    wait_for(staff_member, (9, 11))
    assert "scorecards.tasks.buckets_sweep[" in celery_worker.log()


def test_concurrent_full_recomputes_and_a_finalize_end_with_the_right_figures(
    celery_worker: CeleryWorker, scenario, manager, auditor, company, staff_member, rita,  # noqa: F811
    manager_http,
):  # fmt: skip
    first = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=5)
    finalize_over_http(manager_http, first)
    wait_for(staff_member, (9, 11))
    second = submitted_audit(scenario, manager, auditor, company, staff_member, rita, day=12)

    errors: list[BaseException] = []

    def full_recompute() -> None:
        try:
            for _ in range(3):
                services.months_recompute(months=[MARCH])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=full_recompute) for _ in range(2)]
    for worker in workers:
        worker.start()
    finalize_over_http(manager_http, second)  # in the middle of the two recomputes
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors

    wait_for(staff_member, (18, 22))
    assert figures_of(rita) == (12, 12)
    sales = DepartmentMonth.objects.get(department=company.sales, month=MARCH, subtree=True)
    assert (sales.earned, sales.applicable, sales.audits) == (30, 34, 2)
