"""The rollup's contract: stale in the same transaction, recomputed after the commit,
whole buckets rebuilt (never deltas), safe to run twice or concurrently, and nothing
lost when the broker is down."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction

from nps.models import ProblemTag
from roles.services import department_update, employee_update
from scorecards import rollup, services, tasks
from scorecards.models import (
    Bucket,
    BucketKind,
    DepartmentAudit,
    DepartmentMonth,
    DepartmentRequirementMonth,
    DepartmentStepMonth,
    DepartmentTagMonth,
    EmployeeMonth,
    EmployeeRequirementMonth,
)

from .conftest import dispute, moscow, record_audit, respond

MARCH = datetime.date(2026, 3, 1)
ALL_YES = {
    "rings": "yes", "greeting": "yes", "come_over": "yes", "formal": "yes", "budget": "yes",
    "honest": "yes", "answer_time": "yes", "interim": "yes",
}  # fmt: skip
# needs: formal fails (critical) -> 0 / 6; the rest yes.
FORMAL_NO = {**ALL_YES, "formal": "no"}


@pytest.fixture
def people(staff_member, rita, boris):
    return {"anna": staff_member, "rita": rita, "boris": boris}


def audit_of_sales(scenario, manager, auditor, company, people, answers, day=5):
    return record_audit(
        scenario, manager=manager, auditor=auditor, department=company.sales,
        visited_at=moscow(2026, 3, day), answers=answers,
        observed={"phone": people["rita"], "needs": people["anna"], "discount": people["anna"]},
    )  # fmt: skip


def audit_of_used_cars(scenario, manager, auditor, company, boris, answers, day=5):
    """Used cars audited: the phone call unidentified, Boris at the two other places."""
    return record_audit(
        scenario, manager=manager, auditor=auditor, department=company.used_cars,
        visited_at=moscow(2026, 3, day), answers=answers,
        observed={"phone": None, "needs": boris, "discount": boris},
    )  # fmt: skip


def figures(person, month=MARCH):
    row = EmployeeMonth.objects.filter(employee=person, month=month).first()
    return None if row is None else (row.earned, row.applicable)


def stale_buckets():
    return sorted(
        (kind, subject, month)
        for kind, subject, month, generation, computed in Bucket.objects.values_list(
            "kind", "subject_id", "month", "generation", "computed_generation"
        )
        if computed != generation
    )


def test_finalizing_marks_buckets_stale_and_the_recompute_runs_after_commit(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit_of_sales(scenario, manager, auditor, company, people, ALL_YES)
    # Inside the transaction: the buckets are marked, nothing computed yet.
    assert figures(people["anna"]) is None
    anna, rita = people["anna"].pk, people["rita"].pk
    expected = [
        (BucketKind.DEPARTMENT, company.root.pk, MARCH),
        (BucketKind.DEPARTMENT, company.sales.pk, MARCH),
        (BucketKind.DEPARTMENT_OWN, company.sales.pk, MARCH),
        (BucketKind.EMPLOYEE, anna, MARCH),
        (BucketKind.EMPLOYEE, rita, MARCH),
    ]
    assert stale_buckets() == sorted(expected)
    assert len(callbacks) == 1
    callbacks[0]()
    assert figures(people["anna"]) == (11, 11)
    assert figures(people["rita"]) == (6, 6)
    assert stale_buckets() == []


def test_nothing_is_marked_when_the_transaction_rolls_back(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                audit_of_sales(scenario, manager, auditor, company, people, ALL_YES)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Bucket.objects.exists()
    assert not EmployeeMonth.objects.exists()


def test_a_redelivered_task_changes_nothing(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_sales(scenario, manager, auditor, company, people, FORMAL_NO)
    first = list(
        EmployeeMonth.objects.order_by("pk").values_list("pk", "earned", "applicable", "answers")
    )
    generations = list(
        Bucket.objects.order_by("pk").values_list("generation", "computed_generation")
    )
    # The same message again: every bucket is fresh, nothing is written.
    assert (
        tasks.recompute_buckets(
            "2026-03-01", [people["anna"].pk], [company.sales.pk], [company.sales.pk]
        )
        == 0
    )
    # A forced recompute rebuilds the same figures (from the rows, not by adding).
    services.buckets_recompute(
        month=MARCH,
        employee_ids=[people["anna"].pk],
        own_department_ids=[company.sales.pk],
        department_ids=[company.sales.pk],
        only_stale=False,
    )
    services.buckets_recompute(
        month=MARCH,
        employee_ids=[people["anna"].pk],
        own_department_ids=[company.sales.pk],
        department_ids=[company.sales.pk],
        only_stale=False,
    )
    assert (
        list(
            EmployeeMonth.objects.order_by("pk").values_list(
                "pk", "earned", "applicable", "answers"
            )
        )
        == first
    )
    assert (
        list(Bucket.objects.order_by("pk").values_list("generation", "computed_generation"))
        == generations
    )
    assert figures(people["anna"]) == (5, 11)  # needs 0/6 (critical) + discount 5/5


def test_an_audit_finalized_during_a_full_recompute_is_not_lost(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_sales(scenario, manager, auditor, company, people, ALL_YES, day=3)
    assert figures(people["anna"]) == (11, 11)

    original = rollup.level_one
    pending: list = []

    def compute_then_someone_finalizes(period, **kwargs):
        result = original(period, **kwargs)  # read before the second audit exists
        if not pending:
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                audit_of_sales(scenario, manager, auditor, company, people, FORMAL_NO, day=9)
            pending.extend(callbacks)
        return result

    monkeypatch.setattr(rollup, "level_one", compute_then_someone_finalizes)
    outcome = services.months_recompute(months=[MARCH])
    # The full recompute computed from rows without the second audit: it must not
    # write those figures over the buckets the finalize marked.
    # Anna, Rita, Sales itself and the subtrees of Sales and the dealership were marked
    # meanwhile: their figures are left to the finalize's own recompute.
    assert outcome.skipped == 5
    assert figures(people["anna"]) == (11, 11)
    assert sorted(kind for kind, _subject, _month in stale_buckets()) == [
        BucketKind.DEPARTMENT,
        BucketKind.DEPARTMENT,
        BucketKind.DEPARTMENT_OWN,
        BucketKind.EMPLOYEE,
        BucketKind.EMPLOYEE,
    ]

    monkeypatch.setattr(rollup, "level_one", original)
    for callback in pending:
        callback()  # the finalize's own recompute, after its commit
    # Anna: 11/11 + needs 0/6 + discount 5/5 = 16/22.
    assert figures(people["anna"]) == (16, 22)
    assert stale_buckets() == []


def test_an_older_recompute_never_overwrites_a_newer_one(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks, monkeypatch
):
    """Two workers: A reads, then the rows change and B computes and stores, then A
    stores. A's figures are older than B's, so A writes nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_sales(scenario, manager, auditor, company, people, ALL_YES, day=3)

    original = rollup.level_one
    calls = []

    def worker_a(period, **kwargs):
        result = original(period, **kwargs)
        calls.append(period)
        if len(calls) == 1:
            # Meanwhile: a second audit is finalized and worker B recomputes everything.
            with django_capture_on_commit_callbacks(execute=True):
                audit_of_sales(scenario, manager, auditor, company, people, FORMAL_NO, day=9)
            services.months_recompute(months=[MARCH])
        return result

    monkeypatch.setattr(rollup, "level_one", worker_a)
    services.months_recompute(months=[MARCH])
    assert figures(people["anna"]) == (16, 22)
    assert (
        DepartmentMonth.objects.get(department=company.sales, month=MARCH, subtree=True).earned
        == 16 + 12
    )
    assert stale_buckets() == []


def test_a_department_moved_during_a_recompute_is_not_lost(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks, monkeypatch
):
    """A recompute reads the tree; before it stores, Used cars moves under Service.
    The subtrees the move changed are left to the move's own recompute."""
    boris = people["boris"]
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_used_cars(scenario, manager, auditor, company, boris, ALL_YES)
    original = services.department_parents
    pending: list = []

    def tree_then_someone_moves():
        tree = original()  # read before the move
        if not pending:
            with django_capture_on_commit_callbacks(execute=False) as callbacks:
                department_update(
                    actor=manager.user, department=company.used_cars, name="Used cars",
                    parent=company.service, head=None,
                )  # fmt: skip
            pending.extend(callbacks)
        return tree

    monkeypatch.setattr(services, "department_parents", tree_then_someone_moves)
    outcome = services.buckets_recompute(
        month=MARCH,
        employee_ids=[boris.pk],
        own_department_ids=[company.used_cars.pk],
        department_ids=[company.used_cars.pk, company.sales.pk, company.root.pk],
        only_stale=False,
    )
    # The move marked the subtrees of Used cars, Sales, Service and the dealership:
    # the three this recompute holds are not written from the tree as it was.
    assert outcome.skipped == 3
    assert {(kind, subject) for kind, subject, _month in stale_buckets()} == {
        (BucketKind.DEPARTMENT, company.used_cars.pk),
        (BucketKind.DEPARTMENT, company.sales.pk),
        (BucketKind.DEPARTMENT, company.service.pk),
        (BucketKind.DEPARTMENT, company.root.pk),
    }
    monkeypatch.setattr(services, "department_parents", original)
    for callback in pending:
        callback()  # the move's own recompute, after its commit
    assert stale_buckets() == []
    assert subtree_earned(company.sales) is None
    assert subtree_earned(company.service) == 17
    assert services.months_recompute(months=[MARCH]).rows == 0


def test_when_the_broker_is_down_the_finalize_succeeds_and_the_sweep_repairs(
    scenario,
    manager,
    auditor,
    company,
    people,
    django_capture_on_commit_callbacks,
    monkeypatch,
    settings,
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(tasks.recompute_buckets, "delay", broker_down)
    with time_machine.travel(moscow(2026, 4, 2, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            audit = audit_of_sales(scenario, manager, auditor, company, people, ALL_YES)
        assert audit.is_final
        assert figures(people["anna"]) is None
        # Too early: the sweep leaves buckets that were only just marked to their task.
        assert services.buckets_sweep() == 0
    monkeypatch.undo()
    later = moscow(2026, 4, 2, 10) + datetime.timedelta(
        seconds=settings.SCORECARD_STALE_SECONDS + 1
    )
    with time_machine.travel(later, tick=False):
        assert tasks.buckets_sweep() == 5
    assert figures(people["anna"]) == (11, 11)
    assert stale_buckets() == []


def test_a_single_response_marks_its_buckets_through_post_save(
    scenario, company, people, survey, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        respond(
            survey,
            score=10,
            at=moscow(2026, 3, 2),
            department=company.sales,
            employee=people["anna"],
        )
        respond(survey, score=2, at=moscow(2026, 3, 2), department=company.used_cars)
    anna = EmployeeMonth.objects.get(employee=people["anna"], month=MARCH)
    assert (anna.promoters, anna.detractors, anna.percent, anna.audits) == (1, 0, None, 0)
    sales = DepartmentMonth.objects.get(department=company.sales, month=MARCH, subtree=True)
    assert (sales.promoters, sales.detractors, sales.nps.nps) == (1, 1, 0)
    assert not DepartmentMonth.objects.filter(department=company.service).exists()


def test_the_bulk_import_signal_marks_the_months_it_names(
    scenario, company, people, survey, django_capture_on_commit_callbacks
):
    from nps.models import Response, Source
    from nps.signals import responses_changed

    with django_capture_on_commit_callbacks(execute=True):
        Response.objects.bulk_create(
            [
                Response(survey=survey, department=company.sales, employee=people["anna"],
                         score=score, source=Source.IMPORT, submitted_at=moscow(2026, 1, 10))
                for score in (9, 9, 5)
            ]
        )  # fmt: skip
        assert not EmployeeMonth.objects.exists()  # bulk_create sends no post_save
        responses_changed.send(
            sender=Response,
            months=[datetime.date(2026, 1, 1)],
            employee_ids=[people["anna"].pk],
            department_ids=[company.sales.pk],
            step_ids=[],
        )
    anna = EmployeeMonth.objects.get(employee=people["anna"], month=datetime.date(2026, 1, 1))
    assert (anna.promoters, anna.detractors, anna.nps.nps) == (2, 1, 33)


def test_moving_a_department_moves_its_subtree_figures_after_the_commit(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_used_cars(scenario, manager, auditor, company, people["boris"], ALL_YES)
    assert subtree_earned(company.sales) == 17
    assert subtree_earned(company.service) is None

    with django_capture_on_commit_callbacks(execute=True):
        department_update(
            actor=manager.user,
            department=company.used_cars,
            name="Used cars",
            parent=company.service,
            head=None,
        )
    assert stale_buckets() == []
    assert subtree_earned(company.sales) is None
    assert subtree_earned(company.service) == 17
    assert subtree_earned(company.used_cars) == 17
    assert subtree_earned(company.root) == 17
    # What the nightly run would write is what is there already.
    assert services.months_recompute(months=[MARCH]).rows == 0


def test_moving_an_employee_keeps_the_figures_already_recorded(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    boris = people["boris"]
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_used_cars(scenario, manager, auditor, company, boris, ALL_YES)
    with django_capture_on_commit_callbacks(execute=True):
        employee_update(actor=manager.user, employee=boris, department=company.service)
        # Boris is seen again, now in Service: this visit counts there.
        audit_of_used_cars(scenario, manager, auditor, company, boris, FORMAL_NO, day=20)
    # Used cars keeps the whole first visit (17 of 17: the unidentified phone call and
    # Boris's two steps) and the second visit's unidentified phone call (6 of 6);
    # Service has Boris's steps of the second visit (needs 0 of 6, critical; discount 5).
    own = DepartmentMonth.objects.filter(month=MARCH, subtree=False)
    assert own.values_list("department_id", "earned", "applicable", "audits").get(
        department=company.used_cars
    ) == (company.used_cars.pk, 17 + 6, 17 + 6, 2)
    assert own.values_list("earned", "applicable", "audits").get(department=company.service) == (
        5,
        11,
        1,
    )
    assert figures(boris) == (11 + 5, 11 + 11)
    assert services.months_recompute(months=[MARCH]).rows == 0


def subtree_earned(department, month=MARCH):
    row = DepartmentMonth.objects.filter(department=department, month=month, subtree=True).first()
    return None if row is None else row.earned


FIGURE_TABLES = {
    EmployeeMonth: ("employee_id", "month", "earned", "applicable", "answers", "failed_answers",
                    "audits", "steps", "critical_failures", "promoters", "passives", "detractors"),
    EmployeeRequirementMonth: ("employee_id", "month", "requirement_id", "failed"),
    DepartmentMonth: ("department_id", "month", "subtree", "earned", "applicable", "answers",
                      "failed_answers", "audits", "steps", "critical_failures", "promoters",
                      "passives", "detractors"),
    DepartmentRequirementMonth: ("department_id", "month", "subtree", "requirement_id", "failed"),
    DepartmentStepMonth: ("department_id", "month", "subtree", "step_id", "promoters", "passives",
                          "detractors"),
    DepartmentTagMonth: ("department_id", "month", "subtree", "tag_id", "detractors"),
    DepartmentAudit: ("department_id", "month", "audit_id"),
}  # fmt: skip


def every_figure():
    return {
        model.__name__: sorted(model._default_manager.values_list(*fields))
        for model, fields in FIGURE_TABLES.items()
    }


def test_the_figures_kept_after_each_change_are_those_a_full_recompute_gives(
    scenario, manager, auditor, company, people, victor, survey,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Audits in three departments and two months (unidentified steps, an employee seen
    in another department's audit, a critical failure, an accepted dispute), responses
    with steps and problem tags, then a department and an employee moved: after each
    change only its buckets are recomputed, and a full recompute from scratch finds
    nothing to correct."""
    anna, rita, boris = people["anna"], people["rita"], people["boris"]
    rude = ProblemTag.objects.create(name="Rude")
    waiting = ProblemTag.objects.create(name="Kept waiting")
    mixed = {**ALL_YES, "come_over": "no", "budget": "na", "interim": "no"}
    april = datetime.date(2026, 4, 1)
    audits = []

    def audit(department, visited_at, answers, observed):
        recorded = record_audit(
            scenario, manager=manager, auditor=auditor, department=department,
            visited_at=visited_at, answers=answers, observed=observed,
        )  # fmt: skip
        audits.append(recorded)

    changes = [
        lambda: audit(company.sales, moscow(2026, 3, 3), FORMAL_NO,
                      {"phone": rita, "needs": anna, "discount": boris}),
        lambda: audit(company.used_cars, moscow(2026, 3, 31, 23, 30), mixed,
                      {"phone": None, "needs": boris, "discount": None}),
        lambda: audit(company.service, moscow(2026, 4, 1, 0, 30), mixed,
                      {"phone": victor, "needs": anna, "discount": None}),
        lambda: respond(survey, score=3, at=moscow(2026, 3, 10), department=company.sales,
                        employee=anna, step=scenario.needs_step, tags=[rude, waiting]),
        lambda: respond(survey, score=10, at=moscow(2026, 3, 11), department=company.used_cars,
                        employee=boris, step=scenario.phone_step),
        lambda: respond(survey, score=6, at=moscow(2026, 4, 2), department=company.service,
                        tags=[waiting]),
        lambda: respond(survey, score=8, at=moscow(2026, 4, 3), department=company.root),
        lambda: dispute(audits[0], scenario, "formal", employee=anna, manager=manager),
        lambda: department_update(actor=manager.user, department=company.used_cars,
                                  name="Used cars", parent=company.service, head=None),
        lambda: employee_update(actor=manager.user, employee=anna, department=company.used_cars),
        lambda: audit(company.sales, moscow(2026, 4, 15), ALL_YES,
                      {"phone": rita, "needs": anna, "discount": anna}),
        lambda: respond(survey, score=9, at=moscow(2026, 3, 12), department=company.sales),
    ]  # fmt: skip
    for number, change in enumerate(changes, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert stale_buckets() == [], number
        corrected = services.months_recompute(months=[MARCH, april]).rows
        assert corrected == 0, f"change {number}: the full recompute corrected {corrected} rows"
    assert all(every_figure().values()), "every table has rows to compare"


def test_the_incremental_recompute_runs_the_same_queries_whatever_the_data(
    scenario, manager, auditor, company, people, victor, django_capture_on_commit_callbacks
):
    """The recompute after one audit costs a fixed number of statements: more audits,
    employees or departments in the month add rows to them, not statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def recompute() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.buckets_recompute(
                month=MARCH,
                employee_ids=[people["anna"].pk, people["rita"].pk],
                own_department_ids=[company.sales.pk],
                department_ids=[company.sales.pk, company.root.pk],
                only_stale=False,
            )
        return len(queries)

    with django_capture_on_commit_callbacks(execute=True):
        audit_of_sales(scenario, manager, auditor, company, people, FORMAL_NO)
    few = recompute()
    with django_capture_on_commit_callbacks(execute=True):
        for day in (6, 7, 8):
            audit_of_sales(scenario, manager, auditor, company, people, ALL_YES, day=day)
        record_audit(
            scenario, manager=manager, auditor=auditor, department=company.service,
            visited_at=moscow(2026, 3, 9), answers=FORMAL_NO,
            observed={"phone": victor, "needs": people["boris"], "discount": None},
        )  # fmt: skip
    assert recompute() == few
    # The generations, the tree, the month's audit ids, steps, failures, responses,
    # tags; then, in one transaction, the locks and every table read once and written
    # where it changed.
    assert few <= 22, few


def test_figures_with_nothing_applicable_say_no_data(
    scenario, manager, auditor, company, people, django_capture_on_commit_callbacks
):
    all_na = {name: "na" for name in ALL_YES}
    with django_capture_on_commit_callbacks(execute=True):
        audit_of_sales(scenario, manager, auditor, company, people, all_na)
    anna = EmployeeMonth.objects.get(employee=people["anna"], month=MARCH)
    assert (anna.applicable, anna.audits, anna.percent, anna.answers) == (0, 1, None, 0)
    sales = DepartmentMonth.objects.get(department=company.sales, month=MARCH, subtree=True)
    assert sales.percent is None
    assert Decimal(0) != sales.percent


def test_tasks_are_safe_to_retry_and_bounded():
    retried: list[Any] = [tasks.recompute_buckets, tasks.buckets_sweep]
    for task in retried:
        assert task.acks_late is True
        assert task.max_retries == 5
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
    runs: list[Any] = [tasks.recompute_run, tasks.recompute_nightly]
    for task in runs:
        assert task.acks_late is True
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
