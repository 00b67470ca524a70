"""Places on a lower app's page where higher apps show something of their own.

The staff scorecard shows the training figures and the open actions; the dashboard
shows actions per department and knowledge beside compliance; the audit report links
the corrective action of a failed item. The page's app declares a slot by name and
renders whatever is registered for it; the higher app registers a panel in its
AppConfig.ready(): a template and a function that returns its context (or None to
show nothing). The page's view calls `panels_for(...)`: a panel's queries run in the
view, not in a template tag, and each panel checks who may see it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    template: str
    context: PanelContext
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    template: str
    context: dict[str, Any]


_slots: defaultdict[str, list[Panel]] = defaultdict(list)


def register(slot: str, panel: Panel) -> None:
    if panel not in _slots[slot]:
        _slots[slot].append(panel)


def panels_for(slot: str, **arguments: Any) -> list[ShownPanel]:
    """The panels of a slot that have something to show, in order. The arguments
    (the request, the employee, the month ...) are the slot's documented contract."""
    shown = []
    for panel in sorted(_slots[slot], key=lambda panel: panel.order):
        context = panel.context(**arguments)
        if context is not None:
            shown.append(ShownPanel(panel.template, context))
    return shown
