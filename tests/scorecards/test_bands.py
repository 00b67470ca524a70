"""Incentive rules: company-wide managers edit them; past months keep the rules they
were paid by; every change leaves an activity entry."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Activity
from scorecards import services
from scorecards.models import BandSet
from scorecards.services import BandInput

URL = "scorecards:bands"


def form_data(
    month="2026-05", position="", bands=((95, "1.15"), (85, "1.00"), (0, "0.90")), **extra
):
    data = {"effective_from": month, "position": position, "note": "From May", **extra}
    for index, (low, coefficient) in enumerate(bands, start=1):
        data[f"band_{index}_from"] = str(low)
        data[f"band_{index}_coefficient"] = coefficient
    return data


def test_managers_see_the_rules(frozen_april, general_rules, manager_client, sales_manager_client):
    for client in (manager_client, sales_manager_client):
        response = client.get(reverse(URL))
        assert response.status_code == 200
        text = response.content.decode()
        assert "85 % to below 95 %" in text and "1.15" in text
    # Only a company-wide manager gets the form.
    assert 'name="effective_from"' in manager_client.get(reverse(URL)).content.decode()
    assert 'name="effective_from"' not in sales_manager_client.get(reverse(URL)).content.decode()


def test_a_company_wide_manager_adds_rules_from_a_coming_month(
    frozen_april, manager_client, manager, salesperson_position
):
    response = manager_client.post(reverse(URL), form_data(position=str(salesperson_position.pk)))
    assert response.status_code == 302
    band_set = BandSet.objects.get()
    assert (band_set.effective_from, band_set.position) == (
        datetime.date(2026, 5, 1),
        salesperson_position,
    )
    assert [(b.min_percent, b.coefficient) for b in band_set.bands.order_by("-min_percent")] == [
        (Decimal("95.00"), Decimal("1.150")),
        (Decimal("85.00"), Decimal("1.000")),
        (Decimal("0.00"), Decimal("0.900")),
    ]
    entry = Activity.objects.get(action="scorecards.band_set_create")
    assert entry.actor == manager.user


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form_data(month="2026-03"), "Rules cannot start in a past month"),
        (form_data(bands=((95, "1.15"), (85, "1.00"))), "One band must start at 0%"),
        (form_data(bands=((0, "1.15"), (0, "1.00"))), "Two bands start at the same percentage"),
        (form_data(bands=((0, "11"),)), "less than or equal to 10"),
        (form_data(bands=((50, ""), (0, "1"))), "Give this band a coefficient."),
        (form_data(month="May"), "Enter a month as YYYY-MM"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(frozen_april, manager_client, data, message):
    response = manager_client.post(reverse(URL), data)
    assert response.status_code == 422
    text = response.content.decode()
    assert message in text
    assert 'value="From May"' in text  # what was typed stays
    assert not BandSet.objects.exists()


def test_only_one_set_per_month_and_position(frozen_april, manager_client, general_rules):
    assert manager_client.post(reverse(URL), form_data()).status_code == 302
    response = manager_client.post(reverse(URL), form_data())
    assert response.status_code == 422
    assert "already rules from this month" in response.content.decode()


def test_rules_in_force_in_a_past_month_cannot_change(frozen_april, manager, general_rules):
    with pytest.raises(ValidationError):
        services.band_set_update(
            actor=manager.user, band_set=general_rules, effective_from=datetime.date(2026, 5, 1),
            position=None, bands=[BandInput(Decimal(0), Decimal(2))],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.band_set_delete(actor=manager.user, band_set=general_rules)
    assert BandSet.objects.get().bands.count() == 4


def test_the_edit_page_refuses_frozen_rules(frozen_april, manager_client, general_rules):
    response = manager_client.get(reverse("scorecards:band_edit", args=[general_rules.pk]))
    assert response.status_code == 302
    assert (
        manager_client.post(reverse("scorecards:band_delete", args=[general_rules.pk])).status_code
        == 302
    )
    assert BandSet.objects.filter(pk=general_rules.pk).exists()


@pytest.fixture
def may_rules(frozen_april, manager):
    return services.band_set_create(
        actor=manager.user, effective_from=datetime.date(2026, 5, 1), position=None,
        bands=[BandInput(Decimal(0), Decimal("1.0"))],
    )  # fmt: skip


def test_coming_rules_can_be_changed(may_rules, manager_client):
    url = reverse("scorecards:band_edit", args=[may_rules.pk])
    page = manager_client.get(url)
    assert page.status_code == 200
    version = page.context["form"].initial["updated_at"]
    response = manager_client.post(url, form_data(month="2026-06", updated_at=version))
    assert response.status_code == 302
    may_rules.refresh_from_db()
    assert may_rules.effective_from == datetime.date(2026, 6, 1)
    assert may_rules.bands.count() == 3
    assert Activity.objects.filter(action="scorecards.band_set_update").count() == 1


def test_a_stale_edit_is_refused_with_409(may_rules, manager_client):
    url = reverse("scorecards:band_edit", args=[may_rules.pk])
    version = manager_client.get(url).context["form"].initial["updated_at"]
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        assert manager_client.post(url, form_data(updated_at=version)).status_code == 302
    response = manager_client.post(url, form_data(month="2026-07", updated_at=version))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved a change" in page
    assert 'value="2026-07"' in page  # what was typed is kept
    may_rules.refresh_from_db()
    assert may_rules.effective_from == datetime.date(2026, 5, 1)


def test_coming_rules_can_be_deleted(may_rules, manager_client):
    assert (
        manager_client.get(reverse("scorecards:band_delete", args=[may_rules.pk])).status_code
        == 405
    )
    assert (
        manager_client.post(reverse("scorecards:band_delete", args=[may_rules.pk])).status_code
        == 302
    )
    assert not BandSet.objects.exists()
    assert Activity.objects.filter(action="scorecards.band_set_delete").count() == 1


def test_other_roles_cannot_change_rules(may_rules, sales_manager_client, staff_client, client):
    edit = reverse("scorecards:band_edit", args=[may_rules.pk])
    assert sales_manager_client.post(reverse(URL), form_data()).status_code == 403
    assert sales_manager_client.get(edit).status_code == 403
    assert (
        sales_manager_client.post(
            reverse("scorecards:band_delete", args=[may_rules.pk])
        ).status_code
        == 403
    )
    assert staff_client.get(reverse(URL)).status_code == 403
    assert client.get(reverse(URL)).status_code == 302
    assert BandSet.objects.count() == 1


def test_unknown_rules_are_404(frozen_april, manager_client):
    assert manager_client.get(reverse("scorecards:band_edit", args=[999])).status_code == 404
