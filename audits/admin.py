"""Audits in the admin: for looking things up. Every change goes through the pages,
whose services keep the figures, the history and the rules in one place."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin

from .models import Audit, AuditItem, AuditStep, ChecklistTemplate, Dispute, TemplateStep


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TemplateStepInline(ReadOnlyInline):
    model = TemplateStep
    fields = ("order", "step", "situation", "position")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "journey", "version", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [TemplateStepInline]


class AuditStepInline(ReadOnlyInline):
    model = AuditStep
    fields = (
        "order",
        "title",
        "position",
        "employee",
        "employee_unidentified",
        "department",
        "earned",
        "applicable",
    )


class AuditItemInline(ReadOnlyInline):
    model = AuditItem
    fields = ("audit_step", "requirement", "answer", "comment", "answered_at")


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ("template", "department", "auditor", "status", "visited_at", "score")
    list_filter = ("status",)
    search_fields = ("template__name", "department__name", "auditor__username")
    list_select_related = ("template", "department", "auditor")
    inlines = [AuditStepInline, AuditItemInline]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("employee", "item", "status", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("employee", "item__requirement")
