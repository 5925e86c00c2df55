"""An organisation page or API endpoint of the permission matrix (test_permissions.py and
the goods_matrix and aid_matrix modules), with what to send it and what an allowed write
changes; the ghost world refused requests point at; each persona's door (session, token)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from kindred.core.models import ApiToken, Organization
from kindred.core.roles import Action
from tests.conftest import api_token

World = Any  # test_permissions.World

ORG_API_PREFIX = "/organizations/{slug}"
# Not an object (every API body is one), with a value no field takes.
INVALID_BODY = [{"name": ["not", "text"]}, True, 0.5]


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "page" or "api"
    route: str  # the URL name (pages; "app:name" outside core) or the ninja path template (API)
    method: str
    action: Action
    args: Callable[[World], dict] = lambda w: {}
    data: Callable[[World], dict] | None = None
    query: Callable[[World], dict] | None = None  # query parameters (lists repeat the key)
    logs_access: bool = False  # a read that writes one access entry (person.viewed)
    reads_only: bool = False  # a POST that only answers (the duplicate check)
    # An allowed write: what it changes, false before the request and true after it (called
    # in the organisation's scope), and the audit action it records.
    effect: Callable[[World], object] | None = None
    audit: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.method}:{self.route}"

    @property
    def safe(self) -> bool:
        return self.method == "GET" or self.reads_only

    def refused(self) -> Endpoint:
        """The request as sent where it must be refused. A page's form is not sent: the
        permission decorator answers before the form is read. An API operation that takes a
        body gets one it would refuse (INVALID_BODY): the permission is checked before the
        input is read (kindred.api.contract), so the answer is 403, not 422."""
        if self.kind == "page":
            return replace(self, data=None)
        return replace(self, data=lambda w: INVALID_BODY) if self.data else self

    def url(self, world: World) -> str:
        if self.kind == "page":
            kwargs = {"org_slug": world.org.slug, **self.args(world)}
            name = self.route if ":" in self.route else f"core:{self.route}"
            url = reverse(name, kwargs=kwargs)
            return f"{url}?{urlencode(self.query(world), doseq=True)}" if self.query else url
        url = "/api/v1" + self.route.format(slug=world.org.slug, **self.args(world))
        return f"{url}?{urlencode(self.query(world))}" if self.query else url

    def send(self, client: Client, world: World, **headers):
        url = self.url(world)
        data = self.data(world) if self.data else None
        if self.method == "GET":
            response = client.get(url, **headers)
        elif self.method == "POST" and self.kind == "page":
            response = client.post(url, data or {}, **headers)
        elif data is None:
            response = getattr(client, self.method.lower())(url, **headers)
        else:
            response = getattr(client, self.method.lower())(
                url, data, content_type="application/json", **headers
            )
        if response.streaming:  # a file download: reading it to the end closes the file
            b"".join(response.streaming_content)
        return response


GHOST_ID = 2_000_000_000


class Ghost:
    """An object a refused request names but never reaches."""

    pk = id = category_id = GHOST_ID
    code = "GHOST-1"
    date = date(2030, 1, 7)


class _Ghosts(dict):
    def __missing__(self, key: str) -> Ghost:
        return Ghost()


class GhostWorld:
    """The world of a refused request: the organisation is real, everything else is a ghost.
    The permission decorators answer 403 or 404 before a view looks anything up, so a
    refusal needs no data; a view that lost its decorator would meet a ghost and answer
    404 or a form error instead of 403, and the test fails."""

    def __init__(self, org: Organization) -> None:
        self.org = org
        self.goods = _Ghosts()
        self.aid = _Ghosts()

    def __getattr__(self, name: str) -> Ghost:
        return Ghost()


HANDLER = ClientHandler(enforce_csrf_checks=False)  # as Client() makes it


@dataclass(frozen=True)
class Door:
    """A persona's two ways in: a logged-in session and a personal API token."""

    session_key: str
    token: str

    @classmethod
    def open(cls, org: Organization, user) -> Door:
        client = Client()
        client.force_login(user)
        session = client.session
        session["kindred_org"] = org.slug  # what org_view would otherwise write on a visit
        session.save()
        raw = api_token(org, user)
        # "Last used" lies ahead, so no request under test refreshes it (a write).
        with scopes_disabled():
            ApiToken.objects.filter(token_hash=ApiToken.hash(raw)).update(
                last_used_at=timezone.now() + timedelta(days=1)
            )
        return cls(client.cookies[settings.SESSION_COOKIE_NAME].value, raw)

    def client(self, auth: str) -> tuple[Client, dict]:
        client = Client()  # no cookie of an earlier request
        client.handler = HANDLER  # middleware loaded once, not per request
        if auth == "session":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_key
            return client, {}
        return client, {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
