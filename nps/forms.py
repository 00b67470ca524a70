"""Forms of the NPS pages. Rules live in the services; forms shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import EditFormMixin
from journeys.models import Step
from roles.api_auth import api_client_logins
from roles.forms import DepartmentChoiceField, EmployeeChoiceField
from roles.models import ApiScope, Department, Employee
from roles.permissions import manager_sees_everything
from roles.selectors import departments_visible_to, employees_visible_to

from .imports import MAX_FILE_BYTES
from .models import ExportFormat, FollowUp, ProblemTag, Response, Survey
from .selectors import steps_for_choice

FOLLOW_UP_CHOICES = [
    (FollowUp.OPEN.value, FollowUp.OPEN.label),
    (FollowUp.CONTACTED.value, FollowUp.CONTACTED.label),
    (FollowUp.RESOLVED.value, FollowUp.RESOLVED.label),
]


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Step) -> str:
        return f"{obj.stage.journey.name} \u203a {obj.stage.name} \u203a {obj.name}"


class _VersionedForm(EditFormMixin, forms.Form):
    unique_ids = True


class SurveyForm(_VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    step = StepChoiceField(label=_("Journey step"), queryset=Step.objects.none(), required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    employee = EmployeeChoiceField(
        label=_("Employee (personal link)"),
        queryset=Employee.objects.none(),
        required=False,
        help_text=_("Leave empty for a link of the whole department."),
    )
    active_from = forms.DateField(
        label=_("Open from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    active_until = forms.DateField(
        label=_("Open until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: open until paused."),
    )
    follow_up_ru = forms.CharField(label=_("Follow-up question (Russian)"), max_length=300)
    follow_up_en = forms.CharField(label=_("Follow-up question (English)"), max_length=300)

    def __init__(
        self, *args: Any, user: Any, instance: Survey | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        template = instance or Survey()
        for name in ("name", "follow_up_ru", "follow_up_en", "active_from", "active_until"):
            self.initial.setdefault(name, getattr(template, name))
        if instance is not None:
            self.initial.setdefault("step", instance.step_id)
            self.initial.setdefault("department", instance.department_id)
            self.initial.setdefault("employee", instance.employee_id)
        visible = departments_visible_to(user)
        current_department = instance.department_id if instance else None
        department_field: DepartmentChoiceField = self.fields["department"]  # type: ignore[assignment]
        department_field.set_queryset(
            visible.filter(Q(is_active=True) | Q(pk=current_department)), names_from=visible
        )
        current_employee = instance.employee_id if instance else None
        employee_field: EmployeeChoiceField = self.fields["employee"]  # type: ignore[assignment]
        employee_field.queryset = (
            employees_visible_to(user)
            .filter(Q(is_active=True) | Q(pk=current_employee))
            .order_by("full_name", "id")
        )
        step_field: StepChoiceField = self.fields["step"]  # type: ignore[assignment]
        step_field.queryset = steps_for_choice()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("active_from"), cleaned.get("active_until")
        if start and end and end < start:
            self.add_error("active_until", _("The survey cannot close before it opens."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in (
                "name",
                "step",
                "department",
                "employee",
                "active_from",
                "active_until",
                "follow_up_ru",
                "follow_up_en",
            )
        }


class ProblemTagForm(_VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args: Any, instance: ProblemTag | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None:
            self.initial.setdefault("name", instance.name)
            self.initial.setdefault("description", instance.description)


class TagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label=_("Problem tags"),
        queryset=ProblemTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, response: Response, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_response_{response.pk}_%s")
        super().__init__(*args, **kwargs)
        from .selectors import tags_for_choice

        field: forms.ModelMultipleChoiceField = self.fields["tags"]  # type: ignore[assignment]
        field.queryset = tags_for_choice(response)
        if not self.is_bound:
            self.initial["tags"] = [tag.pk for tag in response.tags.all()]


class FollowUpForm(_VersionedForm):
    status = forms.ChoiceField(label=_("Follow-up status"), choices=FOLLOW_UP_CHOICES)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done or agreed with the customer."),
    )

    def __init__(self, *args: Any, instance: Response, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.initial.setdefault("status", instance.follow_up_status or FollowUp.OPEN)
        self.initial.setdefault("note", instance.follow_up_note)


# Public survey pages -------------------------------------------------------------------


class ScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=[(str(value), str(value)) for value in range(11)],
        coerce=int,
        error_messages={
            "required": _("Choose a score from 0 to 10."),
            "invalid_choice": _("Choose a score from 0 to 10."),
        },
    )
    # Left empty by people (it is hidden from them); bots fill every field they see.
    website = forms.CharField(required=False, max_length=200)

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


class DetailsForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        required=False,
        max_length=200,
        help_text=_("Only if you would like us to contact you about your answer."),
    )
    contact_consent = forms.BooleanField(
        label=_("I agree that the company may contact me about this answer."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        gave_contact = cleaned.get("contact_name", "").strip() or cleaned.get("contact", "").strip()
        if gave_contact and not cleaned.get("contact_consent"):
            self.add_error(
                "contact_consent",
                _("Tick this box to let us contact you, or leave the contact fields empty."),
            )
        if cleaned.get("contact_consent") and not cleaned.get("contact", "").strip():
            self.add_error("contact", _("Write a phone number or an e-mail address."))
        return cleaned


# Manager tools --------------------------------------------------------------------------


class ResponseImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: external_id, submitted_at, score, survey; optional comment, employee."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB: split it into smaller files.")
            )
        return upload


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses it, e.g. “CRM after-sale survey” or “Payroll”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    acts_as = forms.ChoiceField(
        label=_("Acts as"),
        help_text=_(
            "What the token may see: your part of the organisation, or (an API-client login) "
            "the whole company."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [("", _("Me (%(name)s)") % {"name": user.get_username()})]
        if manager_sees_everything(user):
            choices += [
                (str(login.pk), _("API client “%(name)s”") % {"name": login.get_username()})
                for login in api_client_logins()
            ]
        acts_as: forms.ChoiceField = self.fields["acts_as"]  # type: ignore[assignment]
        acts_as.choices = choices
        acts_as.required = False

    def acting_user(self) -> Any:
        chosen = self.cleaned_data.get("acts_as")
        if not chosen:
            return self.user
        return api_client_logins().get(pk=int(chosen))
