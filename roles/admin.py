"""Admin for the organisation. Saves go through the services, so the rules and the
activity history hold here too; the history and the imports are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdmin
from core.types import actor_of

from . import services
from .models import Department, Employee, EmployeeImport, Position


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "head", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "parent", "head")
    autocomplete_fields = ("parent", "head")
    ordering = ("path",)

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        if change:
            saved = Department.objects.get(pk=obj.pk)
            services.department_update(
                actor=actor_of(request),
                department=saved,
                name=obj.name,
                parent=obj.parent,
                head=obj.head,
            )
        else:
            created = services.department_create(
                actor=actor_of(request), name=obj.name, parent=obj.parent, head=obj.head
            )
            obj.pk = created.pk
            obj.path = created.path


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    fields = ("name", "description")

    def save_model(self, request: HttpRequest, obj: Position, form: Any, change: bool) -> None:
        if change:
            saved = Position.objects.get(pk=obj.pk)
            services.position_update(
                actor=actor_of(request), position=saved, name=obj.name, description=obj.description
            )
        else:
            obj.pk = services.position_create(
                actor=actor_of(request), name=obj.name, description=obj.description
            ).pk


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("full_name", "personnel_number", "department", "position", "user", "is_active")
    list_filter = ("is_active", "gender", "position")
    list_select_related = ("department", "position", "user")
    search_fields = ("full_name", "personnel_number", "email", "department__name", "position__name")
    fields = (
        "personnel_number",
        "full_name",
        "department",
        "position",
        "gender",
        "hire_date",
        "email",
        "user",
    )
    readonly_fields = ("user",)
    autocomplete_fields = ("department", "position")

    def save_model(self, request: HttpRequest, obj: Employee, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in services.EMPLOYEE_FIELDS}
        if change:
            saved = Employee.objects.get(pk=obj.pk)
            services.employee_update(
                actor=actor_of(request),
                employee=saved,
                personnel_number=obj.personnel_number,
                **values,
            )
        else:
            obj.pk = services.employee_create(
                actor=actor_of(request), personnel_number=obj.personnel_number, **values
            ).pk


@admin.register(EmployeeImport)
class EmployeeImportAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "uploaded_by",
        "status",
        "created_count",
        "updated_count",
        "unchanged_count",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)
    list_select_related = ("uploaded_by",)
    exclude = ("rows",)
