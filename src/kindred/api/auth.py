"""API authentication and tenant scoping.

Two ways in: a personal API token (`Authorization: Bearer kdr_…`), scoped to the one
organisation it was created in, or the browser session (with CSRF protection) for pages
that call the API. Organisation endpoints are wrapped by `org_endpoint(action)`, which, like
`core.scoping.org_view` for pages, answers 404 unless the caller is a member of the
organisation in the path, activates the scope, then answers 403 unless the role allows the
action — the same `roles.can()` table as the pages.
"""

from __future__ import annotations

import weakref
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, models
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from ninja.security import APIKeyCookie, HttpBearer

from kindred.core.models import ApiToken, Membership, Organization
from kindred.core.roles import Action, can

# Writing last_used_at on every request would turn each read into a write; once a minute
# is precise enough for "last used" and keeps the hot path read-only.
LAST_USED_PRECISION_SECONDS = 60


class _TokenQuery:
    """The token's lookup as one SQL statement, written once from the models' metadata.

    Every API request with a token runs it, and composing it through the ORM (a filtered
    LEFT JOIN and three select_related tables) cost about 30 times the query itself on
    SQLite — the largest single share of a list request in `make bench`. The statement is
    the one the ORM would send: the token by its hash (an index lookup on a SHA-256 digest,
    so timing reveals nothing about the token), not revoked, its owner active, with the
    owner's membership in the token's organisation (LEFT JOIN: none when no longer a
    member). Values go through each field's database converters, as the ORM's would.
    Written once per database connection (each thread has its own: the converters are the
    connection's own methods).
    """

    def __init__(self) -> None:
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @staticmethod
    def _parts() -> list[tuple[type[models.Model], str]]:
        return [(ApiToken, "t"), (get_user_model(), "u"), (Organization, "o"), (Membership, "m")]

    def _compile(self, connection) -> tuple[str, list]:
        qn = connection.ops.quote_name
        user_model = get_user_model()
        columns, plan = [], []
        for model, alias in self._parts():
            fields = list(model._meta.concrete_fields)
            start = len(columns)
            for field in fields:
                columns.append(f"{alias}.{qn(field.column)}")
            converters = [
                (start + i, conv, field.get_col(alias))
                for i, field in enumerate(fields)
                for conv in connection.ops.get_db_converters(field.get_col(alias))
                + field.get_db_converters(connection)
            ]
            attnames = [f.attname for f in fields]
            pk_index = start + attnames.index(model._meta.pk.attname)
            plan.append((model, attnames, start, pk_index, converters))

        def col(model: type[models.Model], name: str) -> str:
            return qn(model._meta.get_field(name).column)

        token_user = col(ApiToken, "user")
        token_org = col(ApiToken, "organization")
        sql = (
            f"SELECT {', '.join(columns)} FROM {qn(ApiToken._meta.db_table)} t"
            f" INNER JOIN {qn(user_model._meta.db_table)} u"
            f" ON u.{qn(user_model._meta.pk.column)} = t.{token_user}"
            f" INNER JOIN {qn(Organization._meta.db_table)} o"
            f" ON o.{qn(Organization._meta.pk.column)} = t.{token_org}"
            f" LEFT OUTER JOIN {qn(Membership._meta.db_table)} m"
            f" ON m.{col(Membership, 'organization')} = t.{token_org}"
            f" AND m.{col(Membership, 'user')} = t.{token_user}"
            f" WHERE t.{col(ApiToken, 'token_hash')} = %s"
            f" AND t.{col(ApiToken, 'revoked_at')} IS NULL"
            f" AND u.{col(user_model, 'is_active')} = %s"
        )
        return sql, plan

    def __call__(self, token_hash: str) -> ApiToken | None:
        connection = connections[ApiToken.objects.db]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        sql, plan = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [token_hash, True])
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        objects = []
        for model, attnames, start, pk_index, converters in plan:
            if row[pk_index] is None:  # the membership, when the LEFT JOIN found none
                objects.append(None)
                continue
            for index, conv, expression in converters:
                row[index] = conv(row[index], expression, connection)
            values = row[start : start + len(attnames)]
            objects.append(model.from_db(connection.alias, attnames, values))
        api_token, user, organization, membership = objects
        api_token.user = user
        api_token.organization = organization
        if membership is not None:
            membership.user = user
            membership.organization = organization
        api_token.membership = membership
        return api_token


_find_token = _TokenQuery()


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token.startswith(ApiToken.PREFIX):
            return None
        # One query for the token, its user, its organisation and the user's membership
        # there, so org endpoints need no second lookup.
        api_token = _find_token(ApiToken.hash(token))
        if api_token is None:
            return None
        now = timezone.now()
        last = api_token.last_used_at
        if last is None or (now - last).total_seconds() > LAST_USED_PRECISION_SECONDS:
            with scopes_disabled():
                ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token
        return api_token


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF header."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None):
        if request.user.is_authenticated:
            request.api_token = None
            return request.user
        return None


auth = [TokenAuth(), SessionAuth()]


def membership_for_request(request: HttpRequest, slug: str) -> Membership | None:
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        if token.organization.slug != slug:
            return None  # a token works in its own organisation only
        # Loaded with the token by TokenAuth; share its organisation and user objects.
        membership: Membership | None = token.membership
        if membership is not None:
            membership.organization = token.organization
            membership.user = token.user
        return membership
    with scopes_disabled():
        return (
            Membership.objects.select_related("organization")
            .filter(user=request.user, organization__slug=slug)
            .first()
        )


def org_endpoint(action: Action):
    def decorator(func):
        @wraps(func)
        def wrapped(request: HttpRequest, slug: str, *args, **kwargs):
            membership = membership_for_request(request, slug)
            if membership is None:
                raise Http404
            request.org = membership.organization
            request.membership = membership
            request.role = membership.role
            with (
                scope(organization=membership.organization),
                timezone.override(membership.organization.time_zone),
            ):
                if not can(membership.role, action):
                    raise PermissionDenied
                # By keyword: ninja's @paginate wrapper takes only `request` positionally.
                return func(request, *args, slug=slug, **kwargs)

        wrapped.kindred_action = action
        return wrapped

    return decorator
