"""Tenant scoping for pages: `/o/<org_slug>/…` views are wrapped by `org_view(action)`.

Order matters and is the whole point: (1) the user must be logged in, (2) the user must be a
member of the organisation named in the URL — otherwise 404, so outsiders cannot even learn
that an organisation exists, (3) only then is the django-scopes scope activated, (4) the
member's role must allow the action — otherwise 403. Any query on a scoped model outside
this block raises ScopeError instead of silently reading every tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import Membership, Organization
from .roles import Action, can


def membership_for(user, org_slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            Membership.objects.select_related("organization")
            .filter(user=user, organization__slug=org_slug)
            .first()
        )


def org_view(action: Action) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, org_slug: str, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user, org_slug)
            if membership is None:
                raise Http404
            org: Organization = membership.organization
            request.org = org
            request.membership = membership
            request.role = membership.role
            with scope(organization=org), timezone.override(org.time_zone):
                if not can(membership.role, action):
                    raise PermissionDenied
                if request.session.get("kindred_org") != org.slug:
                    request.session["kindred_org"] = org.slug  # the start page returns here
                return view(request, *args, **kwargs)

        wrapped.kindred_action = action  # read by the permission-matrix test
        return wrapped

    return decorator


def user_memberships(user) -> list[Membership]:
    """Every organisation the user belongs to, for the switcher (outside any scope)."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )
