"""A "bare Django" twin of GET /api/v1/organizations/{slug}/members, for `make bench` only.

Same queryset (`queries.members`), same first page of 50, same fields, rendered with a plain
`JsonResponse` and no authentication, so the benchmark can show what the API's token check,
membership check, pagination count and pydantic schemas cost on top of Django itself.
It is mounted only when KINDRED_BENCH_VIEWS=1 (see kindred/urls.py): never in production.
"""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django_scopes import scope

from . import queries
from .models import Organization

PAGE_SIZE = 50


def members(request: HttpRequest, slug: str) -> JsonResponse:
    org = get_object_or_404(Organization, slug=slug)
    with scope(organization=org):
        rows = [
            {
                "id": m.pk,
                "user_id": m.user_id,
                "email": m.user.email,
                "full_name": m.user.full_name,
                "role": m.role,
                "joined_at": m.created_at,
            }
            for m in queries.members(org)[:PAGE_SIZE]
        ]
    return JsonResponse({"items": rows})
