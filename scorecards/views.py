"""Scorecard pages: the staff scorecard, the manager dashboard and its drill-downs, the
incentive rules, the payroll CSV and the recompute button.

Every page reads the stored figures (scorecards.selectors); nothing is aggregated on
a page view. htmx asks for named partials of the same templates.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.edits import EditConflict
from core.forms import apply_errors
from core.types import AuthenticatedHttpRequest
from core.views import is_htmx
from roles.models import Department, Employee
from roles.permissions import employee_of, is_manager, manager_root_department

from . import payroll, selectors, services
from .charts import Point, compliance_chart
from .forms import BandSetForm, DashboardForm, MonthForm
from .models import BandSet, RecomputeRun
from .months import (
    HISTORY_MONTHS,
    add_months,
    current_month,
    month_bounds,
    month_param,
    recent_months,
)
from .permissions import (
    can_edit_bands,
    department_in_scope_or_404,
    departments_in_scope,
    own_employee_or_403,
    require_band_editor,
    require_dashboard_reader,
    scorecard_employee_or_404,
)

TOP_LIMIT = 10
DRILL_PAGE_SIZE = 50


def _month_from(form: MonthForm) -> datetime.date:
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return month or current_month()


def _month_links(route: str, month: datetime.date, **kwargs: Any) -> dict[str, Any]:
    """Previous / next month links keeping the other query parameters."""
    extra = {key: value for key, value in kwargs.items() if value is not None}

    def link(target: datetime.date) -> str:
        return f"{route}?{urlencode({'month': month_param(target), **extra})}"

    following = add_months(month, 1)
    return {
        "previous_url": link(add_months(month, -1)),
        "next_url": link(following) if following <= current_month() else None,
    }


def _responses_url(*, month: datetime.date, **filters: Any) -> str:
    start, end = month_bounds(month)
    last_day = end.date() - datetime.timedelta(days=1)
    query = {"date_from": start.date().isoformat(), "date_to": last_day.isoformat()}
    query.update({key: value for key, value in filters.items() if value is not None})
    return f"{reverse('nps:responses')}?{urlencode(query)}"


# The staff scorecard ------------------------------------------------------------------------


def _scorecard(request: AuthenticatedHttpRequest, employee: Employee, *, own: bool) -> HttpResponse:
    form = MonthForm(request.GET or None)
    month = _month_from(form)
    months = recent_months(HISTORY_MONTHS, until=month)
    history = selectors.employee_history(employee, months)
    figures = history.get(month)
    rules = selectors.incentive_rules()
    incentive = rules.incentive(figures, position_id=employee.position_id, month=month)
    steps = list(selectors.steps_observed(employee, month))
    audits: dict[int, dict[str, Any]] = {}
    for step in steps:
        entry = audits.setdefault(step.audit_id, {"audit": step.audit, "steps": []})
        entry["steps"].append(step)
    failures = list(selectors.answers_failed(employee, month))
    context = {
        "employee": employee,
        "own": own,
        "form": form,
        "month": month,
        "figures": figures,
        "incentive": incentive,
        "chart": compliance_chart(
            [
                Point(
                    month=item,
                    value=history[item].percent if item in history else None,
                    current=item == month,
                )
                for item in months
            ],
            title=_("Compliance per month"),
        ),
        "audits": list(audits.values()),
        "failures": failures,
        "disputes": list(selectors.open_disputes(employee)),
        "pending": selectors.pending_buckets(month=month) if figures is None else 0,
        "responses_url": (
            _responses_url(month=month, employee=employee.pk) if is_manager(request.user) else None
        ),
        **_month_links(request.path, month),
    }
    status = 422 if form.is_bound and not form.is_valid() else 200
    return render(request, "scorecards/scorecard.html", context, status=status)


@login_required
@require_GET
def my_scorecard(request: AuthenticatedHttpRequest) -> HttpResponse:
    employee = own_employee_or_403(request.user)
    return _scorecard(request, employee, own=True)


@login_required
@require_GET
def employee_scorecard(request: AuthenticatedHttpRequest, employee_id: int) -> HttpResponse:
    employee = scorecard_employee_or_404(request.user, employee_id)
    own = (mine := employee_of(request.user)) is not None and mine.pk == employee.pk
    return _scorecard(request, employee, own=own)


# The manager dashboard -----------------------------------------------------------------------


def _default_department(user: Any, scope: Any) -> Department | None:
    root = manager_root_department(user)
    if root is not None and scope.filter(pk=root.pk).exists():
        return root
    return scope.order_by("path").first()


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_dashboard_reader(request.user)
    scope = departments_in_scope(request.user)
    form = DashboardForm(request.GET or None, departments=scope)
    valid = form.is_valid() if form.is_bound else True
    month = (form.cleaned_data.get("month") if valid and form.is_bound else None) or current_month()
    department = (form.cleaned_data.get("department") if valid and form.is_bound else None) or (
        _default_department(request.user, scope)
    )
    if not form.is_bound:
        form = DashboardForm(initial={"month": month, "department": department}, departments=scope)
    context: dict[str, Any] = {
        "form": form,
        "month": month,
        "department": department,
        "can_edit_bands": can_edit_bands(request.user),
        "run": selectors.latest_run(),
        "pending": selectors.pending_buckets(month=month),
    }
    if department is not None:
        tree = selectors.department_tree(request.user, month)
        months = recent_months(HISTORY_MONTHS, until=month)
        history = selectors.department_history(department, months)
        rules = selectors.incentive_rules()
        rows = selectors.employee_rows(
            employees=selectors.employees_of_subtree(request.user, department),
            month=month,
            rules=rules,
        )
        focus = history.get(month)
        previous = history.get(add_months(month, -1))
        start, end = month_bounds(month)
        context.update(
            tree=tree,
            focus=focus,
            focus_change=(
                focus.percent - previous.percent
                if focus and previous and focus.percent is not None and previous.percent is not None
                else None
            ),
            date_from=start.date().isoformat(),
            date_to=(end.date() - datetime.timedelta(days=1)).isoformat(),
            chart=compliance_chart(
                [
                    Point(
                        month=item,
                        value=history[item].percent if item in history else None,
                        current=item == month,
                    )
                    for item in months
                ],
                title=_("Compliance of %(department)s per month") % {"department": department.name},
            ),
            ranking=selectors.ranked([row for row in rows if row.figures is not None]),
            without_figures=[row.employee for row in rows if row.figures is None],
            requirements=selectors.requirements_failed(
                department=department, month=month, limit=TOP_LIMIT
            ),
            tags=selectors.department_tags(department=department, month=month, limit=TOP_LIMIT),
            steps=selectors.department_steps(department=department, month=month),
            responses_url=_responses_url(month=month, department=department.pk),
            detractors_url=_responses_url(
                month=month, department=department.pk, category="detractor"
            ),
            **_month_links(request.path, month, department=department.pk),
        )
    status = 422 if not valid else 200
    return render(request, "scorecards/dashboard.html", context, status=status)


@login_required
@require_GET
def department_audits(request: AuthenticatedHttpRequest, department_id: int) -> HttpResponse:
    """Drill-down: the audit steps behind a department's figure for a month."""
    department = department_in_scope_or_404(request.user, department_id)
    form = MonthForm(request.GET or None)
    month = _month_from(form)
    requirement_id = request.GET.get("requirement")
    requirement = None
    if requirement_id and requirement_id.isdigit():
        requirement = selectors.requirement_or_none(int(requirement_id))
    steps = selectors.steps_behind_department(
        department, month, requirement_id=requirement.pk if requirement else None
    )
    page = Paginator(steps, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "scorecards/department_audits.html",
        {
            "department": department,
            "month": month,
            "figures": selectors.department_history(department, [month]).get(month),
            "requirement": requirement,
            "page": page,
            "query": query.urlencode(),
            "responses_url": _responses_url(month=month, department=department.pk),
            "dashboard_url": f"{reverse('scorecards:dashboard')}?"
            + urlencode({"month": month_param(month), "department": str(department.pk)}),
        },
        status=422 if form.is_bound and not form.is_valid() else 200,
    )


# Recompute -----------------------------------------------------------------------------------


def _run_partial(
    request: AuthenticatedHttpRequest, run: RecomputeRun | None, status: int = 200
) -> HttpResponse:
    return render(request, "scorecards/dashboard.html#recompute", {"run": run}, status=status)


@login_required
@require_POST
def recompute_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_dashboard_reader(request.user)
    try:
        run = services.recompute_run_start(actor=request.user)
        status = 202
    except services.RecomputeAlreadyRunning as running:
        run = running.run
        status = 409
    # Without a broker the run has already finished in this request: show that.
    run.refresh_from_db()
    if is_htmx(request):
        return _run_partial(request, run, status=status)
    if status == 409:
        messages.info(request, _("A recompute is already under way."))
    else:
        messages.success(request, _("The recompute has started."))
    return redirect("scorecards:dashboard")


@login_required
@require_GET
def recompute_status(request: AuthenticatedHttpRequest, run_id: int) -> HttpResponse:
    require_dashboard_reader(request.user)
    run = get_object_or_404(RecomputeRun.objects.select_related("requested_by"), pk=run_id)
    return _run_partial(request, run)


# Payroll -------------------------------------------------------------------------------------


@login_required
@require_GET
def payroll_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_dashboard_reader(request.user)
    scope = departments_in_scope(request.user)
    form = DashboardForm(request.GET or None, departments=scope)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "scorecards/payroll_error.html",
            {"form": form},
            status=422,
        )
    month = (form.cleaned_data.get("month") if form.is_bound else None) or current_month()
    department = form.cleaned_data.get("department") if form.is_bound else None
    rows = selectors.payroll_rows(user=request.user, month=month, department=department)
    response = HttpResponse(payroll.csv_text(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{payroll.file_name(month)}"'
    return response


# Incentive rules -------------------------------------------------------------------------------


def _with_upper(bands: list[Any]) -> list[tuple[Any, Any]]:
    """Bands, highest first, each with the floor of the band above it (None at the top)."""
    return [
        (band, bands[index - 1].min_percent if index else None) for index, band in enumerate(bands)
    ]


def _bands_page(
    request: AuthenticatedHttpRequest,
    *,
    form: BandSetForm | None = None,
    status: int = 200,
    editing: BandSet | None = None,
    conflict: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    this_month = current_month()
    sets = list(selectors.band_sets())
    editable = can_edit_bands(request.user)
    return render(
        request,
        "scorecards/bands.html",
        {
            "band_sets": [
                {
                    "band_set": band_set,
                    "bands": _with_upper(list(band_set.bands.all())),
                    "frozen": band_set.is_in_force_before(this_month),
                }
                for band_set in sets
            ],
            "form": form
            if form is not None
            else (BandSetForm(initial={"effective_from": this_month}) if editable else None),
            "editing": editing,
            "conflict": conflict,
            "can_edit": editable,
            "this_month": this_month,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def bands(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_dashboard_reader(request.user)
    if request.method == "GET":
        return _bands_page(request)
    require_band_editor(request.user)
    form = BandSetForm(request.POST)
    if not form.is_valid():
        return _bands_page(request, form=form, status=422)
    try:
        services.band_set_create(
            actor=request.user,
            effective_from=form.cleaned_data["effective_from"],
            position=form.cleaned_data["position"],
            bands=form.cleaned_data["bands"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        apply_errors(form, error)
        return _bands_page(request, form=form, status=422)
    messages.success(request, _("The incentive rules are saved."))
    return redirect("scorecards:bands")


@login_required
@require_http_methods(["GET", "POST"])
def band_edit(request: AuthenticatedHttpRequest, band_set_id: int) -> HttpResponse:
    require_band_editor(request.user)
    band_set = get_object_or_404(selectors.band_sets(), pk=band_set_id)
    if band_set.is_in_force_before(current_month()):
        messages.error(
            request,
            _(
                "These rules were in force in a past month and stay as they were paid. Add new rules instead."
            ),
        )
        return redirect("scorecards:bands")
    if request.method == "GET":
        form = BandSetForm(instance=band_set)
        return _bands_page(request, form=form, editing=band_set)
    form = BandSetForm(request.POST, instance=band_set)
    if not form.is_valid():
        return _bands_page(request, form=form, editing=band_set, status=422)
    try:
        services.band_set_update(
            actor=request.user,
            band_set=band_set,
            effective_from=form.cleaned_data["effective_from"],
            position=form.cleaned_data["position"],
            bands=form.cleaned_data["bands"],
            note=form.cleaned_data["note"],
            expected_updated_at=form.expected_revision,
        )
    except EditConflict as error:
        conflict = form.rebase(error.current)
        return _bands_page(request, form=form, editing=band_set, status=409, conflict=conflict)
    except ValidationError as error:
        apply_errors(form, error)
        return _bands_page(request, form=form, editing=band_set, status=422)
    messages.success(request, _("The incentive rules are saved."))
    return redirect("scorecards:bands")


@login_required
@require_POST
def band_delete(request: AuthenticatedHttpRequest, band_set_id: int) -> HttpResponse:
    require_band_editor(request.user)
    band_set = get_object_or_404(BandSet, pk=band_set_id)
    try:
        services.band_set_delete(actor=request.user, band_set=band_set)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("scorecards:bands")
    messages.success(request, _("The incentive rules are deleted."))
    return redirect("scorecards:bands")
