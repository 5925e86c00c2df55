"""The token's hot path: one query finds the token, its user, organisation and membership;
and the benchmark's bare twin of the members list (mounted only for `make bench`)."""

from __future__ import annotations

import json

from django.test import Client, RequestFactory
from django_scopes import scope, scopes_disabled

from kindred.core import bench_views, services
from kindred.core.models import ApiToken, Membership
from kindred.core.roles import Role
from tests.conftest import api_token, make_member

MEMBERS = "/api/v1/organizations/home/members"


def test_member_list_with_a_token_takes_two_queries(
    org, admin, coordinator, django_assert_num_queries
):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, admin)}")
    assert client.get("/api/v1/me").status_code == 200  # "last used" is now fresh
    # token + user + organisation + membership, then the page (one row more than asked
    # for: none came back, so this is the last page and the count is known).
    with django_assert_num_queries(2):
        response = client.get(MEMBERS)
    assert response.status_code == 200
    assert response.json()["count"] == 5  # one persona of each role
    # A page with more after it needs the count.
    with django_assert_num_queries(3):
        response = client.get(MEMBERS + "?page_size=4")
    assert response.json() | {"items": []} == {
        "items": [],
        "count": 5,
        "page": 1,
        "page_size": 4,
        "pages": 2,
    }
    assert len(response.json()["items"]) == 4


def test_counts_from_the_page_and_from_the_database_agree(org, admin, coordinator):
    for n in range(6):
        make_member(org, Role.VOLUNTEER, f"p{n}@home.test")  # 11 members
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, admin)}")
    seen = []
    for size in (1, 2, 3, 4, 5, 10, 11, 12, 50):
        pages = -(-11 // size)
        for page in range(1, pages + 1):
            body = client.get(f"{MEMBERS}?page_size={size}&page={page}").json()
            assert (body["count"], body["pages"]) == (11, pages), (size, page)
            seen.append([m["id"] for m in body["items"]])
        assert client.get(f"{MEMBERS}?page_size={size}&page={pages + 1}").status_code == 404
    assert len({i for items in seen for i in items}) == 11
    empty = client.get(MEMBERS + "?role=fundraiser&q=nobody").json()
    assert (empty["count"], empty["pages"], empty["items"]) == (0, 1, [])
    assert client.get(MEMBERS + "?role=fundraiser&q=nobody&page=2").status_code == 404


def test_revoked_token_stops_at_once_and_an_unknown_one_is_refused(org, admin):
    raw = api_token(org, admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(MEMBERS).status_code == 200
    with scopes_disabled():
        token = ApiToken.objects.get(token_hash=ApiToken.hash(raw))
    with scope(organization=org):
        services.revoke_api_token(org=org, token=token, actor=admin)
    assert client.get(MEMBERS).status_code == 401
    for wrong in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "kdr_", "kdr_x' OR 1=1 --"):
        assert Client(HTTP_AUTHORIZATION=f"Bearer {wrong}").get(MEMBERS).status_code == 401


def test_token_of_a_deactivated_owner_is_refused(org, admin, coordinator):
    raw = api_token(org, coordinator)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(MEMBERS).status_code == 200
    with scopes_disabled():
        coordinator.is_active = False
        coordinator.save(update_fields=["is_active"])
    assert client.get(MEMBERS).status_code == 401


def test_token_carries_the_loaded_rows_with_their_types(org, admin):
    """The hand-written lookup gives the same objects the ORM would: dates as aware
    datetimes, the membership tied to the same user and organisation."""
    from datetime import datetime

    from kindred.api.auth import TokenAuth

    raw = api_token(org, admin)
    request = RequestFactory().get("/")
    token = TokenAuth().authenticate(request, raw)
    assert isinstance(token.created_at, datetime) and token.created_at.tzinfo is not None
    assert token.organization.pk == org.pk and token.organization.slug == org.slug
    assert token.user.pk == admin.pk and token.user.is_active is True
    assert token.membership.role == Role.ADMIN
    assert token.membership.user is token.user
    assert request.user is token.user


def test_token_whose_owner_lost_the_membership_gets_404_not_someone_elses_role(
    org, admin, volunteer
):
    raw = api_token(org, volunteer)
    with scopes_disabled():  # as if removed behind the services' back: the token is not revoked
        Membership.objects.filter(organization=org, user=volunteer).delete()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/organizations/home").status_code == 404
    assert client.get("/api/v1/me").json()["memberships"] == []


def test_token_sees_a_role_change_at_once(org, admin, volunteer):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, volunteer)}")
    assert client.get(MEMBERS).status_code == 403
    with scopes_disabled():
        Membership.objects.filter(organization=org, user=volunteer).update(role=Role.COORDINATOR)
    assert client.get(MEMBERS).status_code == 200


def test_bench_view_is_not_mounted_by_default(org, client):
    assert client.get("/bench/o/home/members").status_code == 404


def test_bench_view_serves_the_same_rows_as_the_api(org, admin):
    for n in range(3):
        make_member(org, Role.VOLUNTEER, f"v{n}@home.test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, admin)}").get(MEMBERS).json()
    bare = json.loads(bench_views.members(RequestFactory().get("/"), slug="home").content)
    fields = ["id", "user_id", "email", "full_name", "role"]
    assert [{f: m[f] for f in fields} for m in bare["items"]] == [
        {f: m[f] for f in fields} for m in api["items"]
    ]
