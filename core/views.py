"""One way to answer an inline edit, for every app.

An edit form lives in a row of a page. With htmx the row turns into its form and
back; without JavaScript the form is a page of its own and a save redirects. The
answers are the same everywhere:

- GET: the form (the fragment for htmx, a whole page otherwise);
- POST with errors: 422 with the form and what was typed;
- POST over a newer save (EditConflict): 409 with what was typed, rebased on the
  saved version, and what is saved now;
- POST refused by a rule (ValidationError): 422 with the message on the form;
- a save: the row's fragment for htmx, a redirect with a message otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .edits import EditConflict
from .forms import EditFormMixin, apply_errors

T = TypeVar("T")

EDIT_PAGE = "core/edit_page.html"


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


@dataclass
class InlineEdit(Generic[T]):
    """What one edit needs: its form, where the form is drawn, the service call, and
    the answers after a save.

    - `template`: the template (usually "page.html#partial") that draws the form for
      htmx, in place of the row; `page_template` draws it inside a page of its own
      for a browser without JavaScript (the same template unless given).
    - `title`: the heading of that page.
    - `save`: calls the service with the cleaned data; may raise EditConflict or
      ValidationError.
    - `saved`: the htmx answer after a save (the row, or the list it sits in).
    - `done_url` and `done_message`: where a browser without JavaScript goes after a
      save, and what it is told.
    """

    form: forms.BaseForm
    template: str
    title: str
    save: Callable[[dict[str, Any]], T]
    saved: Callable[[T], HttpResponse]
    done_url: Callable[[T], str]
    done_message: Callable[[T], str]
    context: Mapping[str, Any] = field(default_factory=dict)
    page_template: str = ""


def render_edit_form(
    request: HttpRequest,
    edit: InlineEdit[Any],
    *,
    status: int = 200,
    conflict: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    form = edit.form
    if isinstance(form, EditFormMixin):
        form.focus()
    context = {**edit.context, "form": form, "conflict": conflict, "title": edit.title}
    if is_htmx(request):
        return render(request, edit.template, context, status=status)
    page = {**context, "form_template": edit.page_template or edit.template}
    return render(request, EDIT_PAGE, page, status=status)


def inline_edit(request: HttpRequest, edit: InlineEdit[T]) -> HttpResponse:
    """Answer a GET or a POST of an inline edit (see the module docstring)."""
    if request.method != "POST":
        return render_edit_form(request, edit)
    form = edit.form
    if not form.is_valid():
        return render_edit_form(request, edit, status=422)
    try:
        saved = edit.save(form.cleaned_data)
    except EditConflict as error:
        conflict = form.rebase(error.current) if isinstance(form, EditFormMixin) else []
        return render_edit_form(request, edit, status=409, conflict=conflict)
    except ValidationError as error:
        apply_errors(form, error)
        return render_edit_form(request, edit, status=422)
    if is_htmx(request):
        return edit.saved(saved)
    messages.success(request, edit.done_message(saved))
    return redirect(edit.done_url(saved))
