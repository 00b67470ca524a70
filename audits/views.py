"""Audit pages: templates, assignments, the auditor's form, reports, disputes, photos.

The auditor's form works as one ordinary form (save, submit) without JavaScript;
with it, static/audits/audit-form.js saves each answer as it is given through the
small per-answer endpoints below and keeps unsent answers on the phone.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.activity import activity_for
from core.edits import EditConflict
from core.forms import apply_errors
from core.types import AuthenticatedHttpRequest
from core.views import is_htmx
from journeys.models import Channel, Journey
from roles.permissions import employee_of, is_manager
from roles.selectors import departments_visible_to
from standards.models import BookVersion

from . import services
from .evidence import evidence_open
from .forms import (
    AssignForm,
    DecisionForm,
    DisputeForm,
    StaleCheckForm,
    TemplateCreateForm,
    TemplateEditForm,
    TemplateStartForm,
    parse_audit_content,
    parse_client_id,
    read_form_post,
)
from .models import (
    Answer,
    Audit,
    AuditItem,
    AuditStatus,
    AuditStep,
    ChecklistTemplate,
    Dispute,
    DisputeStatus,
    Evidence,
    TemplateItem,
)
from .permissions import (
    fills_audit,
    is_auditor,
    is_staff_member,
    manages_audit,
    require_auditor_of,
    require_evidence_reader,
    require_manager_of,
    require_report_reader,
    require_templates_manager,
)
from .selectors import (
    audit_form_steps,
    audit_list_for_auditor,
    audit_list_for_manager,
    audit_steps_loaded,
    dispute_deadline,
    dispute_window_open,
    disputes_for_manager,
    journey_places,
    staff_audit_rows,
    template_newer_version,
    template_steps,
    template_upgrade_plan,
    templates_list,
    versions_for_templates,
)


def _audit_or_404(pk: int) -> Audit:
    return get_object_or_404(
        Audit.objects.select_related("template", "department", "auditor", "version__book"),
        pk=pk,
    )


# Lists --------------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Managers: the audits of their departments. Auditors: "My audits"."""
    user = request.user
    manager = is_manager(user)
    auditor = is_auditor(user)
    if not (manager or auditor):
        raise PermissionDenied
    context: dict[str, Any] = {
        "is_manager_view": manager,
        "is_auditor_view": auditor,
        "statuses": AuditStatus.choices,
    }
    if manager:
        status = request.GET.get("status", "")
        if status not in AuditStatus.values:
            status = ""
        context["status"] = status
        context["audits"] = list(audit_list_for_manager(user, status=status)[:200])
        context["open_disputes"] = disputes_for_manager(user).count()
    if auditor:
        mine = list(audit_list_for_auditor(user))
        context["due"] = [a for a in mine if a.status == AuditStatus.ASSIGNED]
        context["in_progress"] = [a for a in mine if a.status == AuditStatus.IN_PROGRESS]
        context["submitted"] = [a for a in mine if not a.is_draft]
    return render(request, "audits/list.html", context)


@login_required
@require_GET
def my_audits(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff: the final audits in which they were observed."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    return render(request, "audits/mine.html", {"rows": staff_audit_rows(request.user)})


# Templates ----------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_templates_manager(request.user)
    return render(
        request,
        "audits/templates.html",
        {"templates": list(templates_list()), "can_build": versions_for_templates().exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pick a version and a journey, then the steps and situations to check."""
    require_templates_manager(request.user)
    source = request.POST if request.method == "POST" else request.GET
    start = TemplateStartForm(source or None)
    version: BookVersion | None = None
    journey: Journey | None = None
    if start.is_bound and start.is_valid():
        version = start.cleaned_data["version"]
        journey = start.cleaned_data["journey"]
    else:
        version = versions_for_templates().first()
        journey = Journey.objects.filter(is_active=True).order_by("name").first()
        start = TemplateStartForm(initial={"version": version, "journey": journey})
    if version is None or journey is None:
        return render(request, "audits/template_new.html", {"start": start, "nothing": True})
    places = journey_places(journey, version)
    keys = [place.key for place in places if place.requirements]
    form = TemplateCreateForm(
        request.POST if request.method == "POST" else None,
        place_keys=keys,
        initial={"version": version, "journey": journey},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                template = services.template_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    journey=journey,
                    version=version,
                    place_keys=form.cleaned_data["places"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Template “%(name)s” created.") % {"name": template.name}
                )
                return redirect("audits:template", pk=template.pk)
        status = 422
    chosen = set(form["places"].value() or []) if form.is_bound else set()
    return render(
        request,
        "audits/template_new.html",
        {
            "start": start,
            "form": form,
            "places": places,
            "chosen": chosen,
            "version": version,
            "journey": journey,
        },
        status=status,
    )


def _template_context(
    template: ChecklistTemplate, *, edit_form: TemplateEditForm | None = None
) -> dict[str, Any]:
    steps = template_steps(template)
    return {
        "template": template,
        "steps": steps,
        "included_count": sum(1 for step in steps for item in step.items.all() if item.included),
        "newer": template_newer_version(template),
        "edit_form": edit_form or TemplateEditForm(instance=template),
        "history": list(activity_for(template)[:20]),
    }


def _template_or_404(pk: int) -> ChecklistTemplate:
    return get_object_or_404(
        ChecklistTemplate.objects.select_related("journey", "version__book"), pk=pk
    )


@login_required
@require_GET
def template_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_templates_manager(request.user)
    template = _template_or_404(pk)
    return render(request, "audits/template.html", _template_context(template))


@login_required
@require_POST
def template_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_templates_manager(request.user)
    template = _template_or_404(pk)
    form = TemplateEditForm(request.POST, instance=template)
    status = 422
    conflict: list[tuple[str, str]] = []
    if form.is_valid():
        try:
            services.template_update(
                actor=request.user,
                template=template,
                name=form.cleaned_data["name"],
                notes=form.cleaned_data["notes"],
                expected_updated_at=form.expected_revision,
            )
        except EditConflict as error:
            conflict = form.rebase(error.current)
            template.refresh_from_db()
            status = 409
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("audits:template", pk=template.pk)
    context = {**_template_context(template, edit_form=form), "conflict": conflict}
    return render(request, "audits/template.html", context, status=status)


@login_required
@require_POST
def template_item_toggle(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    require_templates_manager(request.user)
    template = _template_or_404(pk)
    item = get_object_or_404(
        TemplateItem.objects.select_related("requirement", "template_step"),
        pk=item_pk,
        template_step__template=template,
    )
    included = request.POST.get("included") == "1"
    error = ""
    status = 200
    try:
        services.template_item_set_included(
            actor=request.user, template=template, item=item, included=included
        )
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
        status = 422
    if is_htmx(request):
        return render(
            request,
            "audits/template.html#item",
            {"template": template, "item": item, "item_error": error},
            status=status,
        )
    if error:
        messages.error(request, error)
    return redirect(f"{reverse('audits:template', args=[template.pk])}#titem-{item.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def template_upgrade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Preview what moving to the newer version changes; POST applies it."""
    require_templates_manager(request.user)
    template = _template_or_404(pk)
    newer = template_newer_version(template)
    if newer is None:
        messages.info(request, _("This template already uses the current version of the book."))
        return redirect("audits:template", pk=template.pk)
    form = StaleCheckForm(
        request.POST if request.method == "POST" else None,
        initial={"updated_at": template.updated_at},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.template_upgrade(
                    actor=request.user,
                    template=template,
                    version=newer,
                    expected_updated_at=form.cleaned_data["updated_at"],
                )
            except EditConflict:
                status = 409
                form = StaleCheckForm(initial={"updated_at": template.updated_at})
                messages.error(
                    request,
                    _("The template changed while you were looking: check the changes again."),
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("The template now uses version %(number)s.") % {"number": newer.number},
                )
                return redirect("audits:template", pk=template.pk)
    plan = template_upgrade_plan(template, newer)
    return render(
        request,
        "audits/template_upgrade.html",
        {"template": template, "plan": plan, "form": form},
        status=status,
    )


@login_required
@require_POST
def template_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_templates_manager(request.user)
    template = _template_or_404(pk)
    services.template_set_active(
        actor=request.user, template=template, is_active=not template.is_active
    )
    messages.success(
        request,
        _("Template archived: it can no longer be assigned.")
        if not template.is_active
        else _("Template back in use."),
    )
    return redirect("audits:template", pk=template.pk)


# Assignment ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def audit_assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_templates_manager(request.user)
    departments = departments_visible_to(request.user)
    today = timezone.localdate()
    if request.method == "POST":
        form = AssignForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                audit = services.audit_assign(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Audit assigned to %(auditor)s.")
                    % {"auditor": audit.auditor.get_full_name() or audit.auditor.get_username()},
                )
                return redirect("audits:list")
        return render(request, "audits/assign.html", {"form": form}, status=422)
    initial: dict[str, Any] = {
        "window_start": today,
        "window_end": today + datetime.timedelta(days=14),
    }
    if request.GET.get("template", "").isdigit():
        initial["template"] = int(request.GET["template"])
    form = AssignForm(initial=initial, departments=departments)
    return render(request, "audits/assign.html", {"form": form})


@login_required
@require_POST
def audit_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_manager_of(request.user, audit)
    try:
        services.audit_delete(actor=request.user, audit=audit)
    except services.AuditStateError as error:
        messages.error(request, str(error))
        return redirect("audits:report", pk=audit.pk)
    messages.success(request, _("Audit withdrawn."))
    return redirect("audits:list")


# The auditor's form -------------------------------------------------------------------


def _client_id_for(audit: Audit, request: AuthenticatedHttpRequest) -> str:
    """The draft id the page starts with: the one recorded at submission, else one the
    browser sent, else a fresh one (the script replaces it with the phone's own)."""
    if audit.client_id:
        return str(audit.client_id)
    sent = parse_client_id(request.POST.get("client_id")) if request.method == "POST" else None
    return str(sent or uuid.uuid4())


def _render_fill(
    request: AuthenticatedHttpRequest,
    audit: Audit,
    *,
    errors: dict[str, str] | None = None,
    missing: list[services.Missing] | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = audit_form_steps(audit)
    error_names = set(errors or {})
    missing_anchors = {entry.anchor for entry in missing or []}
    first_open = next((row.step.pk for row in steps if row.answered < row.total), None)
    for row in steps:
        ids = [item.pk for item in row.items]
        names = {f"{prefix}-{pk}" for prefix in ("answer", "comment", "photo") for pk in ids}
        anchors = {f"item-{pk}" for pk in ids} | {f"step-{row.step.pk}"}
        row.is_open = (
            row.step.pk == first_open
            or bool((names | {f"employee-{row.step.pk}"}) & error_names)
            or bool(anchors & missing_anchors)
        )
    return render(
        request,
        "audits/fill.html",
        {
            "audit": audit,
            "steps": steps,
            "errors": errors or {},
            "missing": missing or [],
            "client_id": _client_id_for(audit, request),
            "answers": Answer.choices,
            "channels": Channel.choices,
            "visited_local": (
                timezone.localtime(audit.visited_at).strftime("%Y-%m-%dT%H:%M")
                if audit.visited_at
                else ""
            ),
            "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
        status=status,
    )


@login_required
@require_GET
def audit_fill(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    if not audit.is_draft:
        return redirect("audits:result", pk=audit.pk)
    return _render_fill(request, audit)


def _form_post(request: AuthenticatedHttpRequest, audit: Audit) -> services.FormPost:
    return read_form_post(audit, audit_form_steps(audit), request.POST, request.FILES)


def _conflict(request: AuthenticatedHttpRequest, audit: Audit, message: str) -> HttpResponse:
    return render(request, "audits/conflict.html", {"audit": audit, "message": message}, status=409)


@login_required
@require_POST
def audit_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The whole form at once (the page without JavaScript, or a photo removed)."""
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    try:
        errors = services.audit_form_save(
            actor=request.user, audit=audit, post=_form_post(request, audit)
        )
    except services.AuditStateError as error:
        return _conflict(request, audit, str(error))
    audit.refresh_from_db()
    if errors:
        return _render_fill(request, audit, errors=errors, status=422)
    messages.success(request, _("Answers saved."))
    return redirect("audits:fill", pk=audit.pk)


def _unit_response(
    request: AuthenticatedHttpRequest, *, message: str, status: int = 200, saved: bool = False
) -> HttpResponse:
    return render(
        request,
        "audits/fill.html#state",
        {"state_message": message, "state_saved": saved},
        status=status,
    )


def _save_unit(request: AuthenticatedHttpRequest, audit: Audit, names: set[str]) -> HttpResponse:
    """Save one answer (or one step's employee, or the visit) sent by the page's script."""
    require_auditor_of(request.user, audit)
    steps = audit_form_steps(audit)
    data = request.POST.copy()
    for key in list(data.keys()):
        if key not in names:
            del data[key]
    content, errors = parse_audit_content(audit, steps, data)
    if errors:
        return _unit_response(request, message=" ".join(errors.values()), status=422)
    try:
        services.audit_content_save(actor=request.user, audit=audit, content=content)
    except services.AuditStateError as error:
        return _unit_response(request, message=str(error), status=409)
    return _unit_response(
        request,
        message=_("Saved %(time)s") % {"time": timezone.localtime().strftime("%H:%M")},
        saved=True,
    )


@login_required
@require_POST
def audit_item_save(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    get_object_or_404(AuditItem, pk=item_pk, audit=audit)
    return _save_unit(request, audit, {f"answer-{item_pk}", f"comment-{item_pk}"})


@login_required
@require_POST
def audit_step_save(request: AuthenticatedHttpRequest, pk: int, step_pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    get_object_or_404(AuditStep, pk=step_pk, audit=audit)
    return _save_unit(request, audit, {f"employee-{step_pk}"})


@login_required
@require_POST
def audit_visit_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    return _save_unit(request, audit, {"visited_at", "channel"})


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One photo for one item, sent by the page's script as soon as it is taken."""
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    item = get_object_or_404(AuditItem, pk=item_pk, audit=audit)
    upload = request.FILES.get(f"photo-{item.pk}") or request.FILES.get("photo")
    status = 200
    error = ""
    if upload is None:
        error = _("Choose a photo to send.")
        status = 422
    else:
        try:
            services.evidence_add(
                actor=request.user,
                audit=audit,
                item=item,
                upload=upload,
                size=upload.size or 0,
                name=upload.name or "",
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 422
        except services.AuditStateError as refusal:
            error = str(refusal)
            status = 409
    item = AuditItem.objects.prefetch_related("evidence").get(pk=item.pk)
    if is_htmx(request):
        return render(
            request,
            "audits/fill.html#photos",
            {"audit": audit, "item": item, "photo_error": error},
            status=status,
        )
    if error:
        return _render_fill(request, audit, errors={f"photo-{item.pk}": error}, status=status)
    messages.success(request, _("Photo added."))
    return redirect(f"{reverse('audits:fill', args=[audit.pk])}#item-{item.pk}")


@login_required
@require_GET
def evidence_view(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    audit = _audit_or_404(pk)
    require_evidence_reader(request.user, audit)
    evidence = get_object_or_404(
        Evidence.objects.select_related("item__audit_step"), pk=evidence_pk, item__audit=audit
    )
    user = request.user
    if not (manages_audit(user, audit) or fills_audit(user, audit)):
        # Staff see the photos of their own steps only.
        employee = employee_of(user)
        if employee is None or evidence.item.audit_step.employee_id != employee.pk:
            raise Http404
    try:
        handle = evidence_open(evidence.path)
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def audit_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Submit once, however many times the request arrives (see services.audit_submit)."""
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    post = _form_post(request, audit)
    client_id = parse_client_id(request.POST.get("client_id"))
    try:
        if client_id is None:
            if not audit.is_draft:
                return _conflict(
                    request,
                    audit,
                    _("The form lost its draft id: this audit was already submitted."),
                )
            errors = services.audit_form_save(actor=request.user, audit=audit, post=post)
            errors["client_id"] = _(
                "The form lost its draft id: your answers are saved; reload the page and "
                "submit again."
            )
            audit.refresh_from_db()
            return _render_fill(request, audit, errors=errors, status=422)
        outcome = services.audit_form_submit(
            actor=request.user, audit=audit, client_id=client_id, post=post
        )
    except (services.AuditStateError, services.SubmissionConflict) as error:
        return _conflict(request, audit, str(error))
    if not outcome.submitted:
        return _render_fill(
            request, outcome.audit, errors=outcome.errors, missing=outcome.missing, status=422
        )
    return redirect("audits:result", pk=audit.pk)


@login_required
@require_GET
def audit_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """What the auditor sees after submitting: the score, per step and in total."""
    audit = _audit_or_404(pk)
    require_auditor_of(request.user, audit)
    if audit.is_draft:
        return redirect("audits:fill", pk=audit.pk)
    steps = list(audit.steps.select_related("employee").order_by("order", "id"))
    return render(request, "audits/result.html", {"audit": audit, "steps": steps})


# Review and report --------------------------------------------------------------------


@login_required
@require_GET
def audit_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_report_reader(request.user, audit)
    manager_view = manages_audit(request.user, audit)
    employee = None if manager_view else employee_of(request.user)
    steps = audit_steps_loaded(audit, only_employee=employee)
    can_dispute = (not manager_view) and dispute_window_open(audit)
    disputes = [
        dispute for step in steps for item in step.items.all() for dispute in item.disputes.all()
    ]
    decision_forms = {
        dispute.pk: DecisionForm(prefix=_decision_prefix(dispute)) for dispute in disputes
    }
    return render(
        request,
        "audits/report.html",
        {
            "audit": audit,
            "steps": steps,
            "manager_view": manager_view,
            "can_dispute": can_dispute,
            "dispute_until": dispute_deadline(audit),
            "decision_forms": decision_forms,
            "book_url": reverse("standards:version", args=[audit.version_id]),
            "history": list(activity_for(audit)[:50]) if manager_view else [],
        },
    )


def _decision_prefix(dispute: Dispute) -> str:
    return f"dispute-{dispute.pk}"


@login_required
@require_POST
def audit_finalize(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    require_manager_of(request.user, audit)
    try:
        services.audit_finalize(actor=request.user, audit=audit)
    except services.AuditStateError as error:
        return _conflict(request, audit, str(error))
    messages.success(request, _("Audit finalized: it now counts in compliance."))
    return redirect("audits:report", pk=audit.pk)


# Disputes -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dispute_create(request: AuthenticatedHttpRequest, pk: int, item_pk: int) -> HttpResponse:
    audit = _audit_or_404(pk)
    if not is_staff_member(request.user):
        raise PermissionDenied
    require_report_reader(request.user, audit)
    employee = employee_of(request.user)
    item = get_object_or_404(
        AuditItem.objects.select_related("requirement", "audit_step"),
        pk=item_pk,
        audit=audit,
        audit_step__employee=employee,
    )
    form = DisputeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.dispute_raise(
                    actor=request.user,
                    employee=employee,  # type: ignore[arg-type]
                    item=item,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            except services.AuditStateError as error:
                form.add_error(None, str(error))
                status = 409
            else:
                messages.success(request, _("Dispute sent: a manager will decide."))
                return redirect("audits:report", pk=audit.pk)
    return render(
        request,
        "audits/dispute.html",
        {
            "audit": audit,
            "item": item,
            "form": form,
            "window_open": dispute_window_open(audit),
            "dispute_until": dispute_deadline(audit),
            "book_url": reverse("standards:version", args=[audit.version_id]),
        },
        status=status,
    )


@login_required
@require_GET
def dispute_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_templates_manager(request.user)
    status = request.GET.get("status", DisputeStatus.OPEN)
    if status not in DisputeStatus.values:
        status = ""
    return render(
        request,
        "audits/disputes.html",
        {
            "disputes": list(disputes_for_manager(request.user, status=status)[:200]),
            "status": status,
            "statuses": DisputeStatus.choices,
        },
    )


@login_required
@require_POST
def dispute_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(
        Dispute.objects.select_related("item__audit", "item__requirement", "employee"), pk=pk
    )
    audit = dispute.item.audit
    require_manager_of(request.user, audit)
    form = DecisionForm(request.POST, prefix=_decision_prefix(dispute))
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == DecisionForm.ACCEPT:
                services.dispute_accept(
                    actor=request.user,
                    dispute=dispute,
                    answer=form.cleaned_data["answer"],
                    note=form.cleaned_data["note"],
                )
                messages.success(
                    request, _("Dispute accepted: the answer and the score are corrected.")
                )
            else:
                services.dispute_reject(
                    actor=request.user, dispute=dispute, note=form.cleaned_data["note"]
                )
                messages.success(request, _("Dispute rejected."))
        except services.AuditStateError as error:
            return _conflict(request, audit, str(error))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(f"{reverse('audits:report', args=[audit.pk])}#dispute-{dispute.pk}")
    return render(
        request,
        "audits/decide.html",
        {"dispute": dispute, "audit": audit, "form": form},
        status=422,
    )
