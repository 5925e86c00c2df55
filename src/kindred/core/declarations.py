"""What an app contributes to Kindred, declared in one typed object: `<app>/contrib.py`.

Core knows no app. Each Kindred app's AppConfig subclasses `KindredApp`, which reads
`CONTRIB` from the app's `contrib` module when Django is ready; core then loops over the
installed apps' declarations, in INSTALLED_APPS order (the layers: core, people, privacy,
goods, aid, later apps), for the navigation, the home page's cards, `kindred demo`, audit
labels, the worker's schedule, hooks run when an organisation is created, and the models
that refer to a person. Apps extend each other the same way: an app names an extension
point in `extension_points` and apps above it add to it in `extends` (aid adds its
documents to the goods ledger's history). `checks.py` validates every declaration at
start-up. docs/architecture.md walks through a new app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps

from .roles import Action, can

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Organization


@dataclass(frozen=True)
class Area:
    """A part of the navigation (People, Goods, Aid, …) holding the pages of one kind of work."""

    key: str
    label: Any  # a lazy translation
    order: int
    icon: str = ""  # a name in core/static/core/icons.svg


@dataclass(frozen=True)
class Nav:
    """One page in an area's menu, shown only to roles that may do `needs`.

    `current` lists the URL names (or "app:prefix*" patterns) of the pages that mark this
    entry as the current one besides its own: a request's detail page belongs to "Help
    requests"."""

    area: str
    url_name: str
    label: Any
    needs: Action | None
    order: int = 100
    current: tuple[str, ...] = ()

    def is_current(self, view_name: str) -> bool:
        for pattern in (self.url_name, *self.current):
            if pattern.endswith("*"):
                if view_name.startswith(pattern[:-1]):
                    return True
            elif view_name == pattern:
                return True
        return False


@dataclass(frozen=True)
class Card:
    """A card on the home page. `build(request)` returns the template's context, or None
    when the card has nothing to say (it is then left out). It must cost a fixed number of
    queries however much data the organisation has (tests/core/test_home.py)."""

    key: str
    template: str
    build: Callable[[HttpRequest], Mapping[str, Any] | None]
    needs: Action | None
    order: int = 100


@dataclass(frozen=True)
class PersonRef:
    """A foreign key to a person: merge moves it to the kept record, a person's data export
    and erasure follow it. Every foreign key to Person must be declared by its model's app
    (kindred.E101)."""

    model: str  # "app_label.ModelName"
    field: str


@dataclass(frozen=True)
class AppContrib:
    """Everything an app adds to the product. Every field is optional."""

    areas: Sequence[Area] = ()
    nav: Sequence[Nav] = ()
    home_cards: Sequence[Card] = ()
    # Called by `kindred demo` once per demo organisation, inside its scope, in its language
    # and in one transaction with the rest of the demo; must be safe to run again.
    demo: Callable[[Organization], object] | None = None
    audit_labels: Mapping[str, Any] = field(default_factory=dict)
    person_refs: Sequence[PersonRef] = ()
    # Called as hook(org) inside create_organization's transaction and scope.
    on_organization_created: Sequence[Callable[[Organization], object]] = ()
    # Called by the worker at start and every few minutes; each only enqueues tasks and
    # must be idempotent.
    scheduled: Sequence[Callable[[], object]] = ()
    # Points where apps above this one plug in: name -> what a contribution must be.
    extension_points: Mapping[str, str] = field(default_factory=dict)
    # Contributions to other apps' extension points: name -> list of contributions.
    extends: Mapping[str, Sequence[Any]] = field(default_factory=dict)


class KindredApp(AppConfig):
    """Base of every Kindred app's AppConfig: reads the app's declaration when ready.

    Import the module, not this class, into an apps.py (`declarations.KindredApp`): Django
    picks an app's config by finding the one AppConfig subclass in it."""

    contrib: AppContrib

    def ready(self) -> None:
        self.contrib = import_module(f"{self.name}.contrib").CONTRIB


def contributions() -> list[tuple[AppConfig, AppContrib]]:
    """The installed apps' declarations, in INSTALLED_APPS order."""
    return [
        (config, config.contrib)
        for config in apps.get_app_configs()
        if isinstance(config, KindredApp) and hasattr(config, "contrib")
    ]


def extensions(point: str) -> list[Any]:
    """Everything the installed apps contribute to the extension point `point`."""
    return [item for _config, c in contributions() for item in c.extends.get(point, ())]


def areas() -> list[Area]:
    return sorted((a for _config, c in contributions() for a in c.areas), key=lambda a: a.order)


def audit_labels() -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for _config, c in contributions():
        labels.update(c.audit_labels)
    return labels


def person_refs() -> list[PersonRef]:
    return [ref for _config, c in contributions() for ref in c.person_refs]


def organization_created_hooks() -> list[Callable[[Organization], object]]:
    return [hook for _config, c in contributions() for hook in c.on_organization_created]


def scheduled_jobs() -> list[Callable[[], object]]:
    return [job for _config, c in contributions() for job in c.scheduled]


def demo_builders() -> list[Callable[[Organization], object]]:
    return [c.demo for _config, c in contributions() if c.demo is not None]


@dataclass
class MenuEntry:
    nav: Nav
    current: bool


@dataclass
class MenuArea:
    area: Area
    entries: list[MenuEntry]

    @property
    def current(self) -> bool:
        return any(e.current for e in self.entries)


def menu(role: str | None, view_name: str) -> list[MenuArea]:
    """The navigation for a role: the areas that have at least one page the role may use,
    each with those pages, the current page (by the resolved view name) marked."""
    by_area: dict[str, list[MenuEntry]] = {}
    navs = sorted(
        (n for _config, c in contributions() for n in c.nav), key=lambda n: (n.order, n.url_name)
    )
    for nav in navs:
        if nav.needs is not None and not can(role, nav.needs):
            continue
        by_area.setdefault(nav.area, []).append(MenuEntry(nav, nav.is_current(view_name)))
    result = [MenuArea(a, by_area[a.key]) for a in areas() if a.key in by_area]
    # One entry is current at most: the first that claims the page.
    seen = False
    for area in result:
        for entry in area.entries:
            if entry.current and seen:
                entry.current = False
            seen = seen or entry.current
    return result


def home_cards(role: str | None) -> list[Card]:
    cards = (card for _config, c in contributions() for card in c.home_cards)
    return sorted(
        (card for card in cards if card.needs is None or can(role, card.needs)),
        key=lambda card: (card.order, card.key),
    )
