"""Manager pages for the organisation: departments, positions, employees."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .permissions import require_manager
from .selectors import departments_visible_to, employee_search, employees_visible_to, positions_visible_to


@login_required
def employee_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    query = request.GET.get("q", "")
    employees = employee_search(queryset=employees_visible_to(request.user), query=query)
    return render(request, "roles/employee_list.html", {"employees": employees, "query": query})


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    departments = departments_visible_to(request.user).select_related("head", "parent")
    return render(request, "roles/department_list.html", {"departments": departments})


@login_required
def position_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    positions = positions_visible_to(request.user)
    return render(request, "roles/position_list.html", {"positions": positions})
