"""A task enqueued after a commit runs in a real Celery worker, through Redis, against
PostgreSQL: the employee CSV import, confirmed in the web process, applied by the worker."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from roles.imports import read_employee_csv
from roles.models import Employee, EmployeeImport
from roles.services import (
    EMPLOYEE_IMPORT_REQUEUE_AFTER,
    employee_import_confirm,
    employee_import_create,
)
from roles.tasks import employee_import_sweep
from tests.conftest import login_of
from tests.factories import PositionFactory
from tests.integration.conftest import CeleryWorker, RedisServer, wait_until

WORKER_TIMEOUT = 30

CSV = """personnel_number,full_name,department,position,gender,hire_date
INT-001,Анна Смирнова,Sales,Salesperson,female,2024-03-01
INT-002,Борис Орлов,Used cars,Salesperson,male,01.02.2023
INT-003,Вера Лебедева,Service,Service adviser,ж,2022-11-15
"""
PERSONNEL_NUMBERS = ["INT-001", "INT-002", "INT-003"]


@pytest.fixture
def previewed_import(manager: Employee) -> EmployeeImport:
    """An import the manager has uploaded and previewed: every row valid, not yet confirmed."""
    PositionFactory(name="Salesperson")
    PositionFactory(name="Service adviser")
    rows = read_employee_csv(data=CSV.encode(), user=manager.user)
    assert [row.errors for row in rows] == [[], [], []]
    return employee_import_create(
        actor=login_of(manager),
        file_name="employees.csv",
        checksum="integration",
        rows=[row.values for row in rows if row.values is not None],
    )


def confirm(manager: Employee, employee_import: EmployeeImport) -> None:
    """Confirm in a committed transaction, as a web request does."""
    with transaction.atomic():
        employee_import_confirm(actor=login_of(manager), employee_import=employee_import)
    assert status_of(employee_import) != EmployeeImport.Status.PREVIEWED


def status_of(employee_import: EmployeeImport) -> str:
    return EmployeeImport.objects.values_list("status", flat=True).get(pk=employee_import.pk)


def wait_until_done(employee_import: EmployeeImport) -> None:
    finished = wait_until(
        lambda: (
            status_of(employee_import) in {EmployeeImport.Status.DONE, EmployeeImport.Status.FAILED}
        ),
        timeout=WORKER_TIMEOUT,
    )
    employee_import.refresh_from_db()
    assert finished, f"the import is still {employee_import.status} after {WORKER_TIMEOUT}s"
    assert employee_import.status == EmployeeImport.Status.DONE, employee_import.error


def assert_employees_imported() -> None:
    employees = Employee.objects.filter(personnel_number__in=PERSONNEL_NUMBERS).order_by(
        "personnel_number"
    )
    assert [(e.full_name, e.department.name, e.position.name) for e in employees] == [
        ("Анна Смирнова", "Sales", "Salesperson"),
        ("Борис Орлов", "Used cars", "Salesperson"),
        ("Вера Лебедева", "Service", "Service adviser"),
    ]


def test_a_confirmed_import_is_applied_by_the_worker(
    celery_worker: CeleryWorker, manager: Employee, previewed_import: EmployeeImport
):
    confirm(manager, previewed_import)

    wait_until_done(previewed_import)
    assert_employees_imported()
    assert previewed_import.created_count == 3
    # The worker process did the work, not this one.
    assert "roles.tasks.employee_import_apply[" in celery_worker.log()
    assert "succeeded" in celery_worker.log()


def test_nothing_is_sent_before_the_transaction_commits(
    celery_worker: CeleryWorker, manager: Employee, previewed_import: EmployeeImport
):
    with transaction.atomic():
        employee_import_confirm(actor=login_of(manager), employee_import=previewed_import)
        time.sleep(2)
        # The worker would have claimed it by now if the message had been sent.
        assert "roles.tasks.employee_import_apply[" not in celery_worker.log()

    wait_until_done(previewed_import)
    assert_employees_imported()


def test_an_import_confirmed_while_the_worker_is_down_runs_when_it_is_back(
    celery_worker: CeleryWorker, manager: Employee, previewed_import: EmployeeImport
):
    celery_worker.stop()
    confirm(manager, previewed_import)

    time.sleep(2)
    assert status_of(previewed_import) == EmployeeImport.Status.QUEUED
    assert not Employee.objects.filter(personnel_number__in=PERSONNEL_NUMBERS).exists()

    celery_worker.start()
    wait_until_done(previewed_import)
    assert_employees_imported()


def test_an_import_confirmed_while_the_broker_is_down_is_sent_again_by_the_sweep(
    celery_worker: CeleryWorker,
    redis_server: RedisServer,
    manager: Employee,
    previewed_import: EmployeeImport,
):
    celery_worker.stop()
    redis_server.stop()
    # The confirmation still succeeds; only the message is lost.
    confirm(manager, previewed_import)
    assert status_of(previewed_import) == EmployeeImport.Status.QUEUED

    redis_server.start()
    celery_worker.start()
    time.sleep(2)
    assert status_of(previewed_import) == EmployeeImport.Status.QUEUED

    # Minutes later beat sends the sweep, which the worker runs; it sends the job again.
    EmployeeImport.objects.filter(pk=previewed_import.pk).update(
        queued_at=timezone.now() - 2 * EMPLOYEE_IMPORT_REQUEUE_AFTER
    )
    employee_import_sweep.delay()
    wait_until_done(previewed_import)
    assert "roles.tasks.employee_import_sweep[" in celery_worker.log()
    assert_employees_imported()
