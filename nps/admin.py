"""Admin for NPS: read-only. Changes go through the NPS pages, whose services keep the
rules (single-use invitations, the follow-up history) and record who did what."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ExportJob, Invitation, ProblemTag, Response, ResponseImport, Survey


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "department",
        "step",
        "employee",
        "is_active",
        "active_from",
        "active_until",
    )
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("external_ref", "survey", "employee", "created_at", "answered_at", "expires_at")
    search_fields = ("external_ref",)
    exclude = ("token",)


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "score", "survey", "department", "employee", "follow_up_status")
    list_filter = ("follow_up_status", "source")
    search_fields = ("comment",)
    date_hierarchy = "submitted_at"
    list_select_related = ("survey", "department", "employee")


@admin.register(ProblemTag)
class ProblemTagAdmin(ReadOnlyAdmin):
    list_display = ("name", "is_active")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "requested_by",
        "format",
        "status",
        "rows_total",
        "created_at",
        "expires_at",
    )
    list_filter = ("status", "format")


@admin.register(ResponseImport)
class ResponseImportAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "uploaded_by",
        "status",
        "created_count",
        "unchanged_count",
        "created_at",
    )
    exclude = ("rows",)
