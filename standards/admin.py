"""Admin for the book. Published and archived versions are read-only here too; the
model layer refuses the change anyway, the admin just does not offer it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Acknowledgement,
    AppearanceStandard,
    Book,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    Term,
    VersionStatus,
)


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(BookVersion)
class BookVersionAdmin(admin.ModelAdmin):
    list_display = ["book", "number", "status", "published_at", "published_by"]
    list_filter = ["status", "book"]
    # Status changes only through publishing (a service), never by editing a field.
    readonly_fields = [
        "book",
        "number",
        "status",
        "created_from",
        "created_by",
        "published_at",
        "published_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BookVersion | None = None) -> bool:
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: BookVersion | None = None) -> bool:
        return False


class VersionedContentAdmin(admin.ModelAdmin):
    list_filter = ["version__book", "version__status"]
    readonly_fields = ["lineage_key", "revision"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("version__book")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.version.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.version.is_frozen:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "version"]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "version":
            kwargs["queryset"] = BookVersion.objects.filter(status=VersionStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk delete would run over rows of any version; drafts are edited in the editor.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Term)
class TermAdmin(VersionedContentAdmin):
    list_display = ["term", "version"]
    search_fields = ["term"]


@admin.register(GeneralProvision)
class GeneralProvisionAdmin(VersionedContentAdmin):
    list_display = ["title", "version", "order"]


@admin.register(Principle)
class PrincipleAdmin(VersionedContentAdmin):
    list_display = ["title", "version", "order"]


@admin.register(CommunicationStandard)
class CommunicationStandardAdmin(VersionedContentAdmin):
    list_display = ["__str__", "version", "order"]
    list_select_related = ["version__book", "position", "step", "situation"]


@admin.register(AppearanceStandard)
class AppearanceStandardAdmin(VersionedContentAdmin):
    list_display = ["__str__", "version", "order"]
    list_select_related = ["version__book", "position"]


@admin.register(Requirement)
class RequirementAdmin(VersionedContentAdmin):
    list_display = ["text", "kind", "weight", "critical", "version"]
    list_filter = ["version__book", "version__status", "kind", "critical"]
    search_fields = ["text"]
    raw_id_fields = ["communication_standard", "appearance_standard", "principle"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["employee", "version", "required_at", "acknowledged_at"]
    list_filter = ["version"]
    list_select_related = ["employee", "version__book"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: Acknowledgement | None = None
    ) -> bool:
        return False
