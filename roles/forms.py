"""Forms of the organisation pages. Rules live in the services; forms shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import EditFormMixin
from core.types import Actor

from .imports import MAX_FILE_BYTES
from .models import Department, Employee, Gender, Position, ProgramRole
from .permissions import manager_root_department
from .selectors import departments_visible_to, employees_visible_to
from .services import LOGIN_ROLES

BRANCH_SEPARATOR = " \u203a "  # a single right-pointing angle quotation mark


def department_labels(
    departments: list[Department], names_from: list[Department]
) -> dict[int, str]:
    """The branch of each department ("Sales / Used cars"), visible ancestors only.

    When everything visible hangs under one top department, its name is left out of
    the others' labels: it would only repeat at the start of every option.
    """
    names = {department.pk: department.name for department in names_from}
    tops = [department.pk for department in names_from if department.parent_id not in names]
    single_top = tops[0] if len(tops) == 1 else None
    labels = {}
    for department in departments:
        branch = [
            ancestor
            for ancestor in department.ancestor_ids
            if ancestor in names and not (ancestor == single_top and department.pk != single_top)
        ]
        labels[department.pk] = (
            BRANCH_SEPARATOR.join(names[ancestor] for ancestor in branch) or department.name
        )
    # The top first, then the branches in alphabetical order: the list reads like the tree.
    return dict(
        sorted(labels.items(), key=lambda item: (item[0] != single_top, item[1].casefold()))
    )


class DepartmentChoiceField(forms.ModelChoiceField):
    """A department picker whose options name the whole branch, so equal names differ."""

    def set_queryset(
        self, queryset: QuerySet[Department], *, names_from: QuerySet[Department] | None = None
    ) -> None:
        departments = list(queryset)
        labels = department_labels(
            departments, departments if names_from is None else list(names_from)
        )
        self.queryset = queryset
        self.choices = [("", self.empty_label or ""), *labels.items()]


class EmployeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Employee) -> str:
        return f"{obj.full_name} · {obj.department.name}"


class _ScopedForm(EditFormMixin, forms.Form):
    """A form whose choices depend on who fills it and on the object being edited."""

    unique_ids = True

    def __init__(self, *args: Any, user: Actor, instance: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=instance, **kwargs)
        self.user = user


class DepartmentForm(_ScopedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = DepartmentChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), required=True
    )
    head = forms.ModelChoiceField(label=_("Head"), queryset=Employee.objects.none(), required=False)

    def __init__(
        self, *args: Any, user: Any, instance: Department | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, instance=instance, **kwargs)
        visible = departments_visible_to(user)
        parents = visible.filter(is_active=True)
        if instance is not None:
            parents = parents.exclude(path__startswith=instance.path)
            self.initial.setdefault("name", instance.name)
            self.initial.setdefault("parent", instance.parent_id)
            self.initial.setdefault("head", instance.head_id)
        self.parent_locked = instance is not None and self._is_scope_root(user, instance)
        if self.parent_locked:
            # The top of a manager's part of the organisation stays where it is: moving
            # it would move it out of their sight.
            del self.fields["parent"]
        else:
            parent_field: DepartmentChoiceField = self.fields["parent"]  # type: ignore[assignment]
            parent_field.set_queryset(parents, names_from=visible)
            parent_field.required = not getattr(user, "is_superuser", False)
        head_field: EmployeeChoiceField = self.fields["head"]  # type: ignore[assignment]
        current_head = instance.head_id if instance is not None else None
        heads = employees_visible_to(user).filter(Q(is_active=True) | Q(pk=current_head))
        head_field.queryset = heads.order_by("full_name", "id")

    @staticmethod
    def _is_scope_root(user: Any, department: Department) -> bool:
        if getattr(user, "is_superuser", False):
            return False
        root = manager_root_department(user)
        return root is not None and root.pk == department.pk

    def parent_value(self) -> Department | None:
        if self.parent_locked:
            assert self.instance is not None
            return self.instance.parent
        parent: Department | None = self.cleaned_data.get("parent")
        return parent


class PositionForm(_ScopedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, user: Any, instance: Position | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, instance=instance, **kwargs)
        if instance is not None:
            self.initial.setdefault("name", instance.name)
            self.initial.setdefault("description", instance.description)


class EmployeeForm(_ScopedForm):
    personnel_number = forms.CharField(label=_("Personnel number"), max_length=50)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none())
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "---------"), *Gender.choices])
    hire_date = forms.DateField(
        label=_("Hire date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(
        self, *args: Any, user: Any, instance: Employee | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, user=user, instance=instance, **kwargs)
        visible = departments_visible_to(user)
        # An employee may stay where they are even if that place was deactivated.
        current_department = instance.department_id if instance is not None else None
        current_position = instance.position_id if instance is not None else None
        departments = visible.filter(Q(is_active=True) | Q(pk=current_department))
        positions = Position.objects.filter(Q(is_active=True) | Q(pk=current_position))
        if instance is not None:
            for name in ("personnel_number", "full_name", "gender", "hire_date", "email"):
                self.initial.setdefault(name, getattr(instance, name))
            self.initial.setdefault("department", instance.department_id)
            self.initial.setdefault("position", instance.position_id)
        department_field: DepartmentChoiceField = self.fields["department"]  # type: ignore[assignment]
        department_field.set_queryset(departments, names_from=visible)
        position_field: forms.ModelChoiceField[Position] = self.fields["position"]  # type: ignore[assignment]
        position_field.queryset = positions.order_by("name")

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "personnel_number": data["personnel_number"],
            "full_name": data["full_name"],
            "department": data["department"],
            "position": data["position"],
            "gender": data["gender"],
            "hire_date": data["hire_date"],
            "email": data["email"],
        }


class EmployeeLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Give it to the employee in person; they can change it after signing in."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role.value, role.label) for role in LOGIN_ROLES],
        initial=[ProgramRole.STAFF],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one role.")},
    )

    def __init__(self, *args: Any, employee: Employee, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_login_{employee.pk}_%s")
        super().__init__(*args, **kwargs)
        self.employee = employee


STATUS_CHOICES = [
    ("active", _("Active")),
    ("inactive", _("Inactive")),
    ("all", _("All")),
]


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )
    position = forms.ModelChoiceField(
        label=_("Position"),
        queryset=Position.objects.none(),
        required=False,
        empty_label=_("All positions"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_filter_%s")
        super().__init__(*args, **kwargs)
        department_field: DepartmentChoiceField = self.fields["department"]  # type: ignore[assignment]
        department_field.set_queryset(departments_visible_to(user))
        position_field: forms.ModelChoiceField[Position] = self.fields["position"]  # type: ignore[assignment]
        position_field.queryset = Position.objects.order_by("name")

    def filters(self) -> dict[str, Any]:
        """What to filter on; a value that does not fit is ignored rather than refused."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "department": data.get("department"),
            "position": data.get("position"),
            "status": data.get("status") or "active",
        }


class PositionSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_filter_%s")
        super().__init__(*args, **kwargs)


class EmployeeImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_("UTF-8 or Windows-1251, comma or semicolon separated, up to 2 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 2 MB: split it into smaller files."))
        return upload
