"""API authentication and tenant scoping.

Two ways in: a personal API token (`Authorization: Bearer kdr_…`), scoped to the one
organisation it was created in, or the browser session (with CSRF protection) for pages
that call the API. Organisation endpoints are wrapped by `org_endpoint(action)`, which, like
`core.scoping.org_view` for pages, answers 404 unless the caller is a member of the
organisation in the path, activates the scope, then answers 403 unless the role allows the
action — the same `roles.can()` table as the pages.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from ninja.security import APIKeyCookie, HttpBearer

from kindred.core.models import ApiToken, Membership
from kindred.core.roles import Action, can

# Writing last_used_at on every request would turn each read into a write; once a minute
# is precise enough for "last used" and keeps the hot path read-only.
LAST_USED_PRECISION_SECONDS = 60


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token.startswith(ApiToken.PREFIX):
            return None
        with scopes_disabled():
            # One query for the token, its user, its organisation and the user's membership
            # there (LEFT JOIN on the unique (organisation, user) pair: None when the owner
            # is no longer a member), so org endpoints need no second lookup.
            api_token = (
                ApiToken.objects.annotate(
                    membership=FilteredRelation(
                        "organization__memberships",
                        condition=Q(organization__memberships__user=F("user")),
                    )
                )
                .select_related("user", "organization", "membership")
                .filter(token_hash=ApiToken.hash(token), revoked_at=None, user__is_active=True)
                .first()
            )
        if api_token is None:
            return None
        # select_related leaves the attribute unset when the LEFT JOIN found no membership.
        api_token.membership = getattr(api_token, "membership", None)
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
