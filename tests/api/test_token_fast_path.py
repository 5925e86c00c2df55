"""The token's hot path: one query finds the token, its user, organisation and membership;
and the benchmark's bare twin of the members list (mounted only for `make bench`)."""

from __future__ import annotations

import json

from django.test import Client, RequestFactory
from django_scopes import scopes_disabled

from kindred.core import bench_views
from kindred.core.models import Membership
from kindred.core.roles import Role
from tests.conftest import api_token, make_member

MEMBERS = "/api/v1/organizations/home/members"


def test_member_list_with_a_token_takes_three_queries(
    org, admin, coordinator, django_assert_num_queries
):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(org, admin)}")
    assert client.get("/api/v1/me").status_code == 200  # "last used" is now fresh
    # token + user + organisation + membership, then the count, then the page.
    with django_assert_num_queries(3):
        response = client.get(MEMBERS)
    assert response.status_code == 200
    assert response.json()["count"] == 5  # one persona of each role


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
