"""Forms for templates, assignments and disputes, and the parser of the audit form."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import EditFormMixin, RevisionField
from journeys.models import Channel, Journey
from roles.models import Department
from standards.models import BookVersion

from . import scoring
from .models import Answer, Audit, ChecklistTemplate
from .selectors import FormStep, auditors_for_choice, employee_allowed, versions_for_templates
from .services import UNIDENTIFIED, AuditContent, FormPost

# Templates ---------------------------------------------------------------------------


class TemplateStartForm(forms.Form):
    """First half of building a template: which version and which journey."""

    version = forms.ModelChoiceField(
        label=gettext_lazy("Book version"), queryset=BookVersion.objects.none(), empty_label=None
    )
    journey = forms.ModelChoiceField(
        label=gettext_lazy("Journey"), queryset=Journey.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions_for_templates()  # type: ignore[attr-defined]
        self.fields["journey"].queryset = Journey.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


class TemplateCreateForm(TemplateStartForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    notes = forms.CharField(
        label=gettext_lazy("Scenario notes for the auditor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "What the auditor plays and asks, e.g. pays cash, asks for a discount."
        ),
    )
    places = forms.MultipleChoiceField(
        label=gettext_lazy("Steps and situations to check"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one step or situation.")},
    )

    def __init__(self, *args: Any, place_keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["places"].choices = [(key, key) for key in place_keys]  # type: ignore[attr-defined]


class TemplateEditForm(EditFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    notes = forms.CharField(
        label=gettext_lazy("Scenario notes for the auditor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, instance: ChecklistTemplate, **kwargs: Any) -> None:
        if not args:
            kwargs.setdefault("initial", {"name": instance.name, "notes": instance.notes})
        super().__init__(*args, instance=instance, **kwargs)


class StaleCheckForm(forms.Form):
    updated_at = RevisionField()


# Assignment -----------------------------------------------------------------------------


class AuditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class AssignForm(forms.Form):
    template = forms.ModelChoiceField(
        label=gettext_lazy("Checklist template"), queryset=ChecklistTemplate.objects.none()
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.none()
    )
    auditor = AuditorChoiceField(label=gettext_lazy("Auditor"), queryset=auditors_for_choice())
    window_start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    window_end = forms.DateField(
        label=gettext_lazy("Until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ChecklistTemplate.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["department"].queryset = departments.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["auditor"].queryset = auditors_for_choice()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The window ends before it starts."))
        return data


# Disputes ---------------------------------------------------------------------------------


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is this answer wrong?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class DecisionForm(forms.Form):
    ACCEPT = "accept"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(ACCEPT, gettext_lazy("Accept")), (REJECT, gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    answer = forms.ChoiceField(
        label=gettext_lazy("Corrected answer (when accepted)"),
        choices=[
            (Answer.YES.value, Answer.YES.label),
            (Answer.NOT_APPLICABLE.value, Answer.NOT_APPLICABLE.label),
        ],
        initial=Answer.YES.value,
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when rejecting: the employee reads it."),
        max_length=2000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.REJECT and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the dispute is rejected."))
        if data.get("decision") == self.ACCEPT and not data.get("answer"):
            self.add_error("answer", _("Choose the corrected answer."))
        return data


# The audit form -------------------------------------------------------------------------

VISIT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
COMMENT_MAX = 2000


def parse_visited_at(raw: str) -> datetime.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    for pattern in VISIT_FORMATS:
        try:
            naive = datetime.datetime.strptime(raw, pattern)
        except ValueError:
            continue
        return timezone.make_aware(naive)
    raise ValueError(raw)


def parse_audit_content(
    audit: Audit,
    steps: list[FormStep],
    data: QueryDict,
) -> tuple[AuditContent, dict[str, str]]:
    """Read whatever part of the audit form a request carries.

    Field names: answer-<item id>, comment-<item id>, employee-<audit step id>,
    visited_at, channel. Unknown ids are ignored; bad values are reported by field name
    and left out of the content, so everything valid is still saved.
    """
    content = AuditContent()
    errors: dict[str, str] = {}
    items = {item.pk: item for row in steps for item in row.items}
    by_step = {row.step.pk: row.step for row in steps}
    employees = {employee.pk: employee for row in steps for employee in row.employee_choices}
    for key in data:
        prefix, _sep, raw_id = key.partition("-")
        if not raw_id.isdigit():
            continue
        pk = int(raw_id)
        value = data.get(key, "")
        if prefix == "answer" and pk in items:
            if value not in ("", *scoring.ANSWERS):
                errors[key] = _("Choose yes, no or N/A.")
            else:
                content.answers[pk] = value
        elif prefix == "comment" and pk in items:
            if len(value) > COMMENT_MAX:
                errors[key] = _("Keep the comment under %(count)s characters.") % {
                    "count": COMMENT_MAX
                }
            else:
                content.comments[pk] = value
        elif prefix == "employee" and pk in by_step:
            if value in ("", UNIDENTIFIED) or (
                value.isdigit()
                and int(value) in employees
                and employee_allowed(audit, by_step[pk], employees[int(value)])
            ):
                content.observations[pk] = value
            else:
                errors[key] = _("Choose an employee of this department in this position.")
    if "visited_at" in data:
        try:
            visited_at = parse_visited_at(data.get("visited_at", ""))
        except ValueError:
            errors["visited_at"] = _("Enter the date and time of the visit.")
        else:
            if visited_at is not None and visited_at > timezone.now() + datetime.timedelta(hours=1):
                errors["visited_at"] = _("The visit cannot be in the future.")
            else:
                content.visited_at = visited_at
                content.has_visited_at = True
    if "channel" in data:
        channel = data.get("channel", "")
        if channel and channel not in Channel.values:
            errors["channel"] = _("Choose how the contact took place.")
        else:
            content.channel = channel
            content.has_channel = True
    return content, errors


def parse_client_id(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw or "").strip())
    except ValueError:
        return None


def read_form_post(
    audit: Audit, steps: list[FormStep], data: QueryDict, files: MultiValueDict[str, UploadedFile]
) -> FormPost:
    """Read a whole post of the auditor's form once: the content, the photos of this
    audit's items (`photo-<item id>`) and a photo to remove (`delete_photo`)."""
    content, errors = parse_audit_content(audit, steps, data)
    item_ids = {item.pk for row in steps for item in row.items}
    photos: dict[int, UploadedFile] = {}
    for key in files:
        prefix, _sep, raw_id = key.partition("-")
        upload = files.get(key)
        if prefix == "photo" and raw_id.isdigit() and int(raw_id) in item_ids and upload:
            photos[int(raw_id)] = upload
    remove = data.get("delete_photo", "")
    return FormPost(
        content=content,
        errors=errors,
        photos=photos,
        remove_photo=int(remove) if remove.isdigit() else None,
    )
