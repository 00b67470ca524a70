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
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from .forms import (
    DepartmentForm,
    EmployeeFilterForm,
    EmployeeForm,
    EmployeeImportForm,
    EmployeeLoginForm,
    PositionForm,
    PositionSearchForm,
    apply_errors,
    version_of,
)
from .imports import (
    COLUMNS,
    ImportFileError,
    preview,
    preview_counts,
    read_employee_csv,
    rows_from_stored,
)
from .models import Activity, Department, Employee, EmployeeImport, Gender, Position, ProgramRole
from .permissions import require_manager
from .selectors import (
    activity_for,
    departments_visible_to,
    employee_search,
    employees_visible_to,
    positions_visible_to,
)
from .services import (
    StaleEditError,
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


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _active_flag(request: HttpRequest) -> bool | None:
    return {"1": True, "0": False}.get(request.POST.get("is_active", ""))


def _stale_form(form_class: Any, request: HttpRequest, instance: Any, **kwargs: Any) -> Any:
    """The typed values again, now based on the saved version, with the conflict explained."""
    instance.refresh_from_db()
    data = request.POST.copy()
    data["updated_at"] = version_of(instance)
    form = form_class(data, instance=instance, **kwargs)
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone else saved a change while you were editing. What is saved now is "
            "shown below; save again to replace it with what you typed, or cancel."
        ),
    )
    return form


def _edit_page(
    request: HttpRequest, *, title: str, form_partial: str, context: dict[str, Any], status: int
) -> HttpResponse:
    """The edit form as a page of its own, for a browser without JavaScript."""
    return render(
        request,
        "roles/edit_page.html",
        {"title": title, "form_partial": form_partial, **context},
        status=status,
    )


# Departments ----------------------------------------------------------------------


@dataclass
class DepartmentNode:
    department: Department
    depth: int
    employee_count: int
    subtree_employee_count: int = 0


def _department_tree(user: Any) -> list[DepartmentNode]:
    """The visible departments in tree order (siblings by name), with active head counts."""
    departments = list(
        departments_visible_to(user)
        .select_related("head")
        .annotate(active_employees=Count("employees", filter=Q(employees__is_active=True)))
    )
    visible_ids = {department.pk for department in departments}
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        key = department.parent_id if department.parent_id in visible_ids else None
        children.setdefault(key, []).append(department)
    for siblings in children.values():
        siblings.sort(key=lambda department: department.name.casefold())

    nodes: list[DepartmentNode] = []

    def walk(parent_id: int | None, depth: int) -> int:
        total = 0
        for department in children.get(parent_id, []):
            node = DepartmentNode(department, depth, department.active_employees)  # type: ignore[attr-defined]
            nodes.append(node)
            node.subtree_employee_count = node.employee_count + walk(department.pk, depth + 1)
            total += node.subtree_employee_count
        return total

    walk(None, 0)
    return nodes


def _department_node(user: Any, department: Department) -> DepartmentNode:
    return next(node for node in _department_tree(user) if node.department.pk == department.pk)


def _department_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("create_form", DepartmentForm(user=request.user))
    context.setdefault("nodes", _department_tree(request.user))
    return render(request, "roles/department_list.html", context, status=status)


def _department_tree_response(
    request: HttpRequest, status: int = 200, **context: Any
) -> HttpResponse:
    response = render(
        request,
        "roles/department_list.html#tree",
        {"nodes": _department_tree(request.user), **context},
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
                    "nodes": _department_tree(request.user),
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
        {"node": _department_node(request.user, department)},
    )


def _department_form_response(
    request: HtmxHttpRequest,
    form: DepartmentForm,
    department: Department,
    status: int = 200,
    saved: Department | None = None,
) -> HttpResponse:
    context = {"form": form, "department": department, "saved": saved}
    if request.htmx:
        return render(request, "roles/department_list.html#edit_row", context, status=status)
    return _edit_page(
        request,
        title=_("Edit department “%(name)s”") % {"name": department.name},
        form_partial="roles/department_list.html#edit_form",
        context=context,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HtmxHttpRequest, department_id: int) -> HttpResponse:
    require_manager(request.user)
    department = get_object_or_404(departments_visible_to(request.user), pk=department_id)
    if request.method == "GET":
        return _department_form_response(
            request, DepartmentForm(user=request.user, instance=department), department
        )
    form = DepartmentForm(request.POST, user=request.user, instance=department)
    if not form.is_valid():
        return _department_form_response(request, form, department, status=422)
    old_parent_id = department.parent_id
    try:
        department = department_update(
            actor=request.user,
            department=department,
            name=form.cleaned_data["name"],
            parent=form.parent_value(),
            head=form.cleaned_data["head"],
            expected_updated_at=form.cleaned_data["updated_at"],
        )
    except StaleEditError:
        form = _stale_form(DepartmentForm, request, department, user=request.user)
        return _department_form_response(request, form, department, status=409, saved=department)
    except ValidationError as error:
        apply_errors(form, error)
        department = get_object_or_404(departments_visible_to(request.user), pk=department_id)
        return _department_form_response(request, form, department, status=422)
    notice = _("Department “%(name)s” saved.") % {"name": department.name}
    if not request.htmx:
        messages.success(request, notice)
        return redirect("roles:department_list")
    if department.parent_id != old_parent_id:
        # A move changes where the row and everything below it sit in the tree.
        return _department_tree_response(request, tree_notice=notice, highlight=department.pk)
    return render(
        request,
        "roles/department_list.html#row",
        {"node": _department_node(request.user, department), "focus_edit": True},
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


def _position_form_response(
    request: HtmxHttpRequest,
    form: PositionForm,
    position: Position,
    status: int = 200,
    saved: Position | None = None,
) -> HttpResponse:
    context = {"form": form, "position": position, "saved": saved}
    if request.htmx:
        return render(request, "roles/position_list.html#edit_row", context, status=status)
    return _edit_page(
        request,
        title=_("Edit position “%(name)s”") % {"name": position.name},
        form_partial="roles/position_list.html#edit_form",
        context=context,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_edit(request: HtmxHttpRequest, position_id: int) -> HttpResponse:
    require_manager(request.user)
    position = get_object_or_404(positions_visible_to(request.user), pk=position_id)
    if request.method == "GET":
        return _position_form_response(
            request, PositionForm(user=request.user, instance=position), position
        )
    form = PositionForm(request.POST, user=request.user, instance=position)
    if not form.is_valid():
        return _position_form_response(request, form, position, status=422)
    try:
        position = position_update(
            actor=request.user,
            position=position,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            expected_updated_at=form.cleaned_data["updated_at"],
        )
    except StaleEditError:
        form = _stale_form(PositionForm, request, position, user=request.user)
        return _position_form_response(request, form, position, status=409, saved=position)
    except ValidationError as error:
        apply_errors(form, error)
        position = get_object_or_404(positions_visible_to(request.user), pk=position_id)
        return _position_form_response(request, form, position, status=422)
    if not request.htmx:
        messages.success(request, _("Position “%(name)s” saved.") % {"name": position.name})
        return redirect("roles:position_list")
    return render(
        request,
        "roles/position_list.html#row",
        {"position": _position_with_count(request.user, position), "focus_edit": True},
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


def _employee_in_scope(request: HttpRequest, employee_id: int) -> Employee:
    return get_object_or_404(employees_visible_to(request.user), pk=employee_id)


@login_required
@require_GET
def employee_row(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    if not request.htmx:
        return redirect("roles:employee_detail", employee_id=employee.pk)
    return render(request, "roles/employee_list.html#row", {"employee": employee})


def _employee_form_response(
    request: HtmxHttpRequest,
    form: EmployeeForm,
    employee: Employee,
    status: int = 200,
    saved: Employee | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "employee": employee,
        "saved": saved,
        "login_form": EmployeeLoginForm(employee=employee),
    }
    if request.htmx:
        return render(request, "roles/employee_list.html#edit_row", context, status=status)
    return _edit_page(
        request,
        title=_("Edit employee “%(name)s”") % {"name": employee.full_name},
        form_partial="roles/employee_list.html#edit_form",
        context=context,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def employee_edit(request: HtmxHttpRequest, employee_id: int) -> HttpResponse:
    require_manager(request.user)
    employee = _employee_in_scope(request, employee_id)
    if request.method == "GET":
        return _employee_form_response(
            request, EmployeeForm(user=request.user, instance=employee), employee
        )
    form = EmployeeForm(request.POST, user=request.user, instance=employee)
    if not form.is_valid():
        return _employee_form_response(request, form, employee, status=422)
    try:
        employee_update(
            actor=request.user,
            employee=employee,
            expected_updated_at=form.cleaned_data["updated_at"],
            **form.service_values(),
        )
    except StaleEditError:
        form = _stale_form(EmployeeForm, request, employee, user=request.user)
        saved = _employee_in_scope(request, employee_id)
        return _employee_form_response(request, form, saved, status=409, saved=saved)
    except ValidationError as error:
        apply_errors(form, error)
        return _employee_form_response(
            request, form, _employee_in_scope(request, employee_id), status=422
        )
    if not request.htmx:
        messages.success(request, _("Employee “%(name)s” saved.") % {"name": employee.full_name})
        return redirect("roles:employee_detail", employee_id=employee.pk)
    return render(
        request,
        "roles/employee_list.html#row",
        {"employee": _employee_in_scope(request, employee_id), "focus_edit": True},
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
    for activity in activity_for(target_type=Employee._meta.label_lower, target_id=employee.pk)[
        :100
    ]:
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


def _import_page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
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
