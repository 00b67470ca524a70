"""Pages of the standards book: reading, the draft editor, versions, acknowledgements."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import apply_errors
from core.types import AuthenticatedHttpRequest
from core.views import InlineEdit, inline_edit, is_htmx
from journeys.models import Step
from roles.permissions import employee_of, is_manager
from roles.selectors import departments_visible_to

from . import services
from .editor import KINDS, PARENT_KINDS, ItemKind, form_for
from .forms import BookForm, PublishForm
from .models import BookVersion, VersionFrozen, VersionStatus
from .permissions import (
    can_edit_book,
    require_book_editor,
    require_book_reader,
    require_version_visible,
)
from .selectors import (
    acknowledgement_rates,
    acknowledgements_missing,
    acknowledgements_pending,
    book_contents,
    book_main,
    book_search,
    my_standards,
    pending_changes_for,
    principles_count_advice,
    step_standards,
    version_current,
    version_diff,
    version_draft,
    version_previous_published,
    versions_of,
)

EDITOR = "standards/editor.html"


def _frozen_response(
    request: AuthenticatedHttpRequest, version: BookVersion | None = None
) -> HttpResponse:
    """409: the version is published. htmx shows it in the editor's alert area."""
    message = str(VersionFrozen())
    if is_htmx(request):
        response = render(request, f"{EDITOR}#alert", {"alert": message}, status=409)
        response["HX-Retarget"] = "#editor-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(
        request,
        "standards/frozen.html",
        {"message": message, "version": version},
        status=409,
    )


def _pending_banner(request: AuthenticatedHttpRequest) -> bool:
    employee = employee_of(request.user)
    return employee is not None and acknowledgements_pending(employee).exists()


# Reading --------------------------------------------------------------------------


@login_required
@require_GET
def book_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The current version of the book; managers also see where the draft is."""
    require_book_reader(request.user)
    book = book_main()
    version = version_current(book) if book else None
    if version is None:
        return render(
            request,
            "standards/empty.html",
            {
                "book": book,
                "draft": version_draft(book) if book and is_manager(request.user) else None,
                "can_edit": can_edit_book(request.user),
                "form": BookForm(),
            },
        )
    return _render_book(request, version)


@login_required
@require_GET
def version_detail(request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(
        BookVersion.objects.select_related("book", "published_by"), pk=version_id
    )
    require_version_visible(request.user, version)
    return _render_book(request, version)


def _render_book(request: AuthenticatedHttpRequest, version: BookVersion) -> HttpResponse:
    contents = book_contents(version)
    return render(
        request,
        "standards/book.html",
        {
            "version": version,
            "contents": contents,
            "is_current": version.status == VersionStatus.PUBLISHED,
            "draft": version_draft(version.book) if is_manager(request.user) else None,
            "can_edit": can_edit_book(request.user),
            "show_banner": _pending_banner(request),
        },
    )


@login_required
@require_POST
def book_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_book_editor(request.user)
    if book_main() is not None:
        messages.info(request, _("The company already has its standards book."))
        return redirect("standards:book")
    form = BookForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "standards/empty.html",
            {"book": None, "draft": None, "can_edit": True, "form": form},
            status=422,
        )
    book = services.book_create(actor=request.user, name=form.cleaned_data["name"])
    return redirect("standards:editor", version_id=book.versions.get().pk)


@login_required
@require_GET
def my_standards_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_book_reader(request.user)
    employee = employee_of(request.user)
    book = book_main()
    version = version_current(book) if book else None
    context: dict[str, Any] = {"employee": employee, "version": version}
    if employee is not None and version is not None:
        context["mine"] = my_standards(version, employee)
        context["show_banner"] = acknowledgements_pending(employee).exists()
    return render(request, "standards/my_standards.html", context)


@login_required
@require_GET
def step_view(request: AuthenticatedHttpRequest, step_id: int) -> HttpResponse:
    require_book_reader(request.user)
    step = get_object_or_404(
        Step.objects.select_related("stage__journey", "responsible_position"), pk=step_id
    )
    book = book_main()
    version = version_current(book) if book else None
    standards = step_standards(version, step) if version else []
    return render(
        request,
        "standards/step.html",
        {"step": step, "version": version, "standards": standards},
    )


@login_required
@require_GET
def search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_book_reader(request.user)
    book = book_main()
    version = version_current(book) if book else None
    query = request.GET.get("q", "")[:200]
    results = book_search(version, query) if version else None
    template = "standards/search.html#results" if is_htmx(request) else "standards/search.html"
    return render(request, template, {"version": version, "query": query, "results": results})


# Versions ---------------------------------------------------------------------------


@login_required
@require_GET
def versions_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_book_reader(request.user)
    book = book_main()
    if book is None:
        raise Http404
    versions = versions_of(book)
    if not is_manager(request.user):
        versions = versions.exclude(status=VersionStatus.DRAFT)
    versions_list = list(versions)
    return render(
        request,
        "standards/versions.html",
        {
            "book": book,
            "versions": versions_list,
            "comparable": [
                v
                for v in versions_list
                if v.status != VersionStatus.DRAFT or is_manager(request.user)
            ],
            "draft": next((v for v in versions_list if v.is_draft), None),
            "can_edit": can_edit_book(request.user),
        },
    )


@login_required
@require_POST
def draft_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_book_editor(request.user)
    book = book_main()
    if book is None:
        raise Http404
    try:
        draft = services.version_new_draft(actor=request.user, book=book)
    except services.DraftExists as exists:
        messages.info(request, str(exists))
        return redirect("standards:editor", version_id=exists.draft.pk)
    messages.success(request, _("Draft version %(number)s started.") % {"number": draft.number})
    return redirect("standards:editor", version_id=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def publish_view(request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
    require_book_editor(request.user)
    version = get_object_or_404(BookVersion.objects.select_related("book"), pk=version_id)
    if not version.is_draft:
        return _frozen_response(request, version)
    form = PublishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.version_publish(
                    actor=request.user,
                    version=version,
                    change_note=form.cleaned_data["change_note"],
                )
            except VersionFrozen:
                return _frozen_response(request, version)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Version %(number)s is published.") % {"number": version.number}
                )
                return redirect("standards:version", version_id=version.pk)
        status = 422
    previous = version_previous_published(version)
    contents = book_contents(version)
    diff = version_diff(previous, version) if previous else None
    return render(
        request,
        "standards/publish.html",
        {
            "version": version,
            "form": form,
            "previous": previous,
            "diff": diff,
            "contents": contents,
            "principles_advice": principles_count_advice(len(contents.principles)),
        },
        status=status,
    )


@login_required
@require_POST
def discard_view(request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
    require_book_editor(request.user)
    version = get_object_or_404(BookVersion.objects.select_related("book"), pk=version_id)
    try:
        services.version_discard(actor=request.user, version=version)
    except VersionFrozen:
        return _frozen_response(request, version)
    messages.success(request, _("The draft was discarded."))
    return redirect("standards:versions")


@login_required
@require_GET
def diff_view(request: AuthenticatedHttpRequest, old_id: int, new_id: int) -> HttpResponse:
    old = get_object_or_404(BookVersion.objects.select_related("book"), pk=old_id)
    new = get_object_or_404(BookVersion.objects.select_related("book", "published_by"), pk=new_id)
    require_version_visible(request.user, old)
    require_version_visible(request.user, new)
    if old.book_id != new.book_id:
        raise Http404
    return render(
        request, "standards/diff.html", {"diff": version_diff(old, new), "old": old, "new": new}
    )


@login_required
@require_GET
def diff_pick(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The versions page's compare form lands here and goes to the diff page."""
    try:
        old_id = int(request.GET.get("old", ""))
        new_id = int(request.GET.get("new", ""))
    except ValueError:
        require_book_reader(request.user)
        messages.error(request, _("Choose two versions to compare."))
        return redirect("standards:versions")
    return redirect("standards:diff", old_id=old_id, new_id=new_id)


# Acknowledgement ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What changed for me since I last confirmed, and the button to confirm."""
    require_book_reader(request.user)
    employee = employee_of(request.user)
    if employee is None:
        raise Http404
    if request.method == "POST":
        count = services.acknowledgement_confirm(actor=request.user, employee=employee)
        if count:
            messages.success(request, _("Thank you: you confirmed that you read the changes."))
        return redirect("standards:mine")
    return render(
        request,
        "standards/acknowledge.html",
        {"employee": employee, "changes": pending_changes_for(employee)},
    )


@login_required
@require_GET
def acknowledgements_view(request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
    if not is_manager(request.user):
        raise PermissionDenied
    version = get_object_or_404(BookVersion.objects.select_related("book"), pk=version_id)
    if version.is_draft:
        raise Http404
    departments = departments_visible_to(request.user)
    chosen = None
    if request.GET.get("department"):
        try:
            chosen = departments.get(pk=int(request.GET["department"]))
        except (ValueError, departments.model.DoesNotExist) as error:
            raise Http404 from error
    scope = departments.filter(path__startswith=chosen.path) if chosen else departments
    return render(
        request,
        "standards/acknowledgements.html",
        {
            "version": version,
            "rates": acknowledgement_rates(version, departments),
            "missing": acknowledgements_missing(version, scope),
            "chosen": chosen,
        },
    )


# The draft editor ----------------------------------------------------------------------


def _editable_version(request: AuthenticatedHttpRequest, version_id: int) -> BookVersion:
    require_book_editor(request.user)
    return get_object_or_404(
        BookVersion.objects.select_related("book", "created_from"), pk=version_id
    )


def _kind(name: str) -> ItemKind:
    try:
        return KINDS[name]
    except KeyError as error:
        raise Http404 from error


@login_required
@require_GET
def editor_view(request: AuthenticatedHttpRequest, version_id: int) -> HttpResponse:
    version = _editable_version(request, version_id)
    if not version.is_draft:
        return _frozen_response(request, version)
    contents = book_contents(version)
    return render(
        request,
        EDITOR,
        {
            "version": version,
            "contents": contents,
            "principles_advice": principles_count_advice(len(contents.principles)),
        },
    )


def _container_response(
    request: AuthenticatedHttpRequest,
    version: BookVersion,
    *,
    chapter: str = "",
    parent: tuple[str, int] | None = None,
    add_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    """Re-render the list an item lives in: a chapter, or a parent's requirements."""
    contents = book_contents(version)
    context: dict[str, Any] = {
        "version": version,
        "contents": contents,
        "add_form": add_form,
        "principles_advice": principles_count_advice(len(contents.principles)),
    }
    if parent is not None:
        parent_kind, parent_id = parent
        items_by_kind: dict[str, list[Any]] = {
            "principle": contents.principles,
            "communication": contents.communication,
            "appearance": contents.appearance,
        }
        items = items_by_kind[parent_kind]
        context["parent"] = next(item for item in items if item.pk == parent_id)
        context["parent_kind"] = parent_kind
        return render(request, f"{EDITOR}#requirements", context, status=status)
    return render(request, f"{EDITOR}#chapter-{chapter}", context, status=status)


def _add_form_context(
    kind: ItemKind, version: BookVersion, form: Any, parent_kind: str = "", parent_id: int = 0
) -> dict[str, Any]:
    if kind.name == "requirement":
        url = reverse("standards:requirement_add", args=[version.pk, parent_kind, parent_id])
        container = f"requirements-{parent_kind}-{parent_id}"
    else:
        url = reverse("standards:item_add", args=[version.pk, kind.name])
        container = f"chapter-{kind.chapter}"
    return {"form": form, "post_url": url, "container": container, "kind": kind, "version": version}


def _add(
    request: AuthenticatedHttpRequest,
    version: BookVersion,
    kind: ItemKind,
    parent_kind: str = "",
    parent: Any = None,
) -> HttpResponse:
    if not version.is_draft:
        return _frozen_response(request, version)
    parent_id = parent.pk if parent is not None else 0
    prefix = f"add-{parent_kind or kind.name}-{parent_id}"
    if request.method == "GET":
        if request.GET.get("cancel"):
            return render(
                request,
                f"{EDITOR}#add-button",
                _add_form_context(kind, version, None, parent_kind, parent_id),
            )
        form = form_for(kind, parent_kind=parent_kind, prefix=prefix)
        return render(
            request,
            f"{EDITOR}#add-form",
            _add_form_context(kind, version, form, parent_kind, parent_id),
        )
    form = form_for(kind, data=request.POST, parent_kind=parent_kind, prefix=prefix)
    container: dict[str, Any] = (
        {"parent": (parent_kind, parent_id)} if parent is not None else {"chapter": kind.chapter}
    )
    if form.is_valid():
        try:
            if parent is not None:
                kind.create(request.user, parent, form.cleaned_data)
            else:
                kind.create(request.user, version, form.cleaned_data)
        except VersionFrozen:
            return _frozen_response(request, version)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if not is_htmx(request):
                return redirect("standards:editor", version_id=version.pk)
            return _container_response(request, version, **container)
    return _container_response(
        request,
        version,
        add_form=_add_form_context(kind, version, form, parent_kind, parent_id),
        status=422,
        **container,
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: AuthenticatedHttpRequest, version_id: int, kind_name: str) -> HttpResponse:
    kind = _kind(kind_name)
    if kind.name == "requirement":
        raise Http404
    version = _editable_version(request, version_id)
    return _add(request, version, kind)


@login_required
@require_http_methods(["GET", "POST"])
def requirement_add(
    request: AuthenticatedHttpRequest, version_id: int, parent_kind: str, parent_id: int
) -> HttpResponse:
    version = _editable_version(request, version_id)
    model = PARENT_KINDS.get(parent_kind)
    if model is None:
        raise Http404
    parent = get_object_or_404(model, pk=parent_id, version=version)
    return _add(request, version, KINDS["requirement"], parent_kind, parent)


def _item(request: AuthenticatedHttpRequest, kind_name: str, pk: int) -> tuple[ItemKind, Any]:
    require_book_editor(request.user)
    kind = _kind(kind_name)
    item = get_object_or_404(kind.model.objects.select_related("version__book"), pk=pk)
    return kind, item


def _item_response(request: AuthenticatedHttpRequest, kind: ItemKind, item: Any) -> HttpResponse:
    """One item as the editor shows it, fresh from the draft's contents."""
    contents = book_contents(item.version)
    if kind.name == "requirement":
        fresh = next((r for r in contents.requirements if r.pk == item.pk), item)
    else:
        items_by_kind: dict[str, list[Any]] = {
            "term": contents.terms,
            "provision": contents.provisions,
            "principle": contents.principles,
            "communication": contents.communication,
            "appearance": contents.appearance,
        }
        fresh = next((row for row in items_by_kind[kind.name] if row.pk == item.pk), item)
    context = {"version": item.version, "contents": contents, "item": fresh, "kind": kind}
    return render(request, f"{EDITOR}#{kind.name}", context)


@login_required
@require_GET
def item_show(request: AuthenticatedHttpRequest, kind_name: str, pk: int) -> HttpResponse:
    kind, item = _item(request, kind_name, pk)
    return _item_response(request, kind, item)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthenticatedHttpRequest, kind_name: str, pk: int) -> HttpResponse:
    kind, item = _item(request, kind_name, pk)
    if not item.version.is_draft:
        return _frozen_response(request, item.version)
    form = form_for(kind, data=request.POST or None, instance=item, prefix=f"edit-{kind.name}-{pk}")
    edit = InlineEdit(
        form=form,
        template=f"{EDITOR}#item-form",
        title=_("Edit “%(name)s”") % {"name": str(item)[:80]},
        context={
            "version": item.version,
            "item": item,
            "kind": kind,
            "post_url": reverse("standards:item_edit", args=[kind.name, pk]),
            "cancel_url": reverse("standards:item_show", args=[kind.name, pk]),
        },
        save=lambda data: kind.update(request.user, item, form.expected_revision, data),
        saved=lambda saved: _item_response(request, kind, saved),
        done_url=lambda saved: (
            reverse("standards:editor", args=[saved.version_id]) + f"#{kind.name}-{saved.pk}"
        ),
        done_message=lambda saved: _("“%(name)s” saved.") % {"name": str(saved)[:80]},
    )
    try:
        return inline_edit(request, edit)
    except VersionFrozen:
        return _frozen_response(request, item.version)


def _container_of(kind: ItemKind, item: Any) -> dict[str, Any]:
    if kind.name == "requirement":
        return {"parent": (item.parent_kind, item.parent.pk)}
    return {"chapter": kind.chapter}


@login_required
@require_POST
def item_delete(request: AuthenticatedHttpRequest, kind_name: str, pk: int) -> HttpResponse:
    kind, item = _item(request, kind_name, pk)
    container = _container_of(kind, item)
    version = item.version
    try:
        kind.delete(request.user, item)
    except VersionFrozen:
        return _frozen_response(request, version)
    except ProtectedError as error:
        users = ", ".join(
            f"{obj._meta.verbose_name} “{obj}”" for obj in list(error.protected_objects)[:10]
        )
        response = render(
            request,
            f"{EDITOR}#alert",
            {
                "alert": _("This item is in use and cannot be removed: %(users)s.")
                % {"users": users}
            },
            status=409,
        )
        response["HX-Retarget"] = "#editor-alert"
        response["HX-Reswap"] = "innerHTML"
        return response
    if not is_htmx(request):
        return redirect("standards:editor", version_id=version.pk)
    return _container_response(request, version, **container)


@login_required
@require_POST
def item_move(
    request: AuthenticatedHttpRequest, kind_name: str, pk: int, direction: str
) -> HttpResponse:
    kind, item = _item(request, kind_name, pk)
    if kind.move is None or direction not in {"up", "down"}:
        raise Http404
    container = _container_of(kind, item)
    try:
        kind.move(request.user, item, direction)
    except VersionFrozen:
        return _frozen_response(request, item.version)
    if not is_htmx(request):
        return redirect("standards:editor", version_id=item.version_id)
    return _container_response(request, item.version, **container)
