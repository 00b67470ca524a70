"""Events a lower app announces and higher apps act on, without the lower app
knowing who listens (the one-way order of the apps stays one-way).

A lower app declares its events as frozen dataclasses in its own `events.py`
(e.g. `audits.events.AuditFinalized`) and calls `publish(event)` inside the
transaction that made it true. A higher app subscribes in its AppConfig.ready()
with `subscribe(EventType, handler)`. Handlers run at once, in the publisher's
transaction: a handler that sends mail, notifies or enqueues work does so with
`transaction.on_commit`, so nothing goes out for a change that rolls back, and a
handler that raises rolls the change back with it. Events carry ids and plain
values, never model instances, so a handler reads what it needs itself.

Figures going stale are not events: they have their own contract
(see docs/architecture.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")

_handlers: defaultdict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` whenever an event of this type is published (once per
    handler, however often this is called)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: object) -> None:
    """Hand the event to every handler of its type, in the order they subscribed."""
    for handler in list(_handlers[type(event)]):
        handler(event)


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)
