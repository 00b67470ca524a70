"""Form mechanics shared by every editing page: the revision marker a form was opened
with, a service's errors shown on the form, and what is saved now after a conflict."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .edits import Revision, revision_field, revision_of

OUT_OF_DATE = _("This form is out of date: reload the page and try again.")


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def revision_text(instance: models.Model) -> str:
    value = revision_of(instance)
    return value.isoformat() if isinstance(value, datetime.datetime) else str(value)


class RevisionField(forms.CharField):
    """The hidden revision (an `updated_at` time or a revision number) an edit form was
    opened with. Required: an edit that does not say which version it started from
    could overwrite a newer one unseen."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"required": OUT_OF_DATE, "invalid": OUT_OF_DATE})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Revision | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if text.isdigit():
            return int(text)
        parsed = parse_datetime(text)
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:  # a mixin: the form class it is mixed into supplies BaseForm
    _FormBase = object


class EditFormMixin(_FormBase):
    """For a form that edits a stored object (`instance`): the hidden revision field,
    named after the model's marker (`updated_at` or `revision`), focus on the first
    field to fix, the form rebased after a conflict, and the values saved now.

    On an "add" form (no instance) there is no revision field. With `unique_ids`, the
    fields' ids name the object (`id_employee_7_name`), so several edit forms can sit on
    one page.
    """

    unique_ids = False

    instance: Any

    def __init__(self, *args: Any, instance: models.Model | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if self.unique_ids:
            kwargs.setdefault(
                "auto_id",
                f"id_{type(instance).__name__.lower()}_{instance.pk}_%s"
                if instance is not None
                else "id_new_%s",
            )
        if isinstance(self, forms.BaseModelForm):
            kwargs["instance"] = instance
        super().__init__(*args, **kwargs)
        self.revision_name = revision_field(instance) if instance is not None else ""
        if instance is not None:
            self.fields[self.revision_name] = RevisionField()
            self.initial.setdefault(self.revision_name, revision_text(instance))

    @property
    def hidden_errors(self) -> list[str]:
        """Errors of hidden fields (an out-of-date revision), shown above the form."""
        return [str(error) for field in self.hidden_fields() for error in field.errors]

    @property
    def expected_revision(self) -> Revision | None:
        if not self.revision_name:
            return None
        value: Revision | None = self.cleaned_data.get(self.revision_name)
        return value

    def focus(self) -> None:
        """Put the cursor on the first field with an error, or on the first field."""
        names = [name for name, field in self.fields.items() if not field.widget.is_hidden]
        targets = [name for name in names if name in self.errors] or names
        if targets:
            self.fields[targets[0]].widget.attrs["autofocus"] = True

    def rebase(self, current: models.Model) -> list[tuple[str, str]]:
        """After a conflict: keep what was typed, carry the newer revision so a second
        save knowingly replaces the other person's version. Returns the values saved
        now, for the conflict notice (`core/conflict_notice.html`)."""
        data = QueryDict(mutable=True)
        for key, value in self.data.items():
            if isinstance(self.data, QueryDict):
                data.setlist(key, self.data.getlist(key))
            else:
                data[key] = value
        data[self.add_prefix(self.revision_name)] = revision_text(current)
        self.data = data
        return self.saved_values(current)

    def saved_values(self, current: models.Model) -> list[tuple[str, str]]:
        """The values saved now, labelled, for the conflict notice."""
        values = []
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            value = getattr(current, name, "")
            display = getattr(current, f"get_{name}_display", None)
            if callable(display):
                text = str(display())
            elif isinstance(value, bool):
                text = str(_("yes") if value else _("no"))
            else:
                text = "" if value is None else str(value)
            values.append((str(field.label or name), text or "—"))
        return values
