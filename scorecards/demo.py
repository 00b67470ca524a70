"""Demo incentive rules and the figures of the demo company. Safe to run again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from roles.models import Position, ProgramRole

from . import services
from .models import BandSet, RecomputeRun
from .months import HISTORY_MONTHS, recent_months
from .services import BandInput

# The rules of the example: >= 95 % -> 1.15, 85-95 -> 1.00, 70-85 -> 0.95, < 70 -> 0.90.
GENERAL_BANDS = [
    BandInput(Decimal(95), Decimal("1.15")),
    BandInput(Decimal(85), Decimal("1.00")),
    BandInput(Decimal(70), Decimal("0.95")),
    BandInput(Decimal(0), Decimal("0.90")),
]
# Salespeople earn more from the standards and lose more by breaking them.
SALES_BANDS = [
    BandInput(Decimal(95), Decimal("1.25")),
    BandInput(Decimal(85), Decimal("1.05")),
    BandInput(Decimal(70), Decimal("0.95")),
    BandInput(Decimal(0), Decimal("0.85")),
]
SALES_POSITION_WORDS = ("продав", "менеджер по продажам", "sales")


def _sales_position() -> Position | None:
    for position in Position.objects.filter(is_active=True).order_by("name"):
        name = position.name.casefold()
        if any(word in name for word in SALES_POSITION_WORDS):
            return position
    return None


def _director() -> Any:
    """The company-wide manager who sets the demo's rules (the activity names them)."""
    return (
        get_user_model()
        .objects.filter(groups__name=ProgramRole.MANAGER, employee__department__parent__isnull=True)
        .order_by("pk")
        .first()
    )


def load_demo_scorecards() -> RecomputeRun | None:
    """Create the demo incentive rules once, then recompute the last 13 months."""
    months = recent_months(HISTORY_MONTHS)
    director = _director()
    with transaction.atomic():
        if not BandSet.objects.exists():
            services.band_set_create(
                actor=director,
                effective_from=months[0],
                position=None,
                bands=GENERAL_BANDS,
                note="Правила по умолчанию для всех должностей",
                allow_past=True,
            )
            sales = _sales_position()
            if sales is not None:
                services.band_set_create(
                    actor=director,
                    effective_from=months[len(months) // 2],
                    position=sales,
                    bands=SALES_BANDS,
                    note="Продавцы: повышенный бонус за стандарты",
                    allow_past=True,
                )
    try:
        run = services.recompute_run_start(actor=None, enqueue=False)
    except services.RecomputeAlreadyRunning:
        return None
    return services.recompute_run_execute(run_id=run.pk)
