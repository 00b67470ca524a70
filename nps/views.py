"""Manager pages for NPS: responses, surveys, problem tags, import, exports, API tokens.

Every page works as plain forms; with htmx the tags and follow-up panels of a response,
the results of the filters and the export progress update in place.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.activity import activity_for
from core.csv import ImportFileError
from core.edits import EditConflict
from core.forms import apply_errors
from core.types import AuthenticatedHttpRequest, HtmxHttpRequest
from core.views import InlineEdit, inline_edit
from roles.api_auth import api_token_create, api_token_revoke, tokens_visible_to

from . import exports, imports
from .filters import ResponseFilter, clean_filter_data
from .forms import (
    ApiTokenForm,
    ExportForm,
    FollowUpForm,
    ProblemTagForm,
    ResponseImportForm,
    SurveyForm,
    TagsForm,
)
from .models import ExportJob, ProblemTag, Response, ResponseImport, Survey
from .permissions import require_nps_manager
from .selectors import (
    export_jobs_of,
    invitations_visible_to,
    nps_figure,
    responses_for_list,
    responses_visible_to,
    surveys_visible_to,
    tags_with_counts,
    top_problems,
)
from .services import (
    export_file_path,
    export_job_create,
    problem_tag_create,
    problem_tag_set_active,
    problem_tag_update,
    response_follow_up,
    response_import_confirm,
    response_import_create,
    response_set_tags,
    survey_create,
    survey_set_active,
    survey_update,
)

RESPONSES_PER_PAGE = 50


# Responses ------------------------------------------------------------------------------


def _selection(request: AuthenticatedHttpRequest) -> tuple[ResponseFilter, Any, bool]:
    visible = responses_visible_to(request.user)
    filterset = ResponseFilter(request.GET or None, queryset=visible, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    return filterset, (filterset.qs if valid else visible.none()), valid


@login_required
@require_GET
def response_list(request: HtmxHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    filterset, selection, valid = _selection(request)
    page = Paginator(responses_for_list(selection), RESPONSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "figure": nps_figure(selection),
        "problems": top_problems(selection),
        "page": page,
        "query": query.urlencode(),
        "filters": clean_filter_data(request.GET) if valid else {},
        "export_form": ExportForm(),
    }
    template = "nps/response_list.html#results" if request.htmx else "nps/response_list.html"
    return render(request, template, context, status=200 if valid else 422)


def _response_or_404(request: AuthenticatedHttpRequest, response_id: int) -> Response:
    return get_object_or_404(responses_for_list(responses_visible_to(request.user)), pk=response_id)


def _response_context(response: Response, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "response": response,
        "tags_form": TagsForm(response=response),
        "follow_up_form": FollowUpForm(instance=response) if response.is_detractor else None,
        "history": activity_for(response)[:20],
    }
    context.update(extra)
    return context


@login_required
@require_GET
def response_detail(request: HtmxHttpRequest, response_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    response = _response_or_404(request, response_id)
    return render(request, "nps/response_detail.html", _response_context(response))


@login_required
@require_POST
def response_tags_view(request: HtmxHttpRequest, response_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    response = _response_or_404(request, response_id)
    form = TagsForm(request.POST, response=response)
    status = 200
    if form.is_valid():
        try:
            response = response_set_tags(
                actor=request.user, response=response, tags=form.cleaned_data["tags"]
            )
        except ValidationError as error:
            apply_errors(form, error)
            status = 422
        else:
            if not request.htmx:
                messages.success(request, _("Problem tags saved."))
                return redirect(response)
            form = TagsForm(response=response)
    else:
        status = 422
    context = _response_context(response, tags_form=form, tags_saved=status == 200)
    template = "nps/response_detail.html#tags" if request.htmx else "nps/response_detail.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def response_follow_up_view(request: HtmxHttpRequest, response_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    response = _response_or_404(request, response_id)
    form = FollowUpForm(request.POST, instance=response)
    status = 200
    follow_up_conflict: list[tuple[str, str]] = []
    if not response.is_detractor:
        form.add_error(None, _("Only detractors are followed up."))
        status = 422
    elif form.is_valid():
        try:
            response = response_follow_up(
                actor=request.user,
                response=response,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                expected_updated_at=form.cleaned_data.get("updated_at"),
            )
        except EditConflict as conflict:
            response = _response_or_404(request, response_id)
            follow_up_conflict = form.rebase(conflict.current)
            status = 409
        except ValidationError as error:
            apply_errors(form, error)
            status = 422
        else:
            if not request.htmx:
                messages.success(request, _("Follow-up saved."))
                return redirect(response)
            response = _response_or_404(request, response_id)
            form = FollowUpForm(instance=response)
    else:
        status = 422
    context = _response_context(response, follow_up_form=form, follow_up_saved=status == 200)
    context["conflict"] = follow_up_conflict
    template = "nps/response_detail.html#follow_up" if request.htmx else "nps/response_detail.html"
    return render(request, template, context, status=status)


# Streamed CSV for the browser --------------------------------------------------------------


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The filtered selection as CSV, streamed (with a BOM, so Excel reads it as UTF-8)."""
    require_nps_manager(request.user)
    filterset, selection, valid = _selection(request)
    if not valid:
        messages.error(
            request,
            _("Fix the filters first: %(errors)s") % {"errors": _errors_text(filterset.errors)},
        )
        return redirect("nps:responses")
    response = StreamingHttpResponse(
        exports.csv_blocks(selection, bom=True), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="nps-responses-{stamp}.csv"'
    return response


def _errors_text(errors: Any) -> str:
    return "; ".join(
        f"{field}: {', '.join(str(e) for e in messages_)}" for field, messages_ in errors.items()
    )


# Surveys ----------------------------------------------------------------------------------


def _survey_list_page(
    request: AuthenticatedHttpRequest,
    *,
    form: SurveyForm,
    status: int = 200,
    create_open: bool = False,
) -> HttpResponse:
    surveys = list(surveys_visible_to(request.user).select_related("step__stage__journey"))
    figures = _survey_figures([survey.pk for survey in surveys])
    return render(
        request,
        "nps/survey_list.html",
        {"surveys": surveys, "figures": figures, "form": form, "create_open": create_open},
        status=status,
    )


def _survey_figures(survey_ids: list[int]) -> dict[int, Any]:
    from .selectors import nps_grouped

    rows = nps_grouped(Response.objects.filter(survey_id__in=survey_ids), by="survey")
    return {int(row.key): row.figure for row in rows if row.key is not None}


@login_required
@require_GET
def survey_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    return _survey_list_page(request, form=SurveyForm(user=request.user))


@login_required
@require_POST
def survey_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    form = SurveyForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            survey = survey_create(actor=request.user, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Survey “%(name)s” created.") % {"name": survey.name})
            return redirect(survey)
    return _survey_list_page(request, form=form, status=422, create_open=True)


def _survey_or_404(request: AuthenticatedHttpRequest, survey_id: int) -> Survey:
    return get_object_or_404(surveys_visible_to(request.user), pk=survey_id)


def _survey_page(
    request: AuthenticatedHttpRequest,
    survey: Survey,
    *,
    form: SurveyForm | None = None,
    status: int = 200,
    conflict: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    return render(
        request,
        "nps/survey_detail.html",
        {
            "survey": survey,
            "form": form or SurveyForm(user=request.user, instance=survey),
            "public_url": request.build_absolute_uri(survey.public_path()),
            "figure": nps_figure(Response.objects.filter(survey=survey)),
            "invitations": invitations_visible_to(request.user).filter(survey=survey)[:10],
            "history": activity_for(survey)[:10],
            "conflict": conflict,
        },
        status=status,
    )


@login_required
@require_GET
def survey_detail(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    return _survey_page(request, _survey_or_404(request, survey_id))


@login_required
@require_POST
def survey_edit(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    survey = _survey_or_404(request, survey_id)
    form = SurveyForm(request.POST, user=request.user, instance=survey)
    if not form.is_valid():
        return _survey_page(request, survey, form=form, status=422)
    try:
        survey_update(
            actor=request.user,
            survey=survey,
            expected_updated_at=form.cleaned_data.get("updated_at"),
            **form.values(),
        )
    except EditConflict as error:
        conflict = form.rebase(error.current)
        survey.refresh_from_db()
        return _survey_page(request, survey, form=form, status=409, conflict=conflict)
    except ValidationError as error:
        apply_errors(form, error)
        survey.refresh_from_db()
        return _survey_page(request, survey, form=form, status=422)
    messages.success(request, _("Survey “%(name)s” saved.") % {"name": survey.name})
    return redirect(survey)


@login_required
@require_POST
def survey_set_active_view(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    survey = _survey_or_404(request, survey_id)
    flag = {"1": True, "0": False}.get(request.POST.get("is_active", ""))
    if flag is None:
        return _survey_page(request, survey, status=422)
    survey_set_active(actor=request.user, survey=survey, is_active=flag)
    messages.success(
        request,
        (_("Survey “%(name)s” reopened.") if flag else _("Survey “%(name)s” paused."))
        % {"name": survey.name},
    )
    return redirect(survey)


@login_required
@require_GET
def survey_qr(request: AuthenticatedHttpRequest, survey_id: int, kind: str) -> HttpResponse:
    """The public link as a QR code: SVG for print shops, PNG for everything else."""
    require_nps_manager(request.user)
    survey = _survey_or_404(request, survey_id)
    code = segno.make(request.build_absolute_uri(survey.public_path()), error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=10, border=4, title=survey.name)
        content_type = "image/svg+xml"
    else:
        code.save(buffer, kind="png", scale=12, border=4)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-qr.{kind}"'
    return response


@login_required
@require_GET
def survey_poster(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    """A printable card: the question, the QR code and the link, for a counter or a receipt."""
    require_nps_manager(request.user)
    survey = _survey_or_404(request, survey_id)
    from .models import STANDARD_QUESTION

    return render(
        request,
        "nps/survey_poster.html",
        {
            "survey": survey,
            "public_url": request.build_absolute_uri(survey.public_path()),
            "question_ru": STANDARD_QUESTION["ru"],
            "question_en": STANDARD_QUESTION["en"],
        },
    )


# Problem tags -------------------------------------------------------------------------------


def _tag_page(
    request: AuthenticatedHttpRequest,
    *,
    form: ProblemTagForm | None = None,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        "nps/tag_list.html",
        {"tags": tags_with_counts(), "form": form or ProblemTagForm(), **context},
        status=status,
    )


@login_required
@require_GET
def tag_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    return _tag_page(request)


@login_required
@require_POST
def tag_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    form = ProblemTagForm(request.POST)
    if form.is_valid():
        try:
            tag = problem_tag_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Problem tag “%(name)s” created.") % {"name": tag.name})
            return redirect("nps:tags")
    return _tag_page(request, form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def tag_edit(request: AuthenticatedHttpRequest, tag_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    tag = get_object_or_404(ProblemTag, pk=tag_id)
    form = ProblemTagForm(request.POST or None, instance=tag)
    return inline_edit(
        request,
        InlineEdit(
            form=form,
            template="nps/tag_edit.html#form",
            title=_("Edit “%(name)s”") % {"name": tag.name},
            context={"tag": tag, "crumbs": [(reverse("nps:tags"), _("Problem tags"))]},
            save=lambda data: problem_tag_update(
                actor=request.user,
                tag=tag,
                name=data["name"],
                description=data["description"],
                expected_updated_at=form.expected_revision,
            ),
            saved=lambda _tag: redirect("nps:tags"),
            done_url=lambda _tag: reverse("nps:tags"),
            done_message=lambda tag: _("Problem tag “%(name)s” saved.") % {"name": tag.name},
        ),
    )


@login_required
@require_POST
def tag_set_active(request: AuthenticatedHttpRequest, tag_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    tag = get_object_or_404(ProblemTag, pk=tag_id)
    flag = {"1": True, "0": False}.get(request.POST.get("is_active", ""))
    if flag is None:
        return _tag_page(request, status=422)
    problem_tag_set_active(actor=request.user, tag=tag, is_active=flag)
    messages.success(
        request,
        (
            _("Problem tag “%(name)s” reactivated.")
            if flag
            else _("Problem tag “%(name)s” deactivated.")
        )
        % {"name": tag.name},
    )
    return redirect("nps:tags")


# Historical import ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    context: dict[str, Any] = {
        "columns": imports.COLUMNS,
        "max_rows": imports.MAX_ROWS,
        "recent": ResponseImport.objects.filter(uploaded_by_id=request.user.pk)[:5],
    }
    if request.method == "GET":
        return render(request, "nps/import_upload.html", {"form": ResponseImportForm(), **context})
    form = ResponseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "nps/import_upload.html", {"form": form, **context}, status=422)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        rows = imports.read_responses_csv(data=data, user=request.user)
    except ImportFileError as error:
        form.add_error("file", error.message)
        return render(request, "nps/import_upload.html", {"form": form, **context}, status=422)
    counts = imports.counts(rows)
    if counts[imports.ERROR]:
        return render(
            request,
            "nps/import_upload.html",
            {
                "form": ResponseImportForm(),
                "preview_rows": rows,
                "counts": counts,
                "file_name": upload.name,
                **context,
            },
            status=422,
        )
    response_import = response_import_create(
        actor=request.user,
        file_name=upload.name,
        checksum=hashlib.sha256(data).hexdigest(),
        rows=[row.values for row in rows if row.values is not None],
    )
    return redirect("nps:import_detail", response_import.pk)


def _import_or_404(request: AuthenticatedHttpRequest, import_id: int) -> ResponseImport:
    return get_object_or_404(
        ResponseImport.objects.filter(uploaded_by_id=request.user.pk), pk=import_id
    )


@login_required
@require_GET
def import_detail(request: AuthenticatedHttpRequest, import_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    response_import = _import_or_404(request, import_id)
    rows = [
        imports.PreviewRow(
            line=values["line"],
            cells={
                "external_id": values["external_id"],
                "submitted_at": values["submitted_at"][:16].replace("T", " "),
                "score": str(values["score"]),
                "survey": values["survey"],
                "employee": values["employee"],
                "comment": values["comment"],
            },
            values=values,
        )
        for values in response_import.rows
    ]
    if response_import.status == ResponseImport.Status.PREVIEWED:
        new_rows, _unchanged, _problems = imports.recheck_rows(
            user=request.user, rows=response_import.rows
        )
        new_ids = {row["external_id"] for row in new_rows}
        for row in rows:
            row.status = imports.NEW if row.cells["external_id"] in new_ids else imports.UNCHANGED
    counts = imports.counts(rows)
    return render(
        request,
        "nps/import_detail.html",
        {
            "response_import": response_import,
            "preview_rows": rows,
            "counts": counts,
            "file_name": response_import.file_name,
        },
    )


@login_required
@require_POST
def import_confirm(request: AuthenticatedHttpRequest, import_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    response_import = _import_or_404(request, import_id)
    try:
        response_import_confirm(actor=request.user, response_import=response_import)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("nps:import")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("nps:import_detail", response_import.pk)
    response_import.refresh_from_db()
    messages.success(
        request,
        _("Imported: %(created)s responses added, %(unchanged)s were already there.")
        % {"created": response_import.created_count, "unchanged": response_import.unchanged_count},
    )
    return redirect("nps:import_detail", response_import.pk)


# Export jobs ----------------------------------------------------------------------------------


@login_required
@require_GET
def export_list(request: HtmxHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    jobs = list(export_jobs_of(request.user)[:20])
    template = "nps/export_list.html#jobs" if request.htmx else "nps/export_list.html"
    return render(
        request,
        template,
        {"jobs": jobs, "running": any(not job.is_finished for job in jobs)},
    )


@login_required
@require_POST
def export_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    form = ExportForm(request.POST)
    filters = clean_filter_data(request.POST)
    if form.is_valid():
        try:
            export_job_create(
                actor=request.user, format=form.cleaned_data["format"], filters=filters
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("nps:responses")
        messages.success(request, _("The export is being prepared: it appears below when ready."))
        return redirect("nps:exports")
    messages.error(request, _("Choose CSV or XLSX."))
    return redirect("nps:responses")


@login_required
@require_GET
def export_download(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponseBase:
    require_nps_manager(request.user)
    job = get_object_or_404(export_jobs_of(request.user), pk=job_id)
    return serve_export_file(request, job)


def serve_export_file(request: HttpRequest, job: ExportJob) -> HttpResponseBase:
    """The finished file to its owner; a polite 410 once it has expired."""
    now = timezone.now()
    path = export_file_path(job)
    if (
        job.status != ExportJob.Status.DONE
        or (job.expires_at and job.expires_at <= now)
        or path is None
        or not path.exists()
    ):
        return render(
            request, "nps/export_gone.html", {"job": job}, status=410 if job.is_finished else 409
        )
    content_type = (
        "text/csv; charset=utf-8"
        if job.format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.download_name(), content_type=content_type
    )


# API tokens ------------------------------------------------------------------------------------


def _token_page(
    request: AuthenticatedHttpRequest,
    *,
    form: ApiTokenForm | None = None,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        "nps/api_tokens.html",
        {
            "tokens": tokens_visible_to(request.user),
            "form": form or ApiTokenForm(user=request.user),
            **context,
        },
        status=status,
    )


@login_required
@require_GET
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    return _token_page(request)


@login_required
@require_POST
def api_token_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_nps_manager(request.user)
    form = ApiTokenForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            token, key = api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                user=form.acting_user(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            # Shown once, in this response only; never stored in clear or put in a URL.
            response = _token_page(request, new_token=token, new_key=key)
            response["Cache-Control"] = "no-store"
            return response
    return _token_page(request, form=form, status=422)


@login_required
@require_POST
def api_token_revoke_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    require_nps_manager(request.user)
    token = get_object_or_404(tokens_visible_to(request.user), pk=token_id)
    api_token_revoke(actor=request.user, token=token)
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("nps:api_tokens")
