"""The main navigation, put together from what each app contributes.

An app registers its links in its AppConfig.ready() with `nav.register(...)`; the
context processor hands each request the sections its user may see. So a new app
adds itself to the menu without editing the base template, and the menu never
shows a link its user would get a 403 from (the view still checks: the menu only
hides).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

Visible = Callable[[Any], bool]


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    order: int


@dataclass(frozen=True)
class Link:
    """One entry of the menu.

    `current` lists what marks it as the page being shown: "namespace:url_name", or
    "namespace:*" for every page of a namespace; `not_current` takes names out again.
    """

    section: str
    label: str | Promise
    url_name: str
    visible: Visible
    order: int = 100
    current: tuple[str, ...] = ()
    not_current: tuple[str, ...] = ()


@dataclass
class ShownLink:
    label: str | Promise
    url: str
    is_current: bool


@dataclass
class ShownSection:
    key: str
    label: str | Promise
    links: list[ShownLink] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return any(link.is_current for link in self.links)


_sections: dict[str, Section] = {}
_links: list[Link] = []


def section(key: str, label: str | Promise, order: int) -> None:
    """Declare a section of the menu (idempotent: the same key is declared once)."""
    _sections.setdefault(key, Section(key, label, order))


def register(*links: Link) -> None:
    for link in links:
        if link not in _links:
            _links.append(link)


def _matches(patterns: Iterable[str], namespace: str, name: str) -> bool:
    for pattern in patterns:
        space, _sep, url_name = pattern.partition(":")
        if space == namespace and url_name in ("*", name):
            return True
    return False


def menu_for(request: HttpRequest) -> list[ShownSection]:
    """The sections and links the request's user may use, in menu order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    name = match.url_name if match else ""
    shown: dict[str, ShownSection] = {}
    for link in sorted(_links, key=lambda link: link.order):
        if link.section not in _sections or not link.visible(user):
            continue
        declared = _sections[link.section]
        target = shown.setdefault(declared.key, ShownSection(declared.key, declared.label))
        is_current = _matches(link.current or (link.url_name,), namespace, name or "") and not (
            _matches(link.not_current, namespace, name or "")
        )
        target.links.append(ShownLink(link.label, reverse(link.url_name), is_current))
    return sorted(shown.values(), key=lambda item: _sections[item.key].order)


def navigation(request: HttpRequest) -> dict[str, object]:
    """Context processor: `menu`, the sections for this request's user."""
    return {"menu": menu_for(request)}
