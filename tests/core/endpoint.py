"""An organisation page or API endpoint of the permission matrix (test_permissions.py and
the goods_matrix modules), with what to send it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from kindred.core.roles import Action

World = Any  # test_permissions.World

ORG_API_PREFIX = "/organizations/{slug}"


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

    def __str__(self) -> str:
        return f"{self.kind}:{self.method}:{self.route}"

    @property
    def safe(self) -> bool:
        return self.method == "GET" or self.reads_only

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
