"""Writes of the scorecards: marking figures stale, recomputing them, incentive rules.

How the stored figures stay right (scorecards.models describes the two levels):

1. Whoever changes source rows (audits.signals, nps.signals, a saved NPS response, a
   department moved: roles.signals) calls `buckets_mark_stale` in the same
   transaction: it increments the generation of every bucket that depends on them
   (the employees; the departments the rows count for, themselves; and those
   departments with every department above them, as subtrees), for the month, and
   enqueues their recompute after the commit.
2. A recompute (`buckets_recompute` for some buckets of a month, `months_recompute`
   for whole months) reads the buckets' generations, then, without holding locks, the
   tree and the first level from the source rows (scorecards.rollup). It then locks
   the buckets, keeps the ones whose generation is still the one it read and rewrites
   their figures whole; a bucket whose generation moved is left to the recompute
   that moved it. Some buckets (the incremental recompute) are stored in one
   transaction: the first-level rows, then the subtree figures of their departments
   and of every department above them, each from its own rows and its children's
   stored subtree rows. Whole months are stored month by month, the first level in
   one transaction and the subtrees, from every stored own row, in a second.
   Two recomputes of the same department queue up on its locks, so the last to write
   read the newest rows. Figures are rebuilt, never adjusted by deltas; only rows
   that differ are written. Running it twice, or in two workers at once, gives the
   same figures.
3. A sweep recomputes buckets still stale after a few minutes (a lost message, a
   broker that was down), and a nightly run recomputes the last 13 months whole.

Buckets are always locked in the same order (kind, subject, month), so a finalize
and a recompute never deadlock on them.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.activity import activity_record
from core.edits import Revision, edit_lock
from roles.models import Department, Position

from . import rollup
from .models import (
    STALE_BUCKETS,
    Band,
    BandSet,
    Bucket,
    BucketKind,
    DepartmentAudit,
    DepartmentLineage,
    DepartmentMonth,
    DepartmentRequirementMonth,
    DepartmentStepMonth,
    DepartmentTagMonth,
    EmployeeMonth,
    EmployeeRequirementMonth,
    RecomputeRun,
)
from .months import HISTORY_MONTHS, current_month, first_day, recent_months
from .rollup import Period

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# Task limits, in seconds: one bucket set, a whole run of 13 months, the sweep.
RECOMPUTE_SOFT_TIME_LIMIT = 110
RECOMPUTE_TIME_LIMIT = 120
RUN_SOFT_TIME_LIMIT = 25 * 60
RUN_TIME_LIMIT = 30 * 60
SWEEP_SOFT_TIME_LIMIT = 4 * 60
SWEEP_TIME_LIMIT = 5 * 60
# Most buckets one sweep recomputes; the rest wait for the next sweep.
SWEEP_MAX_BUCKETS = 5000
# A run still "running" this long after it started was interrupted (the worker died).
RUN_INTERRUPTED_AFTER = datetime.timedelta(seconds=RUN_TIME_LIMIT + 120)
# A queued run not started after this long lost its message: it is sent again.
RUN_REQUEUE_AFTER = datetime.timedelta(minutes=5)

BucketKey = tuple[str, int, datetime.date]


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.SCORECARD_STALE_SECONDS)


# The department tree, as rows the rollup can join -----------------------------------------


def department_parents() -> dict[int, int | None]:
    """{department: parent} as Department.path says (the tree the subtree figures
    follow); a department whose path is not written yet is left out."""
    parent_of: dict[int, int | None] = {}
    for department_id, path in Department.objects.values_list("pk", "path"):
        ancestors = [int(part) for part in path.split("/") if part]
        if ancestors and ancestors[-1] == department_id:
            parent_of[department_id] = ancestors[-2] if len(ancestors) > 1 else None
    return parent_of


def lineage_refresh(parent_of: dict[int, int | None]) -> bool:
    """Bring DepartmentLineage (what the full recompute joins) in line with the tree;
    True when it changed. One small read when nothing moved, which is nearly always."""
    wanted: set[tuple[int, int, int]] = set()
    for department_id in parent_of:
        ancestor: int | None = department_id
        depth = 0
        while ancestor is not None:
            wanted.add((department_id, ancestor, depth))
            ancestor = parent_of.get(ancestor)
            depth += 1
    existing = set(DepartmentLineage.objects.values_list("department_id", "ancestor_id", "depth"))
    if wanted == existing:
        return False
    with transaction.atomic():
        gone = existing - wanted
        if gone:
            stale_pairs = Q()
            for department_id, ancestor_id, _depth in gone:
                stale_pairs |= Q(department_id=department_id, ancestor_id=ancestor_id)
            DepartmentLineage.objects.filter(stale_pairs).delete()
        DepartmentLineage.objects.bulk_create(
            [
                DepartmentLineage(department_id=department_id, ancestor_id=ancestor_id, depth=depth)
                for department_id, ancestor_id, depth in sorted(wanted - existing)
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
    return True


def _ancestors(paths: Iterable[str]) -> set[int]:
    found: set[int] = set()
    for path in paths:
        found.update(int(part) for part in path.split("/") if part)
    return found


def department_chains(*, department_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """The departments rows are attributed to, and those with every department above
    them."""
    department_ids = set(department_ids)
    if not department_ids:
        return set(), set()
    paths = Department.objects.filter(pk__in=department_ids).values_list("path", flat=True)
    return department_ids, _ancestors(paths) | department_ids


# Marking stale ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketSet:
    """Buckets of one month, as JSON-friendly ids (what a recompute task receives)."""

    month: datetime.date
    employee_ids: tuple[int, ...]
    own_department_ids: tuple[int, ...]
    department_ids: tuple[int, ...]


def _bucket_filter(keys: Iterable[BucketKey]) -> Q:
    by_kind_month: dict[tuple[str, datetime.date], set[int]] = defaultdict(set)
    for kind, subject_id, month in keys:
        by_kind_month[(kind, month)].add(subject_id)
    condition = Q(pk__in=[])
    for (kind, month), subject_ids in by_kind_month.items():
        condition |= Q(kind=kind, month=month, subject_id__in=sorted(subject_ids))
    return condition


def _ordered(queryset: models.QuerySet[Bucket]) -> models.QuerySet[Bucket]:
    return queryset.order_by("kind", "subject_id", "month")


def _ensure_buckets(keys: Sequence[BucketKey]) -> None:
    """Create missing buckets at generation 0 (a concurrent creator wins harmlessly)."""
    Bucket.objects.bulk_create(
        [Bucket(kind=kind, subject_id=subject, month=month) for kind, subject, month in keys],
        batch_size=BATCH_SIZE,
        ignore_conflicts=True,
    )


def _lock(keys: Sequence[BucketKey]) -> list[tuple[int, str, int, datetime.date, int]]:
    """Lock the buckets in the global order; (pk, kind, subject, month, generation)."""
    return list(
        _ordered(Bucket.objects.select_for_update().filter(_bucket_filter(keys))).values_list(
            "pk", "kind", "subject_id", "month", "generation"
        )
    )


@transaction.atomic
def buckets_mark_stale(
    *,
    months: Iterable[datetime.date],
    employee_ids: Iterable[int] = (),
    department_ids: Iterable[int] = (),
    subtree_department_ids: Iterable[int] = (),
    now: datetime.datetime | None = None,
) -> list[BucketSet]:
    """Mark the figures that depend on changed source rows stale, and enqueue their
    recompute once the surrounding transaction commits.

    Call it inside the transaction that changes the rows. `employee_ids` are the
    employees the rows name; `department_ids` the departments the rows count for
    (the steps' departments, the response's department): their own figures and those
    of every department above them. `subtree_department_ids`: departments whose
    subtree changed shape (a department moved in or out below them), with every
    department above them; their own figures stay as they are.
    Returns the bucket sets that will be recomputed (one per month).
    """
    now = now or timezone.now()
    months = sorted({first_day(month) for month in months if month is not None})
    employee_ids = sorted(set(employee_ids))
    own, chain = department_chains(department_ids=department_ids)
    chain |= department_chains(department_ids=subtree_department_ids)[1]
    if not months or not (employee_ids or own or chain):
        return []
    keys = sorted(
        [
            (BucketKind.EMPLOYEE.value, subject, month)
            for subject in employee_ids
            for month in months
        ]
        + [(BucketKind.DEPARTMENT_OWN.value, subject, month) for subject in own for month in months]
        + [(BucketKind.DEPARTMENT.value, subject, month) for subject in chain for month in months]
    )
    _ensure_buckets(keys)
    # Locked in the global order before incrementing, so that concurrent writers queue
    # up instead of deadlocking.
    locked = [pk for pk, *_rest in _lock(keys)]
    Bucket.objects.filter(pk__in=locked).update(
        generation=F("generation") + 1,
        stale_since=Coalesce(F("stale_since"), Value(now)),
    )
    bucket_sets = [
        BucketSet(
            month=month,
            employee_ids=tuple(employee_ids),
            own_department_ids=tuple(sorted(own)),
            department_ids=tuple(sorted(chain)),
        )
        for month in months
    ]
    for bucket_set in bucket_sets:
        transaction.on_commit(partial(_enqueue_recompute, bucket_set))
    return bucket_sets


def _enqueue_recompute(bucket_set: BucketSet) -> None:
    from .tasks import recompute_buckets

    try:
        recompute_buckets.delay(
            bucket_set.month.isoformat(),
            list(bucket_set.employee_ids),
            list(bucket_set.own_department_ids),
            list(bucket_set.department_ids),
        )
    except Exception:
        # The change itself is committed and its buckets are marked stale: the sweep
        # recomputes them within minutes.
        logger.exception(
            "Could not enqueue the recompute of %s; the sweep will do it", bucket_set.month
        )


# Recomputing -----------------------------------------------------------------------------------


@dataclass
class RecomputeOutcome:
    # Buckets whose figures were rebuilt (written only where they changed).
    written: int = 0
    # Buckets changed by someone else while they were computed: left stale for the
    # recompute that change enqueued.
    skipped: int = 0
    # Figure rows inserted, updated or deleted.
    rows: int = 0

    def add(self, other: RecomputeOutcome) -> None:
        self.written += other.written
        self.skipped += other.skipped
        self.rows += other.rows


def buckets_recompute(
    *,
    month: datetime.date,
    employee_ids: Sequence[int] | None,
    own_department_ids: Sequence[int] | None,
    department_ids: Sequence[int] | None,
    only_stale: bool = True,
) -> RecomputeOutcome:
    """Recompute whole buckets of one month and store them.

    For each kind, `None` means every subject (the full recompute) and a list means
    those buckets. With `only_stale`, a set whose buckets are all fresh is left alone
    (a redelivered task finds nothing to do); otherwise the whole set is recomputed,
    since a subtree figure may have been written from first-level rows that were
    still being recomputed.
    """
    return _recompute(
        Period.of(first_day(month)),
        {
            BucketKind.EMPLOYEE: employee_ids,
            BucketKind.DEPARTMENT_OWN: own_department_ids,
            BucketKind.DEPARTMENT: department_ids,
        },
        only_stale=only_stale,
    )


def months_recompute(
    *,
    months: Sequence[datetime.date],
    progress: Callable[[datetime.date, RecomputeOutcome], None] | None = None,
) -> RecomputeOutcome:
    """Recompute every bucket of consecutive months, computing the first level for all
    of them at once (one pass over the source rows), then storing month by month."""
    months = sorted(first_day(month) for month in months)
    return _recompute(
        Period(months[0], months[-1]),
        {BucketKind.EMPLOYEE: None, BucketKind.DEPARTMENT_OWN: None, BucketKind.DEPARTMENT: None},
        only_stale=False,
        progress=progress,
    )


def _read_generations(
    months: Sequence[datetime.date], requested: dict[str, Sequence[int] | None]
) -> dict[BucketKey, tuple[int, bool]]:
    """{key: (generation, stale)}, read before any row the figures come from."""
    condition = Q(pk__in=[])
    for kind, ids in requested.items():
        if ids is None:
            condition |= Q(kind=kind)
        elif ids:
            condition |= Q(kind=kind, subject_id__in=list(ids))
    return {
        (kind, subject, month): (generation, computed is None or computed != generation)
        for kind, subject, month, generation, computed in Bucket.objects.filter(
            condition, month__in=list(months)
        ).values_list("kind", "subject_id", "month", "generation", "computed_generation")
    }


def _recompute(
    period: Period,
    requested: dict[str, Sequence[int] | None],
    *,
    only_stale: bool,
    progress: Callable[[datetime.date, RecomputeOutcome], None] | None = None,
) -> RecomputeOutcome:
    months = period.months()
    # The generations first, then what the figures come from (the tree included): a
    # change committed in between has moved a generation, and its bucket is left to
    # the recompute that change enqueued.
    read = _read_generations(months, requested)
    if only_stale and all(ids is not None for ids in requested.values()):
        wanted = [
            (kind, subject, month)
            for kind, ids in requested.items()
            for subject in ids or ()
            for month in months
        ]
        if not any(read.get(key, (0, True))[1] for key in wanted):
            return RecomputeOutcome()

    parent_of = department_parents()
    found = rollup.level_one(
        period,
        employee_ids=requested[BucketKind.EMPLOYEE],
        own_ids=requested[BucketKind.DEPARTMENT_OWN],
    )
    employee_ids, own_ids, department_ids = (
        requested[BucketKind.EMPLOYEE],
        requested[BucketKind.DEPARTMENT_OWN],
        requested[BucketKind.DEPARTMENT],
    )
    if employee_ids is not None and own_ids is not None and department_ids is not None:
        return _store_some(
            period.first,
            found,
            employees=employee_ids,
            owns=own_ids,
            departments=department_ids,
            read=read,
            parent_of=parent_of,
        )

    lineage_refresh(parent_of)

    def subjects(kind: str, month: datetime.date, found_keys: set[rollup.Key]) -> set[int]:
        known = {subject for (k, subject, m) in read if k == kind and m == month}
        return known | {subject for subject, m in found_keys if m == month}

    outcome = RecomputeOutcome()
    monthly = found.by_month()
    for month in months:
        found_in_month = monthly.get(month, rollup.LevelOne())
        outcome.add(
            _store_level_one(
                month,
                found_in_month,
                employees=subjects(BucketKind.EMPLOYEE, month, found_in_month.employee_keys()),
                owns=subjects(BucketKind.DEPARTMENT_OWN, month, found_in_month.own_keys()),
                read=read,
            )
        )
        outcome.add(_store_level_two(month, read=read))
        if progress is not None:
            progress(month, outcome)
    return outcome


def _claim(
    keys: Sequence[BucketKey], read: dict[BucketKey, tuple[int, bool]]
) -> tuple[set[BucketKey], int]:
    """Lock the buckets; mark fresh those still at the generation read. (claimed, skipped)

    A bucket whose generation moved since it was read is left stale, its figures
    unwritten: the change that moved it enqueued its own recompute.
    """
    missing = [key for key in keys if key not in read]
    if missing:
        _ensure_buckets(missing)
    claimed_pks: list[int] = []
    claimed: set[BucketKey] = set()
    skipped = 0
    for pk, kind, subject, month, generation in _lock(keys):
        # A bucket nobody had marked when the generations were read starts at 0; if a
        # writer created and marked it since, its generation is higher: left to them.
        if generation == read.get((kind, subject, month), (0, True))[0]:
            claimed_pks.append(pk)
            claimed.add((kind, subject, month))
        else:
            skipped += 1
    # The rows are locked, so their generation cannot move before the commit. Buckets
    # already fresh need no write.
    Bucket.objects.filter(STALE_BUCKETS, pk__in=claimed_pks).update(
        computed_generation=F("generation"), stale_since=None, computed_at=timezone.now()
    )
    return claimed, skipped


def _subjects(claimed: set[BucketKey], kind: str) -> list[int]:
    return sorted(subject for k, subject, _month in claimed if k == kind)


@dataclass
class _Rows:
    """Figure rows to store, per table, keyed by their unique fields."""

    figures: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    audits: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    failures: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    steps: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)
    tags: dict[tuple[Any, ...], dict[str, int]] = field(default_factory=dict)


def _own_rows(month: datetime.date, found: rollup.LevelOne, own_ids: Sequence[int]) -> _Rows:
    wanted = set(own_ids)
    audits = Counter(
        (subject, m) for subject, m, _audit in found.own_audits if m == month and subject in wanted
    )
    figures: dict[tuple[Any, ...], dict[str, int]] = {}
    for subject in own_ids:
        row = found.own_row((subject, month), audits.get((subject, month), 0))
        if row is not None:
            figures[(subject, month, False)] = row
    return _Rows(
        figures=figures,
        audits={key: {} for key in found.own_audits if key[1] == month and key[0] in wanted},
        failures={
            (subject, m, False, requirement): {"failed": failed}
            for (subject, m, requirement), failed in found.own_failures.items()
            if m == month and subject in wanted
        },
        steps={
            (subject, m, False, step): counts
            for (subject, m, step), counts in found.own_steps.items()
            if m == month and subject in wanted
        },
        tags={
            (subject, m, False, tag): {"detractors": count}
            for (subject, m, tag), count in found.own_tags.items()
            if m == month and subject in wanted
        },
    )


def _subtree_rows(month: datetime.date, found: rollup.LevelTwo, ids: Sequence[int]) -> _Rows:
    wanted = set(ids)
    return _Rows(
        figures={
            (subject, month, True): values
            for subject, values in found.figures.items()
            if subject in wanted
        },
        failures={
            (subject, month, True, requirement): {"failed": failed}
            for (subject, requirement), failed in found.failures.items()
            if subject in wanted
        },
        steps={
            (subject, month, True, step): counts
            for (subject, step), counts in found.steps.items()
            if subject in wanted
        },
        tags={
            (subject, month, True, tag): {"detractors": count}
            for (subject, tag), count in found.tags.items()
            if subject in wanted
        },
    )


def _sync_employees(month: datetime.date, found: rollup.LevelOne, employee_ids: list[int]) -> int:
    if not employee_ids:
        return 0
    wanted = set(employee_ids)
    rows = _sync(
        EmployeeMonth.objects.filter(month=month, employee_id__in=employee_ids),
        ["employee_id", "month"],
        rows={
            (subject, month): row
            for subject in employee_ids
            if (row := found.employee_row((subject, month))) is not None
        },
    )
    return rows + _sync(
        EmployeeRequirementMonth.objects.filter(month=month, employee_id__in=employee_ids),
        ["employee_id", "month", "requirement_id"],
        rows={
            key: {"failed": failed}
            for key, failed in found.employee_failures.items()
            if key[1] == month and key[0] in wanted
        },
    )


# The department tables keyed like _Rows (DepartmentAudit aside): (model, its unique
# fields, the _Rows attribute).
_DEPARTMENT_TABLES: tuple[tuple[Any, list[str], str], ...] = (
    (DepartmentMonth, ["department_id", "month", "subtree"], "figures"),
    (
        DepartmentRequirementMonth,
        ["department_id", "month", "subtree", "requirement_id"],
        "failures",
    ),
    (DepartmentStepMonth, ["department_id", "month", "subtree", "step_id"], "steps"),
    (DepartmentTagMonth, ["department_id", "month", "subtree", "tag_id"], "tags"),
)


def _sync_departments(
    month: datetime.date,
    *,
    own_ids: list[int],
    own: _Rows,
    subtree_ids: list[int],
    subtree: _Rows,
    stored: dict[str, dict[tuple[Any, ...], tuple[int, dict[str, int]]]] | None = None,
) -> int:
    """Store the own rows of `own_ids` and the subtree rows of `subtree_ids`: one read
    (none where `stored` has the table's rows already) and at most one write per
    table."""
    if not own_ids and not subtree_ids:
        return 0
    which = Q(subtree=False, department_id__in=own_ids) | Q(
        subtree=True, department_id__in=subtree_ids
    )
    in_scope = {(department, False) for department in own_ids} | {
        (department, True) for department in subtree_ids
    }
    rows = 0
    for model, key_fields, attribute in _DEPARTMENT_TABLES:
        stored_rows = None
        if stored and attribute in stored:
            # Keyed (department, subtree, ...): the rows of this scope only.
            stored_rows = {
                key: row for key, row in stored[attribute].items() if key[:2] in in_scope
            }
        rows += _sync(
            model.objects.filter(which, month=month),
            key_fields,
            rows={**getattr(own, attribute), **getattr(subtree, attribute)},
            constants=("month",),
            stored=stored_rows,
        )
    return rows


@transaction.atomic
def _store_level_one(
    month: datetime.date,
    found: rollup.LevelOne,
    *,
    employees: set[int],
    owns: set[int],
    read: dict[BucketKey, tuple[int, bool]],
) -> RecomputeOutcome:
    """The full recompute's first level of one month (every subject)."""
    keys = sorted(
        [(BucketKind.EMPLOYEE.value, subject, month) for subject in employees]
        + [(BucketKind.DEPARTMENT_OWN.value, subject, month) for subject in owns]
    )
    if not keys:
        return RecomputeOutcome()
    claimed, skipped = _claim(keys, read)
    rows, own_ids, own = _store_first_level(month, found, claimed)
    rows += _sync_departments(month, own_ids=own_ids, own=own, subtree_ids=[], subtree=_Rows())
    return RecomputeOutcome(written=len(claimed), skipped=skipped, rows=rows)


def _store_first_level(
    month: datetime.date, found: rollup.LevelOne, claimed: set[BucketKey]
) -> tuple[int, list[int], _Rows]:
    """The claimed employees' rows and the claimed departments' audits; returns the rows
    written, the claimed departments and their own rows, which the caller stores with
    whatever else goes in the department tables."""
    rows = _sync_employees(month, found, _subjects(claimed, BucketKind.EMPLOYEE))
    own_ids = _subjects(claimed, BucketKind.DEPARTMENT_OWN)
    own = _own_rows(month, found, own_ids)
    rows += _sync(
        DepartmentAudit.objects.filter(month=month, department_id__in=own_ids),
        ["department_id", "month", "audit_id"],
        rows=own.audits,
    )
    return rows, own_ids, own


@transaction.atomic
def _store_level_two(
    month: datetime.date, *, read: dict[BucketKey, tuple[int, bool]]
) -> RecomputeOutcome:
    """The full recompute's subtree figures of one month, every department, from the
    stored own rows (one pass over them), read while the buckets are locked."""
    keys = sorted(
        (BucketKind.DEPARTMENT.value, subject, month)
        for subject in Department.objects.values_list("pk", flat=True)
    )
    if not keys:
        return RecomputeOutcome()
    claimed, skipped = _claim(keys, read)
    ids = _subjects(claimed, BucketKind.DEPARTMENT)
    subtree = _subtree_rows(month, rollup.level_two(month), ids)
    rows = _sync_departments(month, own_ids=[], own=_Rows(), subtree_ids=ids, subtree=subtree)
    return RecomputeOutcome(written=len(claimed), skipped=skipped, rows=rows)


def _with_ancestors(departments: Iterable[int], parent_of: dict[int, int | None]) -> set[int]:
    found = set(departments)
    for department in list(found):
        parent = parent_of.get(department)
        while parent is not None and parent not in found:
            found.add(parent)
            parent = parent_of.get(parent)
    return found


@transaction.atomic
def _store_some(
    month: datetime.date,
    found: rollup.LevelOne,
    *,
    employees: Sequence[int],
    owns: Sequence[int],
    departments: Sequence[int],
    read: dict[BucketKey, tuple[int, bool]],
    parent_of: dict[int, int | None],
) -> RecomputeOutcome:
    """The incremental recompute's store, in one transaction: the buckets locked in
    the global order, the first-level rows of those still at the generation read, and
    the subtree figures of the departments with every department above them (a
    subtree figure counts in its parent's), from the fresh own rows, the other stored
    own rows and the children's stored subtree rows."""
    # A department's own figures count in its subtree's: its chain is always rewritten.
    subtree_ids = sorted(_with_ancestors({*departments, *owns}, parent_of))
    keys = sorted(
        [(BucketKind.EMPLOYEE.value, subject, month) for subject in employees]
        + [(BucketKind.DEPARTMENT_OWN.value, subject, month) for subject in owns]
        + [(BucketKind.DEPARTMENT.value, subject, month) for subject in subtree_ids]
    )
    if not keys:
        return RecomputeOutcome()
    claimed, skipped = _claim(keys, read)
    rows, own_ids, own = _store_first_level(month, found, claimed)
    # After DepartmentAudit is stored: the subtrees' audits are counted from it.
    level_two = rollup.level_two_of_chains(
        month, set(subtree_ids), parent_of, fresh=found, fresh_ids=set(own_ids)
    )
    claimed_subtrees = _subjects(claimed, BucketKind.DEPARTMENT)
    rows += _sync_departments(
        month,
        own_ids=own_ids,
        own=own,
        subtree_ids=claimed_subtrees,
        subtree=_subtree_rows(month, level_two, claimed_subtrees),
        stored=level_two.stored,
    )
    return RecomputeOutcome(written=len(claimed), skipped=skipped, rows=rows)


def _sync(
    scope: models.QuerySet[Any],
    key_fields: list[str],
    *,
    rows: dict[tuple[Any, ...], dict[str, int]],
    constants: Sequence[str] = ("month", "subtree"),
    stored: dict[tuple[Any, ...], tuple[int, dict[str, int]]] | None = None,
) -> int:
    """Make the rows in `scope` exactly `rows` ({key: values}): upsert the new and the
    changed ones, delete the ones no longer there, leave the equal ones alone.
    `constants`: key fields every row of the scope shares (it filters on them), not
    read back. `stored`: the scope's rows already read in this transaction ({key
    without the constants: (pk, values)}), so they are not read again. Returns how
    many rows were written or deleted."""
    model = scope.model
    value_fields = sorted({name for values in rows.values() for name in values})
    varying = [index for index, name in enumerate(key_fields) if name not in constants]
    read_keys = [key_fields[index] for index in varying]
    width = len(read_keys)
    existing: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
    if stored is not None:
        for short, (pk, values) in stored.items():
            existing[short] = (pk, tuple(values[name] for name in value_fields))
    else:
        for row in scope.values_list("pk", *read_keys, *value_fields):
            existing[row[1 : 1 + width]] = (row[0], row[1 + width :])
    changed = []
    seen = set()
    for key, values in rows.items():
        short = tuple(key[index] for index in varying)
        seen.add(short)
        current = existing.get(short)
        if current is None or current[1] != tuple(values[name] for name in value_fields):
            changed.append((key, values))
    gone = [pk for short, (pk, _values) in existing.items() if short not in seen]
    for start in range(0, len(gone), 10_000):
        model.objects.filter(pk__in=gone[start : start + 10_000]).delete()
    if changed:
        _upsert(model, key_fields, value_fields, changed)
    return len(changed) + len(gone)


def _upsert(
    model: type[models.Model],
    key_fields: list[str],
    value_fields: list[str],
    rows: list[tuple[tuple[Any, ...], dict[str, int]]],
) -> None:
    """Insert the rows, or update the values (and `computed_at`) of those whose key is
    there already: what bulk_create(update_conflicts=True) writes, without building a
    model instance per row (the incremental recompute runs after every finalize).
    INSERT ... ON CONFLICT ... DO UPDATE is the same on PostgreSQL and SQLite."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields: list[models.Field[Any, Any]] = [
        cast("models.Field[Any, Any]", meta.get_field(name))
        for name in (*key_fields, *value_fields)
    ]
    fields += [stamp for stamp in meta.concrete_fields if stamp.name == "computed_at"]
    columns = [quote(cast(str, model_field.column)) for model_field in fields]
    updated = columns[len(key_fields) :]
    action = (
        "DO UPDATE SET " + ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
        if updated
        else "DO NOTHING"
    )
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES "
    conflict = ", ".join(columns[: len(key_fields)])
    stamped = len(fields) > len(key_fields) + len(value_fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    now = [timezone.now()] if stamped else []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            params: list[Any] = []
            for key, values in batch:
                raw = (*key, *(values[name] for name in value_fields), *now)
                params.extend(
                    model_field.get_db_prep_save(value, connection)
                    for model_field, value in zip(fields, raw, strict=True)
                )
            cursor.execute(
                f"{head}{', '.join([one_row] * len(batch))} ON CONFLICT ({conflict}) {action}",
                params,
            )


def buckets_sweep(*, now: datetime.datetime | None = None) -> int:
    """Recompute the buckets still stale a few minutes after they were marked.

    Their recompute message was lost (the broker was down when it was sent, or a
    worker died with it). A stale first-level bucket brings its subtree buckets along.
    Returns how many buckets were recomputed. Also sends again a full run whose message
    was lost, and fails a run a dead worker left running.
    """
    now = now or timezone.now()
    cutoff = now - stale_after()
    overdue = (
        Bucket.objects.filter(STALE_BUCKETS)
        .filter(Q(stale_since__lt=cutoff) | Q(stale_since__isnull=True))
        .order_by("month", "kind", "subject_id")
        .values_list("month", "kind", "subject_id")[:SWEEP_MAX_BUCKETS]
    )
    by_month: dict[datetime.date, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for month, kind, subject_id in overdue:
        by_month[month][kind].add(subject_id)
    outcome = RecomputeOutcome()
    for month, kinds in sorted(by_month.items()):
        employees = kinds[BucketKind.EMPLOYEE]
        own, chain = department_chains(department_ids=kinds[BucketKind.DEPARTMENT_OWN])
        outcome.add(
            buckets_recompute(
                month=month,
                employee_ids=sorted(employees),
                own_department_ids=sorted(own),
                department_ids=sorted(chain | kinds[BucketKind.DEPARTMENT]),
                only_stale=False,
            )
        )
    _runs_repair(now=now)
    return outcome.written


# Full recompute runs ---------------------------------------------------------------------------


class RecomputeAlreadyRunning(Exception):
    def __init__(self, run: RecomputeRun) -> None:
        super().__init__(f"Recompute #{run.pk} is already {run.status}")
        self.run = run


def _run_enqueue(run_id: int) -> None:
    from .tasks import recompute_run

    try:
        recompute_run.delay(run_id)
    except Exception:
        logger.exception("Could not enqueue recompute run %s; the sweep will send it again", run_id)


def recompute_run_active() -> RecomputeRun | None:
    return (
        RecomputeRun.objects.filter(
            status__in=[RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING]
        )
        .order_by("created_at", "id")
        .first()
    )


@transaction.atomic
def recompute_run_start(
    *, actor: Any, months: int = HISTORY_MONTHS, enqueue: bool = True
) -> RecomputeRun:
    """Queue a full recompute of the last `months` months; refuse a second one while
    one is queued or running (it would redo the same work)."""
    # Serialises concurrent starts: the active-run check and the insert happen under
    # the lock of the newest run row (SQLite writes one at a time anyway).
    list(RecomputeRun.objects.select_for_update().order_by("-id").values_list("pk")[:1])
    active = recompute_run_active()
    if active is not None:
        raise RecomputeAlreadyRunning(active)
    run = RecomputeRun.objects.create(
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        months=[month.isoformat() for month in recent_months(months)],
    )
    if getattr(actor, "is_authenticated", False):
        activity_record(
            actor=actor,
            action="scorecards.recompute",
            target=run,
            message=gettext_lazy("Full recompute of the last %(count)s months requested"),
            params={"count": months},
        )
    if enqueue:
        pk = run.pk
        transaction.on_commit(lambda: _run_enqueue(pk))
    return run


def recompute_run_execute(*, run_id: int) -> RecomputeRun | None:
    """Recompute every bucket of the run's months, recording progress month by month.

    The run is claimed with a conditional UPDATE (queued -> running): a redelivered
    message finds nothing to claim. The first level is computed for all the months at
    once; then each month is stored in its own transactions, so the months already
    done stay done if the run is interrupted.
    """
    claimed = RecomputeRun.objects.filter(pk=run_id, status=RecomputeRun.Status.QUEUED).update(
        status=RecomputeRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = RecomputeRun.objects.get(pk=run_id)
    months = [datetime.date.fromisoformat(iso_month) for iso_month in run.months]
    done: list[RecomputeOutcome] = []

    def progress(month: datetime.date, outcome: RecomputeOutcome) -> None:
        before = done[-1] if done else RecomputeOutcome()
        RecomputeRun.objects.filter(pk=run_id).update(
            months_done=F("months_done") + 1,
            buckets_written=F("buckets_written") + outcome.written - before.written,
            buckets_skipped=F("buckets_skipped") + outcome.skipped - before.skipped,
        )
        done.append(
            RecomputeOutcome(written=outcome.written, skipped=outcome.skipped, rows=outcome.rows)
        )

    try:
        months_recompute(months=months, progress=progress)
    except Exception as error:
        RecomputeRun.objects.filter(pk=run_id).update(
            status=RecomputeRun.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        raise
    RecomputeRun.objects.filter(pk=run_id).update(
        status=RecomputeRun.Status.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def recompute_nightly() -> RecomputeRun | None:
    """The nightly full recompute of the last 13 months (skipped while a manager's runs)."""
    try:
        run = recompute_run_start(actor=None, enqueue=False)
    except RecomputeAlreadyRunning:
        return None
    return recompute_run_execute(run_id=run.pk)


def _runs_repair(*, now: datetime.datetime) -> None:
    RecomputeRun.objects.filter(
        status=RecomputeRun.Status.RUNNING, started_at__lt=now - RUN_INTERRUPTED_AFTER
    ).update(
        status=RecomputeRun.Status.FAILED,
        finished_at=now,
        error=_(
            "The recompute was interrupted. The figures it had not reached are redone tonight."
        ),
    )
    lost = RecomputeRun.objects.filter(
        status=RecomputeRun.Status.QUEUED, created_at__lt=now - RUN_REQUEUE_AFTER
    ).values_list("pk", flat=True)
    for run_id in lost:
        _run_enqueue(run_id)


# Incentive rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandInput:
    min_percent: Decimal
    coefficient: Decimal


def _band_set_guard(
    *,
    effective_from: datetime.date,
    position: Position | None,
    bands: Sequence[BandInput],
    band_set: BandSet | None,
    allow_past: bool,
) -> datetime.date:
    errors: dict[str, list[str]] = defaultdict(list)
    month = first_day(effective_from)
    if not allow_past and month < current_month():
        errors["effective_from"].append(
            _(
                "Rules cannot start in a past month: past months keep the rules they were "
                "paid by. Start them this month or later."
            )
        )
    clash = BandSet.objects.filter(effective_from=month, position=position)
    if band_set is not None:
        clash = clash.exclude(pk=band_set.pk)
    if clash.exists():
        errors["effective_from"].append(
            _("There are already rules from this month for the same positions: edit those.")
        )
    floors = [band.min_percent for band in bands]
    if not bands:
        errors["bands"].append(_("Add at least one band."))
    elif Decimal(0) not in floors:
        errors["bands"].append(
            _("One band must start at 0%, so that every percentage has a coefficient.")
        )
    if len(set(floors)) != len(floors):
        errors["bands"].append(_("Two bands start at the same percentage."))
    for band in bands:
        if not Decimal(0) <= band.min_percent <= Decimal(100):
            errors["bands"].append(_("A band starts between 0% and 100%."))
            break
    for band in bands:
        if not Decimal(0) <= band.coefficient <= Decimal(10):
            errors["bands"].append(_("A coefficient is between 0 and 10."))
            break
    if errors:
        raise ValidationError(dict(errors))
    return month


def _band_summary(bands: Sequence[BandInput]) -> list[list[str]]:
    return [
        [str(band.min_percent), str(band.coefficient)]
        for band in sorted(bands, key=lambda band: band.min_percent, reverse=True)
    ]


@transaction.atomic
def band_set_create(
    *,
    actor: Any,
    effective_from: datetime.date,
    position: Position | None,
    bands: Sequence[BandInput],
    note: str = "",
    allow_past: bool = False,
) -> BandSet:
    """New incentive rules from a month on. `allow_past` is for loading history (the
    demo, a first import), never for the pages."""
    month = _band_set_guard(
        effective_from=effective_from,
        position=position,
        bands=bands,
        band_set=None,
        allow_past=allow_past,
    )
    band_set = BandSet.objects.create(
        effective_from=month,
        position=position,
        note=note.strip()[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Band.objects.bulk_create(
        [
            Band(band_set=band_set, min_percent=band.min_percent, coefficient=band.coefficient)
            for band in bands
        ]
    )
    activity_record(
        actor=actor,
        action="scorecards.band_set_create",
        target=band_set,
        message=gettext_lazy("Incentive rules from %(month)s for %(scope)s created"),
        params={
            "month": f"{month:%Y-%m}",
            "scope": position.name if position else _("all positions"),
        },
        data={"bands": _band_summary(bands)},
    )
    return band_set


def _guard_not_in_force(band_set: BandSet) -> None:
    if band_set.is_in_force_before(current_month()):
        raise ValidationError(
            _(
                "These rules were in force in a past month and stay as they were paid. "
                "Add new rules from this month instead."
            )
        )


@transaction.atomic
def band_set_update(
    *,
    actor: Any,
    band_set: BandSet,
    effective_from: datetime.date,
    position: Position | None,
    bands: Sequence[BandInput],
    note: str = "",
    expected_updated_at: Revision | None = None,
) -> BandSet:
    locked = edit_lock(BandSet, band_set.pk, expected=expected_updated_at)
    _guard_not_in_force(locked)
    month = _band_set_guard(
        effective_from=effective_from,
        position=position,
        bands=bands,
        band_set=locked,
        allow_past=False,
    )
    before = _band_summary([BandInput(b.min_percent, b.coefficient) for b in locked.bands.all()])
    locked.effective_from = month
    locked.position = position
    locked.note = note.strip()[:300]
    locked.save()
    locked.bands.all().delete()
    Band.objects.bulk_create(
        [
            Band(band_set=locked, min_percent=band.min_percent, coefficient=band.coefficient)
            for band in bands
        ]
    )
    activity_record(
        actor=actor,
        action="scorecards.band_set_update",
        target=locked,
        message=gettext_lazy("Incentive rules from %(month)s for %(scope)s changed"),
        params={
            "month": f"{month:%Y-%m}",
            "scope": position.name if position else _("all positions"),
        },
        data={"before": before, "after": _band_summary(bands)},
    )
    return locked


@transaction.atomic
def band_set_delete(*, actor: Any, band_set: BandSet) -> None:
    locked = BandSet.objects.select_for_update().get(pk=band_set.pk)
    _guard_not_in_force(locked)
    activity_record(
        actor=actor,
        action="scorecards.band_set_delete",
        target=locked,
        message=gettext_lazy("Incentive rules from %(month)s for %(scope)s deleted"),
        params={
            "month": f"{locked.effective_from:%Y-%m}",
            "scope": locked.position.name if locked.position else _("all positions"),
        },
    )
    locked.delete()
