"""Personas and one-line builders shared by every test.

Personas live in the "home" organisation (Hjælpesporet-like, Danish) — one user per role —
plus `outsider`, the administrator of another organisation. Builders: `make_org`,
`make_member`, `make_site`, `api_token`.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from kindred.core import services
from kindred.core.models import ApiToken, AuditEntry, Membership, Organization, Site, User
from kindred.core.roles import Role
from kindred.goods import models as goods_models
from kindred.goods.catalogue import DEFAULT_TYPES
from kindred.goods.services import catalogue as goods_catalogue
from kindred.goods.services import ledger
from tests.api import openapi_check
from tests.shared import (  # noqa: F401 (fixtures)
    ModuleTransaction,
    is_transactional,
    module_transaction,
    shared,
    shared_memo,
    shared_names,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct-horse-battery"


ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def _deselect(config, items, unwanted) -> None:
    dropped = [item for item in items if unwanted(item)]
    if dropped:
        items[:] = [item for item in items if not unwanted(item)]
        config.hook.pytest_deselected(items=dropped)


def _is_slow(item) -> bool:
    return "slow" in item.keywords or "browser" in item.keywords


def _name_each_operation(items) -> None:
    """pytest 9.2 builds a test's id from its function's name and its `parametrize` ids, and
    schemathesis' items (one per API operation) have none: all 122 fuzzing tests shared one
    id, and pytest-xdist's per-module scheduling, which keys tests by id, ran one of them.
    Each gets its operation in its id, as in its name (tests/api/test_api_fuzz.py checks)."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item._id.params is None:
            item._id = item._id.with_params(label)


def pytest_collection_modifyitems(config, items):
    """Which tests run where (docs/testing.md).

    Slow suites (marked `slow`, and every `browser` test) run once per CI run: in its SQLite
    run, not in its PostgreSQL run. `make test` outside CI runs everything once.

    Tests marked `postgres` (row locks under real concurrency) need PostgreSQL. On SQLite
    they are deselected in CI, whose PostgreSQL run has them, and skipped with a one-line
    reason elsewhere.

    Outside CI, browser tests skip with one line when Chromium is missing; in CI they must
    run, so a missing browser fails them instead."""
    _name_each_operation(items)
    if IN_CI and ON_POSTGRES:
        _deselect(config, items, _is_slow)
    # pytest-xdist runs each module whole on one worker, in this order (`--dist loadfile
    # --no-loadscope-reorder`, Makefile). The long modules go first, so that none starts
    # last: those with a long test (the slow suites, PostgreSQL races) and those of a
    # thousand cases or more (the permission matrix). Browser tests stay where they are:
    # Chromium's own processes would slow the long tests down if they all ran at once.
    sizes = Counter(getattr(item, "module", None) for item in items)
    long_modules = {
        getattr(item, "module", None)
        for item in items
        if "slow" in item.keywords or "postgres" in item.keywords
    } | {module for module, size in sizes.items() if size >= 1000}
    items.sort(key=lambda item: getattr(item, "module", None) not in long_modules)
    if not ON_POSTGRES:
        if IN_CI:
            _deselect(config, items, lambda item: "postgres" in item.keywords)
        else:
            skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
            for item in items:
                if "postgres" in item.keywords:
                    item.add_marker(skip)
    if IN_CI or shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
        return
    skip = pytest.mark.skip(reason="Chromium not installed (/usr/bin/chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    if IN_CI and not ON_POSTGRES:
        return "CI on SQLite: with the slow suites; tests marked `postgres` run on PostgreSQL"
    if IN_CI:
        return "CI on PostgreSQL: the slow suites (`slow`, `browser`) ran on SQLite"
    return None


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    """Settings for the whole run, in place before any data is built (shared data is built
    once per module, before function-scoped fixtures): tasks run at once; MD5 instead of
    Argon2, which is deliberately slow; django-axes off unless a test is marked `axes`;
    uploads and job files in a throwaway folder, never in var/. WhiteNoise looks static
    files up when asked instead of listing every file whenever a test client starts (36 ms
    per client, a third of a permission-matrix case)."""
    root = tmp_path_factory.mktemp("kindred")
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        AXES_ENABLED=False,
        WHITENOISE_AUTOREFRESH=True,
        MEDIA_ROOT=root / "media",
        DATA_DIR=root / "data",
    ):
        yield


@pytest.fixture(scope="session", autouse=True)
def _api_calls_match_the_openapi_document():
    """Every call a test makes to /api/v1/ through Django's test client is checked against
    the served OpenAPI document: the answer always, the request when it was accepted
    (tests/api/openapi_check.py)."""
    openapi_check.install()
    yield
    openapi_check.uninstall()


@pytest.fixture(autouse=True)
def _axes_when_marked(settings, request):
    if "axes" in request.keywords:
        settings.AXES_ENABLED = True


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request leaves its language active in the
    thread (LocaleMiddleware never deactivates it), so a service test after a Swedish page's
    test read its errors in Swedish, depending on the order pytest-xdist chose."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="module", autouse=True)
def _shared_data(request):
    """Build every shared fixture the module's tests use, once, when the module starts
    (tests/shared.py)."""
    for name in shared_names(request.node):
        request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def _commits_outside_shared_data(request):
    if ModuleTransaction.active and is_transactional(request):
        raise pytest.UsageError(
            f"{request.node.nodeid} commits, but its module holds shared data in an open "
            "transaction: move the test to a module of committing tests"
        )


def make_user(email: str, *, full_name: str = "", language: str = "") -> User:
    return User.objects.create_user(
        email=email,
        password=PASSWORD,
        full_name=full_name or email.split("@")[0],
        language=language,
    )


def make_org(slug: str = "home", *, admin: User | None = None, **values) -> Organization:
    admin = admin or make_user(f"admin@{slug}.test", full_name=f"Admin {slug}")
    defaults = {
        "name": slug.title(),
        "country": "DK",
        "currency": "DKK",
        "default_language": "en",
        "time_zone": "Europe/Copenhagen",
    }
    defaults.update(values)
    return services.create_organization(slug=slug, admin=admin, actor=admin, **defaults)


def make_member(org: Organization, role: str, email: str | None = None) -> User:
    user = make_user(email or f"{role}-{User.objects.count()}@{org.slug}.test")
    with scope(organization=org):
        services.add_member(org=org, user=user, role=role, actor=None)
    return user


def make_site(org: Organization, name: str = "Warehouse", **values) -> Site:
    with scope(organization=org):
        return services.create_site(
            org=org, values={"name": name, "kind": Site.Kind.WAREHOUSE, **values}, actor=None
        )


def api_token(org: Organization, user: User) -> str:
    with scope(organization=org):
        _token, raw = services.create_api_token(org=org, user=user, name="test")
    return raw


def api_caller(org: Organization, user: User, prefix: str):
    """`call(method, path, data=None)` on the API as `user` with a fresh token, paths under
    `prefix` (e.g. "/api/v1/organizations/home/goods"); `data` goes as JSON."""
    client = Client()
    raw = api_token(org, user)
    # Used just now, as by a client that has been working: the request under test does not
    # refresh "last used" (a write a refusal must not make for its own sake).
    with scopes_disabled():
        ApiToken.objects.filter(token_hash=ApiToken.hash(raw)).update(last_used_at=timezone.now())
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def call(method: str, path: str, data=None):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        args = (data,) if data is not None else ()
        return getattr(client, method)(prefix + path, *args, **kwargs, **headers)

    return call


def subprocess_database_url() -> str:
    """The test database as a DATABASE_URL, for a separate Kindred process (a worker, a
    second server) in a committing PostgreSQL test."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def admin_of(org: Organization) -> User:
    with scopes_disabled():
        return Membership.objects.filter(organization=org, role=Role.ADMIN).first().user


GOODS_MODELS = [
    goods_models.Category,
    goods_models.ItemType,
    goods_models.Location,
    goods_models.StockBalance,
    goods_models.Movement,
    goods_models.DonationReceipt,
    goods_models.DonationLine,
    goods_models.OneOffItem,
    goods_models.Sorting,
    goods_models.SortingLine,
    goods_models.Transfer,
    goods_models.TransferLine,
    goods_models.StockCount,
    goods_models.StockCountLine,
    goods_models.DisposalLot,
    goods_models.DisposalLine,
    goods_models.Threshold,
    goods_models.GoodsSettings,
]


def item_type(org: Organization, code: str) -> goods_models.ItemType:
    """The organisation's item type with a default catalogue code (the catalogue is
    created on first use)."""
    with scope(organization=org):
        found = goods_models.ItemType.objects.filter(organization=org, code=code).first()
        if found is None:
            goods_catalogue.ensure_default_catalogue(org)
            found = goods_models.ItemType.objects.get(organization=org, code=code)
        return found


def make_location(
    org: Organization, site: Site | None = None, name: str = "Shelf A", **values
) -> goods_models.Location:
    if site is None:
        with scope(organization=org):
            site = Site.objects.filter(organization=org, name="Warehouse").first()
        site = site or make_site(org, "Warehouse")
    with scope(organization=org):
        location, _ = goods_models.Location.objects.get_or_create(
            organization=org, site=site, name=name, defaults=values
        )
        return location


def split_stock_code(code: str) -> tuple[str, str]:
    """ "child-winter-jacket-110" -> ("child-winter-jacket", "110"); "sofa" -> ("sofa", "")."""
    if code in DEFAULT_TYPES:
        return code, ""
    base, _, size = code.rpartition("-")
    if base not in DEFAULT_TYPES:
        raise KeyError(code)
    return base, size


def stock(
    org: Organization,
    spec: dict[goods_models.Location, dict[str, int | str]],
    *,
    grade: str = "good",
    actor: User | None = None,
) -> None:
    """Put stock in place through the ledger: `stock(org, {shelf: {"child-winter-jacket-110":
    5, "sofa": 1}})`."""
    from decimal import Decimal

    moves = []
    for location, items in spec.items():
        for code, quantity in items.items():
            base, size = split_stock_code(code)
            moves.append(
                ledger.Move(
                    kind=goods_models.Movement.Kind.INTAKE,
                    item_type_id=item_type(org, base).pk,
                    size=size,
                    grade=grade,
                    quantity=Decimal(str(quantity)),
                    to_location=location.pk,
                )
            )
    with scope(organization=org):
        ledger.record(org=org, moves=moves, actor=actor or admin_of(org))


def balance(org: Organization, location, code: str, *, grade: str = "good"):
    from decimal import Decimal

    base, size = split_stock_code(code)
    with scope(organization=org):
        row = goods_models.StockBalance.objects.filter(
            location=location, item_type=item_type(org, base), size=size, grade=grade
        ).first()
        return row.quantity if row else Decimal("0")


def audit_count(org: Organization | None = None) -> int:
    with scopes_disabled():
        qs = AuditEntry.objects.all()
        return qs.filter(organization=org).count() if org else qs.count()


def owned_models() -> list[type]:
    """Every model whose rows belong to an organisation (a foreign key `organization`), from
    the app registry: a new app's tables are in every snapshot without a list to keep. The
    audit log is left out: a snapshot counts its entries instead."""
    return [
        model
        for model in apps.get_models()
        if model is not AuditEntry
        and any(
            field.name == "organization" and field.related_model is Organization
            for field in model._meta.fields
        )
    ]


def snapshot(org: Organization) -> dict:
    """Everything an organisation owns, to assert that a denied action changed nothing: its
    own row and every row of the tables it owns (owned_models()), as stored (one plain SELECT a table:
    the ORM's querysets cost nine tenths of the time), and its number of audit entries."""
    quote = connection.ops.quote_name

    def rows(model, column: str) -> list[tuple]:
        sql = (
            f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s "
            f"ORDER BY {quote(model._meta.pk.column)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [org.pk])
            return cursor.fetchall()

    def owner(model) -> str:
        return model._meta.get_field("organization").column

    return {
        "org": rows(Organization, Organization._meta.pk.column),
        "audit": audit_count(org),
        **{model._meta.label: rows(model, owner(model)) for model in owned_models()},
    }


@dataclass
class Personas:
    """The home organisation (Hjælpesporet-like, Danish) with one user of every role, and
    another organisation whose administrator is the outsider."""

    org: Organization
    other_org: Organization
    admin: User
    coordinator: User
    volunteer: User
    referrer: User
    fundraiser: User
    outsider: User


def build_personas() -> Personas:
    org = make_org("home", name="Home Charity")
    other_org = make_org("other", name="Other Charity", country="SE", currency="SEK")
    return Personas(
        org=org,
        other_org=other_org,
        admin=admin_of(org),
        coordinator=make_member(org, Role.COORDINATOR, "coordinator@home.test"),
        volunteer=make_member(org, Role.VOLUNTEER, "volunteer@home.test"),
        referrer=make_member(org, Role.REFERRER, "referrer@home.test"),
        fundraiser=make_member(org, Role.FUNDRAISER, "fundraiser@home.test"),
        outsider=admin_of(other_org),
    )


@shared
def personas() -> Personas:
    """Built once per module; each test gets copies (tests/shared.py)."""
    return build_personas()


@pytest.fixture
def org(personas) -> Organization:
    return personas.org


@pytest.fixture
def other_org(personas) -> Organization:
    return personas.other_org


@pytest.fixture
def admin(personas) -> User:
    return personas.admin


@pytest.fixture
def coordinator(personas) -> User:
    return personas.coordinator


@pytest.fixture
def volunteer(personas) -> User:
    return personas.volunteer


@pytest.fixture
def referrer(personas) -> User:
    return personas.referrer


@pytest.fixture
def fundraiser(personas) -> User:
    return personas.fundraiser


@pytest.fixture
def outsider(personas) -> User:
    """The administrator of another organisation."""
    return personas.outsider


@pytest.fixture
def site(org) -> Site:
    # Per test, not shared: many tests make sites of their own, named like this one.
    return make_site(org, "Lageret", city="Herning")


@pytest.fixture
def client_for():
    def build(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return build


# PostgreSQL reachability -------------------------------------------------------------------
# With DATABASE_URL=postgres://…, an unreachable server must not look like 300 broken tests:
# CI stops at once with one loud message; a laptop skips every test with a one-line reason.


def postgres_params(url: str) -> dict:
    """psycopg.connect() keywords for the server of a DATABASE_URL (any database name)."""
    import dj_database_url

    db = dj_database_url.parse(url)
    return {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
    }


def _postgres_problem(url: str) -> str | None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    where = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    params = {**postgres_params(url), "connect_timeout": 5}
    # The test database is created through the maintenance database "postgres", so the
    # server counts as reachable when either that or the configured database answers.
    error: Exception | None = None
    for name in (db["NAME"], "postgres"):
        try:
            psycopg.connect(dbname=name, **params).close()
        except psycopg.Error as exc:
            error = exc
        else:
            return None
    reason = str(error).strip().splitlines()[0] if error else "no answer"
    return f"PostgreSQL at {where} (DATABASE_URL) is unreachable: {reason}"


class _SkipEverything:
    def __init__(self, reason: str):
        self.reason = reason

    def pytest_collection_modifyitems(self, items):
        skip = pytest.mark.skip(reason=self.reason)
        for item in items:
            item.add_marker(skip)


def pytest_sessionstart(session):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    problem = _postgres_problem(url)
    if problem is None:
        return
    if IN_CI:
        pytest.exit(f"CI=true and {problem}", returncode=pytest.ExitCode.TESTS_FAILED)
    session.config.pluginmanager.register(_SkipEverything(problem), "kindred-no-postgres")
