"""Pages that belong to no single app: the start page and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from core.models import Activity
from journeys.permissions import can_read_journeys
from journeys.selectors import journeys_list, position_duties
from roles.models import ProgramRole
from roles.permissions import employee_of, has_role, is_manager, manager_sees_everything
from roles.selectors import departments_visible_to, employees_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on what it uses: managers on their organisation, staff on their duties."""
    user = request.user
    employee = employee_of(user)
    context: dict[str, object] = {"employee": employee}
    if is_manager(user):
        departments = departments_visible_to(user)
        employees = employees_visible_to(user)
        context.update(
            department_count=departments.count(),
            employee_count=employees.filter(is_active=True).count(),
            # A manager of one branch sees only their own changes; the company-wide
            # manager sees everybody's.
            recent_activity=(
                Activity.objects.all()
                if manager_sees_everything(user)
                else Activity.objects.filter(actor_id=user.pk)
            ).select_related("actor")[:8],
        )
    if can_read_journeys(user):
        context["journeys"] = list(journeys_list().filter(is_active=True))
    if employee is not None:
        context["duties"] = position_duties(employee.position)
    context["is_api_client_only"] = has_role(user, ProgramRole.API_CLIENT) and not (
        is_manager(user) or has_role(user, ProgramRole.AUDITOR) or has_role(user, ProgramRole.STAFF)
    )
    return render(request, "home.html", context)


def _error(request: HttpRequest, status: int, title: str, explanation: str) -> HttpResponse:
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "explanation": explanation},
        status=status,
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        _("Not available to you"),
        _("Your role does not give access to this page. Ask a manager if you need it."),
    )


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        _("Page not found"),
        _("There is no such page, or it is not yours to see."),
    )


def error_500(request: HttpRequest) -> HttpResponse:
    # A bare template with no context: whatever broke may break a richer page too.
    return HttpResponseServerError(loader.get_template("500.html").render())
