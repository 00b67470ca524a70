"""Forms of the scorecard pages: which month (and department), and incentive rules."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import EditFormMixin
from roles.models import Department, Position

from .months import month_param, parse_month
from .services import BandInput

BAND_ROWS = 6


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (what <input type="month"> sends)."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")}

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return month_param(value)
        return value


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"), required=False)


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments indented by their depth in the tree."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u00a0\u00a0" * obj.depth + obj.name


class DashboardForm(MonthForm):
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments.order_by("path")
        field.empty_label = None


class BandSetForm(EditFormMixin, forms.Form):
    """New or changed incentive rules: a month, optionally a position, up to six bands."""

    effective_from = MonthField(
        label=_("In force from (month)"),
        help_text=_("Past months keep the rules they were paid by: start this month or later."),
    )
    position = forms.ModelChoiceField(
        label=_("Position"),
        queryset=Position.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("All positions without rules of their own"),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and not args:
            kwargs.setdefault("initial", self.initial_for(instance))
        super().__init__(*args, instance=instance, **kwargs)
        for index in range(1, BAND_ROWS + 1):
            self.fields[f"band_{index}_from"] = forms.DecimalField(
                label=_("Band %(number)s: from, %%") % {"number": index},
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                max_digits=5,
                required=False,
            )
            self.fields[f"band_{index}_coefficient"] = forms.DecimalField(
                label=_("Band %(number)s: coefficient") % {"number": index},
                min_value=Decimal(0),
                max_value=Decimal(10),
                decimal_places=3,
                max_digits=5,
                required=False,
            )

    def saved_values(self, current: Any) -> list[tuple[str, str]]:
        """The rules saved now: their month, position, note and bands."""
        bands = "; ".join(
            f"≥ {band.min_percent}% → {band.coefficient}" for band in current.bands.all()
        )
        return [
            (str(self.fields["effective_from"].label), current.effective_from.strftime("%Y-%m")),
            (str(self.fields["position"].label), str(current.position or _("All positions"))),
            (str(_("Bands")), bands or "—"),
            (str(self.fields["note"].label), current.note or "—"),
        ]

    def band_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (index, self[f"band_{index}_from"], self[f"band_{index}_coefficient"])
            for index in range(1, BAND_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        bands: list[BandInput] = []
        for index in range(1, BAND_ROWS + 1):
            low = cleaned.get(f"band_{index}_from")
            coefficient = cleaned.get(f"band_{index}_coefficient")
            if low is None and coefficient is None:
                continue
            if low is None:
                self.add_error(f"band_{index}_from", _("Say where this band starts."))
            elif coefficient is None:
                self.add_error(f"band_{index}_coefficient", _("Give this band a coefficient."))
            else:
                bands.append(BandInput(min_percent=low, coefficient=coefficient))
        cleaned["bands"] = bands
        return cleaned

    @classmethod
    def initial_for(cls, band_set: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "effective_from": band_set.effective_from,
            "position": band_set.position_id,
            "note": band_set.note,
        }
        for index, band in enumerate(band_set.bands.all(), start=1):
            initial[f"band_{index}_from"] = band.min_percent
            initial[f"band_{index}_coefficient"] = band.coefficient
        return initial
