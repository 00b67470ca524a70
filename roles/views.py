"""Manager pages for the organisation: departments, positions, employees, the CSV import.

Every page works as a plain form too; with htmx a row turns into its form in place,
and a save returns the row (422 with the errors and what was typed, 409 when someone
else saved first).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from core.activity import activity_for
from core.forms import apply_errors
from core.models import Activity
from core.types import AuthenticatedHttpRequest, HtmxHttpRequest
from core.views import InlineEdit, inline_edit

from .forms import (
    DepartmentForm,
    EmployeeFilterForm,
    EmployeeForm,
    EmployeeImportForm,
    EmployeeLoginForm,
    PositionForm,
    PositionSearchForm,
)
from .imports import (
    COLUMNS,
    ImportFileError,
    preview,
    preview_counts,
    read_employee_csv,
    rows_from_stored,
)
from .models import Department, Employee, EmployeeImport, Gender, Position, ProgramRole
from .permissions import require_manager
from .selectors import (
    department_node,
    department_tree,
    departments_visible_to,
    employee_search,
    employees_visible_to,
    positions_visible_to,
)
from .services import (
    department_create,
    department_set_active,
    department_update,
    employee_create,
    employee_create_login,
    employee_import_confirm,
    employee_import_create,
    employee_set_active,
    employee_update,
    position_create,
    position_set_active,
    position_update,
)

EMPLOYEES_PER_PAGE = 50


def _active_flag(request: AuthenticatedHttpRequest) -> bool | None:
    return {"1": True, "0": False}.get(request.POST.get("is_active", ""))


# Departments ----------------------------------------------------------------------


def _department_page(
    request: AuthenticatedHttpRequest, status: int = 200, **context: Any
) -> HttpResponse:
    context.setdefault("create_form", DepartmentForm(user=request.user))
    context.setdefault("nodes", department_tree(request.user))
    return render(request, "roles/department_list.html", context, status=status)


def _department_tree_response(
    request: AuthenticatedHttpRequest, status: int = 200, **context: Any
) -> HttpResponse:
    response = render(
        request,
        "roles/department_list.html#tree",
        {"nodes": department_tree(request.user), **context},
        status=status,
    )
    return reswap(retarget(response, "#department-tree"), "outerHTML")


@login_required
@require_GET
def department_list(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    return _department_page(request)


@login_required
@require_POST
def department_create_view(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    form = DepartmentForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            department = department_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                parent=form.parent_value(),
                head=form.cleaned_data["head"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            notice = _("Department “%(name)s” created.") % {"name": department.name}
            if not request.htmx:
                messages.success(request, notice)
                return redirect("roles:department_list")
            return render(
                request,
                "roles/department_list.html#created",
                {
                    "nodes": department_tree(request.user),
                    "create_form": DepartmentForm(user=request.user),
                    "create_open": True,
                    "create_notice": notice,
                    "highlight": department.pk,
                },
            )
    if not request.htmx:
        return _department_page(request, status=422, create_form=form, create_open=True)
    response = render(
        request,
        "roles/department_list.html#create",
        {"create_form": form, "create_open": True},
        status=422,
    )
    return reswap(retarget(response, "#department-create"), "outerHTML")


@login_required
@require_GET
def department_row(request: HtmxHttpRequest, department_id: int) -> HttpResponse:
    require_manager(request.user)
    department = get_object_or_404(departments_visible_to(request.user), pk=department_id)
    if not request.htmx:
        return redirect("roles:department_list")
    return render(
        request,
        "roles/department_list.html#row",
        {"node": department_node(request.user, department)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HtmxHttpRequest, department_id: int) -> HttpResponse:
    require_manager(request.user)
    department = get_object_or_404(departments_visible_to(request.user), pk=department_id)
    form = DepartmentForm(request.POST or None, user=request.user, instance=department)
    old_parent_id = department.parent_id

    def saved(department: Department) -> HttpResponse:
        if department.parent_id != old_parent_id:
            # A move changes where the row and everything below it sit in the tree.
            return _department_tree_response(
                request, tree_notice=_saved_notice(department), highlight=department.pk
            )
        return render(
            request,
            "roles/department_list.html#row",
            {"node": department_node(request.user, department), "focus_edit": True},
        )

    def _saved_notice(department: Department) -> str:
        return _("Department “%(name)s” saved.") % {"name": department.name}

    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="roles/department_list.html#edit_row",
            page_template="roles/department_list.html#edit_form",
            title=_("Edit department “%(name)s”") % {"name": department.name},
            context={"department": department},
            save=lambda data: department_update(
                actor=request.user,
                department=department,
                name=data["name"],
                parent=form.parent_value(),
                head=data["head"],
                expected_updated_at=form.expected_revision,
            ),
            saved=saved,
            done_url=lambda _department: reverse("roles:department_list"),
            done_message=_saved_notice,
        ),
    )


@login_required
@require_POST
def department_set_active_view(request: HtmxHttpRequest, department_id: int) -> HttpResponse:
    require_manager(request.user)
    department = get_object_or_404(departments_visible_to(request.user), pk=department_id)
    is_active = _active_flag(request)
    if is_active is None:
        return HttpResponseBadRequest()
    try:
        department_set_active(actor=request.user, department=department, is_active=is_active)
    except ValidationError as error:
        message = " ".join(error.messages)
        if not request.htmx:
            messages.error(request, message)
            return redirect("roles:department_list")
        return _department_tree_response(
            request, status=422, error_for=department.pk, row_error=message
        )
    notice = (
        _("Department “%(name)s” reactivated.")
        if is_active
        else _("Department “%(name)s” deactivated.")
    ) % {"name": department.name}
    if not request.htmx:
        messages.success(request, notice)
        return redirect("roles:department_list")
    return _department_tree_response(request, tree_notice=notice, highlight=department.pk)


# Positions ------------------------------------------------------------------------


def _positions(user: Any) -> QuerySet[Position]:
    """Positions with how many active employees hold each in the user's part."""
    return (
        positions_visible_to(user)
        .annotate(
            employee_count=Count(
                "employees",
                filter=Q(
                    employees__is_active=True,
                    employees__department__in=departments_visible_to(user),
                ),
            )
        )
        .order_by("name", "id")
    )


def _position_with_count(user: Any, position: Position) -> Position:
    return _positions(user).get(pk=position.pk)


@login_required
@require_GET
def position_list(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    search = PositionSearchForm(request.GET or None)
    query = search.cleaned_data.get("q", "") if search.is_valid() else ""
    positions = _positions(request.user)
    if query.strip():
        positions = positions.filter(
            Q(name__icontains=query.strip()) | Q(description__icontains=query.strip())
        )
    context = {"positions": positions, "query": query, "search_form": search}
    if request.htmx:
        return render(request, "roles/position_list.html#results", context)
    context["create_form"] = PositionForm(user=request.user)
    return render(request, "roles/position_list.html", context)


@login_required
@require_POST
def position_create_view(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    form = PositionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            position = position_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            notice = _("Position “%(name)s” created.") % {"name": position.name}
            if not request.htmx:
                messages.success(request, notice)
                return redirect("roles:position_list")
            return render(
                request,
                "roles/position_list.html#created",
                {
                    "position": _position_with_count(request.user, position),
                    "create_form": PositionForm(user=request.user),
                    "create_open": True,
                    "create_notice": notice,
                    "highlight": position.pk,
                },
            )
    if not request.htmx:
        context = {
            "positions": _positions(request.user),
            "search_form": PositionSearchForm(),
            "create_form": form,
            "create_open": True,
        }
        return render(request, "roles/position_list.html", context, status=422)
    response = render(
        request,
        "roles/position_list.html#create",
        {"create_form": form, "create_open": True},
        status=422,
    )
    return reswap(retarget(response, "#position-create"), "outerHTML")


@login_required
@require_GET
def position_row(request: HtmxHttpRequest, position_id: int) -> HttpResponse:
    require_manager(request.user)
    position = get_object_or_404(_positions(request.user), pk=position_id)
    if not request.htmx:
        return redirect("roles:position_list")
    return render(request, "roles/position_list.html#row", {"position": position})


@login_required
@require_http_methods(["GET", "POST"])
def position_edit(request: HtmxHttpRequest, position_id: int) -> HttpResponse:
    require_manager(request.user)
    position = get_object_or_404(positions_visible_to(request.user), pk=position_id)
    form = PositionForm(request.POST or None, user=request.user, instance=position)
    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="roles/position_list.html#edit_row",
            page_template="roles/position_list.html#edit_form",
            title=_("Edit position “%(name)s”") % {"name": position.name},
            context={"position": position},
            save=lambda data: position_update(
                actor=request.user,
                position=position,
                name=data["name"],
                description=data["description"],
                expected_updated_at=form.expected_revision,
            ),
            saved=lambda position: render(
                request,
                "roles/position_list.html#row",
                {"position": _position_with_count(request.user, position), "focus_edit": True},
            ),
            done_url=lambda _position: reverse("roles:position_list"),
            done_message=lambda position: _("Position “%(name)s” saved.") % {"name": position.name},
        ),
    )


@login_required
@require_POST
def position_set_active_view(request: HtmxHttpRequest, position_id: int) -> HttpResponse:
    require_manager(request.user)
    position = get_object_or_404(positions_visible_to(request.user), pk=position_id)
    is_active = _active_flag(request)
    if is_active is None:
        return HttpResponseBadRequest()
    status, context = 200, {}
    try:
        position_set_active(actor=request.user, position=position, is_active=is_active)
    except ValidationError as error:
        position.refresh_from_db()
        status, context = 422, {"row_error": " ".join(error.messages)}
        if not request.htmx:
            messages.error(request, context["row_error"])
            return redirect("roles:position_list")
    if not request.htmx:
        messages.success(
            request,
            (
                _("Position “%(name)s” reactivated.")
                if is_active
                else _("Position “%(name)s” deactivated.")
            )
            % {"name": position.name},
        )
        return redirect("roles:position_list")
    return render(
        request,
        "roles/position_list.html#row",
        {"position": _position_with_count(request.user, position), **context},
        status=status,
    )


# Employees ------------------------------------------------------------------------


def _filtered_employees(user: Any, filters: dict[str, Any]) -> QuerySet[Employee]:
    employees = employee_search(queryset=employees_visible_to(user), query=filters["query"])
    department: Department | None = filters["department"]
    if department is not None:
        employees = employees.filter(department__path__startswith=department.path)
    if filters["position"] is not None:
        employees = employees.filter(position=filters["position"])
    if filters["status"] == "active":
        employees = employees.filter(is_active=True)
    elif filters["status"] == "inactive":
        employees = employees.filter(is_active=False)
    return employees


@login_required
@require_GET
def employee_list(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    filter_form = EmployeeFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters()
    page = Paginator(_filtered_employees(request.user, filters), EMPLOYEES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "page": page,
        "filter_form": filter_form,
        "filtered": any((filters["query"], filters["department"], filters["position"]))
        or filters["status"] != "active",
    }
    if request.htmx:
        return render(request, "roles/employee_list.html#results", context)
    context["create_form"] = EmployeeForm(user=request.user)
    return render(request, "roles/employee_list.html", context)


@login_required
@require_POST
def employee_create_view(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    form = EmployeeForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            employee = employee_create(actor=request.user, **form.service_values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            notice = _("Employee “%(name)s” added.") % {"name": employee.full_name}
            if not request.htmx:
                messages.success(request, notice)
                return redirect("roles:employee_detail", employee_id=employee.pk)
            return render(
                request,
                "roles/employee_list.html#created",
                {
                    "employee": employees_visible_to(request.user).get(pk=employee.pk),
                    "create_form": EmployeeForm(user=request.user),
                    "create_open": True,
                    "create_notice": notice,
                    "highlight": employee.pk,
                },
            )
    if not request.htmx:
        filter_form = EmployeeFilterForm(user=request.user)
        context = {
            "page": Paginator(
                _filtered_employees(request.user, filter_form.filters()), EMPLOYEES_PER_PAGE
            ).get_page(1),
            "filter_form": filter_form,
            "create_form": form,
            "create_open": True,
        }
        return render(request, "roles/employee_list.html", context, status=422)
    response = render(
        request,
        "roles/employee_list.html#create",
        {"create_form": form, "create_open": True},
        status=422,
    )
    return reswap(retarget(response, "#employee-create"), "outerHTML")


def _employee_in_scope(request: AuthenticatedHttpRequest, employee_id: int) -> Employee:
    return get_object_or_404(employees_visible_to(request.user), pk=employee_id)


@login_required
@require_GET
def employee_row(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    if not request.htmx:
        return redirect("roles:employee_detail", employee_id=employee.pk)
    return render(request, "roles/employee_list.html#row", {"employee": employee})


@login_required
@require_http_methods(["GET", "POST"])
def employee_edit(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    form = EmployeeForm(request.POST or None, user=request.user, instance=employee)
    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="roles/employee_list.html#edit_row",
            page_template="roles/employee_list.html#edit_form",
            title=_("Edit employee “%(name)s”") % {"name": employee.full_name},
            context={"employee": employee, "login_form": EmployeeLoginForm(employee=employee)},
            save=lambda data: employee_update(
                actor=request.user,
                employee=employee,
                expected_updated_at=form.expected_revision,
                **form.service_values(),
            ),
            saved=lambda employee: render(
                request,
                "roles/employee_list.html#row",
                {"employee": _employee_in_scope(request, employee.pk), "focus_edit": True},
            ),
            done_url=lambda employee: reverse("roles:employee_detail", args=[employee.pk]),
            done_message=lambda employee: (
                _("Employee “%(name)s” saved.") % {"name": employee.full_name}
            ),
        ),
    )


@login_required
@require_POST
def employee_set_active_view(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    is_active = _active_flag(request)
    if is_active is None:
        return HttpResponseBadRequest()
    try:
        employee_set_active(actor=request.user, employee=employee, is_active=is_active)
    except ValidationError as error:
        message = " ".join(error.messages)
        if not request.htmx:
            messages.error(request, message)
            return redirect("roles:employee_detail", employee_id=employee.pk)
        return render(
            request,
            "roles/employee_list.html#row",
            {"employee": _employee_in_scope(request, employee_id), "row_error": message},
            status=422,
        )
    if not request.htmx:
        messages.success(
            request,
            (
                _("Employee “%(name)s” reactivated.")
                if is_active
                else _("Employee “%(name)s” deactivated.")
            )
            % {"name": employee.full_name},
        )
        return redirect("roles:employee_detail", employee_id=employee.pk)
    return render(
        request,
        "roles/employee_list.html#row",
        {"employee": _employee_in_scope(request, employee_id), "focus_toggle": True},
    )


def _login_context(employee: Employee) -> dict[str, Any]:
    roles: list[str] = []
    if employee.user is not None:
        labels = dict(ProgramRole.choices)
        roles = [
            str(labels.get(name, name))
            for name in employee.user.groups.order_by("name").values_list("name", flat=True)
        ]
    return {"employee": employee, "login_roles": roles}


@dataclass(frozen=True)
class HistoryEntry:
    activity: Activity
    changes: list[tuple[str, str, str]]


def _history_value(field: str, value: str) -> str:
    if value in ("", "None"):
        return "—"
    if field == "gender" and value in Gender.values:
        return str(Gender(value).label)
    if field == "is_active":
        return _("yes") if value == "True" else _("no")
    return value


def _employee_history(employee: Employee) -> list[HistoryEntry]:
    """The employee's activity, newest first, with field names people can read."""
    entries = []
    for activity in activity_for(employee)[:100]:
        raw = activity.data.get("changes", {}) if isinstance(activity.data, dict) else {}
        changes = []
        for field, values in raw.items():
            try:
                label = str(getattr(Employee._meta.get_field(field), "verbose_name", field))
            except FieldDoesNotExist:
                label = field
            old, new = [*values, "", ""][:2]
            changes.append((label, _history_value(field, old), _history_value(field, new)))
        entries.append(HistoryEntry(activity, changes))
    return entries


@login_required
@require_GET
def employee_detail(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    return render(
        request,
        "roles/employee_detail.html",
        {
            **_login_context(employee),
            "history": _employee_history(employee),
            "login_form": EmployeeLoginForm(employee=employee),
        },
    )


@login_required
@require_POST
def employee_login_create(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    form = EmployeeLoginForm(request.POST, employee=employee)
    if form.is_valid():
        try:
            employee_create_login(
                actor=request.user,
                employee=employee,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                roles=form.cleaned_data["roles"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            notice = _("Login “%(login)s” created for %(name)s.") % {
                "login": form.cleaned_data["username"],
                "name": employee.full_name,
            }
            if not request.htmx:
                messages.success(request, notice)
                return redirect("roles:employee_detail", employee_id=employee.pk)
            employee = _employee_in_scope(request, employee_id)
            return render(
                request,
                "roles/employee_detail.html#login",
                {**_login_context(employee), "login_notice": notice},
            )
    context = {**_login_context(employee), "login_form": form}
    if request.htmx:
        return render(request, "roles/employee_detail.html#login", context, status=422)
    return render(
        request,
        "roles/employee_detail.html",
        {**context, "history": _employee_history(employee)},
        status=422,
    )


# Employee CSV import -----------------------------------------------------------------


def _imports_visible_to(user: Any) -> QuerySet[EmployeeImport]:
    """A manager sees their own imports: the rows were checked against their scope."""
    imports = EmployeeImport.objects.select_related("uploaded_by")
    if getattr(user, "is_superuser", False):
        return imports
    return imports.filter(uploaded_by=user)


def _import_page(
    request: AuthenticatedHttpRequest, status: int = 200, **context: Any
) -> HttpResponse:
    context.setdefault("form", EmployeeImportForm())
    context["recent_imports"] = _imports_visible_to(request.user)[:10]
    context["columns"] = COLUMNS
    context["max_rows"] = settings.EMPLOYEE_IMPORT_MAX_ROWS
    return render(request, "roles/import_upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def employee_import_upload(request: HtmxHttpRequest) -> HttpResponse:
    require_manager(request.user)
    if request.method == "GET":
        return _import_page(request)
    form = EmployeeImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, status=422, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        rows = read_employee_csv(data=data, user=request.user)
    except ImportFileError as error:
        form.add_error("file", error.message)
        return _import_page(request, status=422, form=form)
    preview_rows = preview(rows)
    counts = preview_counts(preview_rows)
    if counts["error"]:
        return _import_page(
            request,
            status=422,
            form=form,
            file_name=upload.name,
            preview_rows=preview_rows,
            counts=counts,
        )
    employee_import = employee_import_create(
        actor=request.user,
        file_name=upload.name,
        checksum=hashlib.sha256(data).hexdigest(),
        rows=[row.values for row in rows if row.values is not None],
    )
    return redirect("roles:employee_import_detail", import_id=employee_import.pk)


@login_required
@require_GET
def employee_import_detail(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    require_manager(request.user)
    employee_import = get_object_or_404(_imports_visible_to(request.user), pk=import_id)
    context: dict[str, Any] = {
        "employee_import": employee_import,
        "file_name": employee_import.file_name,
    }
    if request.htmx:
        return render(request, "roles/import_detail.html#status", context)
    if employee_import.status == EmployeeImport.Status.PREVIEWED:
        preview_rows = preview(rows_from_stored(employee_import.rows))
        context.update(
            preview_rows=preview_rows,
            counts=preview_counts(preview_rows),
            same_file=_imports_visible_to(request.user)
            .filter(checksum=employee_import.checksum, status=EmployeeImport.Status.DONE)
            .exclude(pk=employee_import.pk)
            .first(),
        )
    return render(request, "roles/import_detail.html", context)


@login_required
@require_POST
def employee_import_confirm_view(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    require_manager(request.user)
    employee_import = get_object_or_404(_imports_visible_to(request.user), pk=import_id)
    try:
        employee_import_confirm(actor=request.user, employee_import=employee_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("roles:employee_import_detail", import_id=employee_import.pk)


@login_required
@require_GET
def employee_import_template(request: HtmxHttpRequest) -> HttpResponse:
    """A CSV to fill in: the header and one example row from the manager's organisation."""
    require_manager(request.user)
    department = departments_visible_to(request.user).filter(is_active=True).order_by("path").last()
    position = Position.objects.filter(is_active=True).order_by("name").first()
    # Russian Excel splits on semicolons and needs the BOM to read UTF-8.
    delimiter = ";" if (get_language() or "").startswith("ru") else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "E-1001",
            _("Anna Smith"),
            department.name if department else _("Sales"),
            position.name if position else _("Salesperson"),
            Gender.FEMALE.value,
            timezone.localdate().isoformat(),
            "anna.smith@example.com",
            "yes",
        ]
    )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="employees-template.csv"'
    return response
