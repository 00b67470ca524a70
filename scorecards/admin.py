"""Read-only admin for the stored figures and the incentive rules.

Figures are written by the rollup only, and rules through the incentive rules page
(which keeps past months as they were paid), so the admin shows and never edits.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin

from .models import (
    Band,
    BandSet,
    Bucket,
    DepartmentMonth,
    EmployeeMonth,
    RecomputeRun,
)


class BandInline(admin.TabularInline):
    model = Band
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BandSet)
class BandSetAdmin(ReadOnlyAdmin):
    list_display = ["effective_from", "position", "note", "created_by", "updated_at"]
    list_filter = ["position"]
    inlines = [BandInline]


@admin.register(EmployeeMonth)
class EmployeeMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "employee",
        "month",
        "earned",
        "applicable",
        "answers",
        "audits",
        "promoters",
        "passives",
        "detractors",
        "computed_at",
    ]
    list_filter = ["month"]
    list_select_related = ["employee"]
    search_fields = ["employee__full_name", "employee__personnel_number"]


@admin.register(DepartmentMonth)
class DepartmentMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "department",
        "month",
        "earned",
        "applicable",
        "answers",
        "audits",
        "promoters",
        "passives",
        "detractors",
        "computed_at",
    ]
    list_filter = ["month", "subtree"]
    list_select_related = ["department"]


@admin.register(Bucket)
class BucketAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "subject_id",
        "month",
        "generation",
        "computed_generation",
        "stale_since",
        "computed_at",
    ]
    list_filter = ["kind", "month"]


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "status",
        "requested_by",
        "months_done",
        "buckets_written",
        "buckets_skipped",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
