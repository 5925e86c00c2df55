"""The JSON API: authentication, tenant isolation, the endpoints, the error and pagination
conventions, translated messages, and an audit entry (via "api") for every change."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from kindred.core import services
from kindred.core.models import ApiToken, AuditEntry, Invitation, Membership, Site
from kindred.core.roles import Role, allowed_actions
from tests.conftest import api_token, audit_count, make_member, make_site, snapshot

BASE = "/api/v1"


class Api:
    """A test client that speaks JSON with one API token (or with the session, if none)."""

    def __init__(self, raw: str | None = None, client: Client | None = None, **headers):
        self.client = client or Client()
        self.headers = dict(headers)
        if raw:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(BASE + path, params or {}, **self.headers, **headers)

    def _send(self, method: str, path: str, data=None, **headers):
        send = getattr(self.client, method)
        if data is None:
            return send(BASE + path, **self.headers, **headers)
        return send(BASE + path, data, content_type="application/json", **self.headers, **headers)

    def post(self, path, data=None, **headers):
        return self._send("post", path, data, **headers)

    def patch(self, path, data=None, **headers):
        return self._send("patch", path, data, **headers)

    def delete(self, path, **headers):
        return self._send("delete", path, **headers)


@pytest.fixture
def as_admin(org, admin) -> Api:
    api = Api(api_token(org, admin))
    # Use the token once, so that its "last used" time is recent and later requests do not
    # write it: the snapshots of denied requests are not about that time.
    assert api.get("/me").status_code == 200
    return api


def last_entry(org) -> AuditEntry:
    with scopes_disabled():
        return AuditEntry.objects.filter(organization=org).order_by("-id").first()


def assert_audited(org, action: str) -> None:
    entry = last_entry(org)
    assert (entry.action, entry.via) == (action, "api")


def field_errors(response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return {e["field"]: e["message"] for e in body["errors"]}


def in_language(language: str, message: str, **values) -> str:
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


# Authentication ----------------------------------------------------------------------------


def test_bearer_token_authenticates(org, admin, as_admin):
    response = as_admin.get("/me")
    assert response.status_code == 200
    assert response.json()["email"] == admin.email


def test_token_records_when_it_was_last_used(org, admin):
    raw = api_token(org, admin)
    Api(raw).get("/me")
    with scopes_disabled():
        assert ApiToken.objects.get(token_hash=ApiToken.hash(raw)).last_used_at is not None


@pytest.mark.parametrize("header", [None, "Bearer kdr_not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_request_without_a_valid_token_gets_401_in_the_error_shape(db, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get(BASE + "/me", **headers)
    assert response.status_code == 401
    assert response.json()["errors"] == []
    assert response.json()["detail"]


def test_revoked_token_gets_401(org, admin):
    raw = api_token(org, admin)
    with scope(organization=org):
        token = ApiToken.objects.get(token_hash=ApiToken.hash(raw))
        services.revoke_api_token(org=org, token=token, actor=admin)
    response = Api(raw).get("/organizations/home")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"] == []


def test_removed_members_token_stops_working(org, admin, volunteer):
    raw = api_token(org, volunteer)
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
        services.remove_member(org=org, membership=membership, actor=admin)
    assert Api(raw).get("/me").status_code == 401


def test_token_works_only_in_its_own_organisation(org, other_org, admin, outsider):
    # The outsider is also a volunteer here, but their token belongs to their own organisation.
    with scope(organization=org):
        services.add_member(org=org, user=outsider, role=Role.VOLUNTEER, actor=admin)
    api = Api(api_token(other_org, outsider))
    before = snapshot(org)
    assert api.get("/organizations/home").status_code == 404
    assert api.get("/organizations/home/sites").status_code == 404
    assert api.post("/organizations/home/sites", {"name": "X", "kind": "shop"}).status_code == 404
    assert snapshot(org) == before
    assert api.get("/organizations/other").status_code == 200
    assert [m["organization"] for m in api.get("/me").json()["memberships"]] == ["other"]
    assert [o["slug"] for o in api.get("/organizations").json()["items"]] == ["other"]


def test_session_lists_every_organisation_of_the_user(org, other_org, admin, outsider):
    with scope(organization=org):
        services.add_member(org=org, user=outsider, role=Role.VOLUNTEER, actor=admin)
    client = Client()
    client.force_login(outsider)
    slugs = [o["slug"] for o in Api(client=client).get("/organizations").json()["items"]]
    assert sorted(slugs) == ["home", "other"]


def test_session_auth_reads_and_needs_csrf_to_write(org, admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    api = Api(client=client)
    assert api.get("/organizations/home/sites").status_code == 200

    before = snapshot(org)
    response = api.post("/organizations/home/sites", {"name": "Butikken", "kind": "shop"})
    assert response.status_code == 403
    assert response.json()["errors"] == []
    assert snapshot(org) == before

    client.get(reverse("core:dashboard", args=[org.slug]))  # a page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = api.post(
        "/organizations/home/sites", {"name": "Butikken", "kind": "shop"}, HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == 201
    assert_audited(org, "site.created")


def test_token_auth_needs_no_csrf(org, admin):
    api = Api(api_token(org, admin), client=Client(enforce_csrf_checks=True))
    response = api.post("/organizations/home/sites", {"name": "Butikken", "kind": "shop"})
    assert response.status_code == 201


# Me and organisations ----------------------------------------------------------------------


def test_me_describes_the_user_and_what_their_role_allows(org, volunteer):
    body = Api(api_token(org, volunteer)).get("/me").json()
    assert body["email"] == volunteer.email
    [membership] = body["memberships"]
    assert membership["organization"] == "home"
    assert membership["organization_name"] == "Home Charity"
    assert membership["role"] == "volunteer"
    assert membership["allowed_actions"] == sorted(a.value for a in allowed_actions("volunteer"))


def test_organization_detail(org, as_admin):
    response = as_admin.get("/organizations/home")
    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["name"], body["currency"]) == ("home", "Home Charity", "DKK")


def test_organization_patch_changes_only_what_is_sent_and_is_audited(org, as_admin):
    response = as_admin.patch("/organizations/home", {"name": "Renamed", "default_language": "da"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    org.refresh_from_db()
    assert (org.name, org.default_language, org.currency) == ("Renamed", "da", "DKK")
    assert_audited(org, "organization.updated")
    assert last_entry(org).changes == {
        "name": ["Home Charity", "Renamed"],
        "default_language": ["en", "da"],
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"country": "ZZ"}, "country"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"default_language": "xx"}, "default_language"),
        ({"name": ""}, "name"),
    ],
)
def test_organization_patch_with_bad_values_answers_422_and_saves_nothing(
    org, as_admin, values, field
):
    before = snapshot(org)
    response = as_admin.patch("/organizations/home", values)
    assert response.status_code == 422, response.json()
    assert field in field_errors(response)
    assert snapshot(org) == before


# Sites -------------------------------------------------------------------------------------


def test_site_crud(org, as_admin):
    created = as_admin.post(
        "/organizations/home/sites",
        {"name": "Butikken", "kind": "shop", "street": "Torvet 1", "city": "Ikast"},
    )
    assert created.status_code == 201
    site = created.json()
    assert site["name"] == "Butikken" and site["archived"] is False
    assert_audited(org, "site.created")

    detail = as_admin.get(f"/organizations/home/sites/{site['id']}")
    assert detail.status_code == 200 and detail.json()["city"] == "Ikast"

    changed = as_admin.patch(f"/organizations/home/sites/{site['id']}", {"city": "Herning"})
    assert changed.status_code == 200 and changed.json()["city"] == "Herning"
    assert changed.json()["street"] == "Torvet 1"
    assert_audited(org, "site.updated")
    assert last_entry(org).changes == {"city": ["Ikast", "Herning"]}

    listed = as_admin.get("/organizations/home/sites").json()
    assert [s["name"] for s in listed["items"]] == ["Butikken"]


def test_site_archive_and_restore_through_patch(org, as_admin, site):
    response = as_admin.patch(f"/organizations/home/sites/{site.pk}", {"archived": True})
    assert response.status_code == 200 and response.json()["archived"] is True
    assert_audited(org, "site.archived")
    assert as_admin.get("/organizations/home/sites").json()["count"] == 0
    archived = as_admin.get("/organizations/home/sites", {"show": "archived"}).json()
    assert [s["id"] for s in archived["items"]] == [site.pk]
    assert as_admin.get("/organizations/home/sites", {"show": "all"}).json()["count"] == 1

    response = as_admin.patch(f"/organizations/home/sites/{site.pk}", {"archived": False})
    assert response.json()["archived"] is False
    assert_audited(org, "site.restored")


def test_site_list_filters_and_sorts(org, as_admin):
    make_site(org, "Alpha", kind=Site.Kind.SHOP, city="Odense")
    make_site(org, "Bravo", kind=Site.Kind.WAREHOUSE, city="Aarhus")
    make_site(org, "Charlie", kind=Site.Kind.SHOP, city="Aalborg")

    def names(**params):
        response = as_admin.get("/organizations/home/sites", params)
        assert response.status_code == 200
        return [s["name"] for s in response.json()["items"]]

    assert names() == ["Alpha", "Bravo", "Charlie"]
    assert names(kind="shop") == ["Alpha", "Charlie"]
    assert names(q="aar") == ["Bravo"]
    assert names(sort="-name") == ["Charlie", "Bravo", "Alpha"]
    assert names(sort="city") == ["Charlie", "Bravo", "Alpha"]


def test_site_of_another_organisation_is_404(org, other_org, as_admin):
    foreign = make_site(other_org, "Theirs")
    before = snapshot(other_org)
    assert as_admin.get(f"/organizations/home/sites/{foreign.pk}").status_code == 404
    response = as_admin.patch(f"/organizations/home/sites/{foreign.pk}", {"name": "Mine"})
    assert response.status_code == 404
    assert response.json() == {"detail": in_language("en", "Not found."), "errors": []}
    assert snapshot(other_org) == before


def test_duplicate_site_name_is_a_409_naming_the_field(org, as_admin, site):
    before = snapshot(org)
    response = as_admin.post("/organizations/home/sites", {"name": "LAGERET", "kind": "shop"})
    assert response.status_code == 409
    message = in_language("en", "A site with this name already exists.")
    assert response.json() == {"detail": message, "errors": [{"field": "name", "message": message}]}
    assert snapshot(org) == before


def test_renaming_a_site_to_a_taken_name_is_a_409(org, as_admin, site):
    other = make_site(org, "Butikken")
    before = snapshot(org)
    response = as_admin.patch(f"/organizations/home/sites/{other.pk}", {"name": "lageret"})
    assert response.status_code == 409
    assert "name" in field_errors(response)
    assert snapshot(org) == before


@pytest.mark.parametrize(
    ("payload", "field", "message", "values"),
    [
        ({"kind": "shop"}, "name", "This field is required.", {}),
        (
            {"name": "x" * 201, "kind": "shop"},
            "name",
            "Use at most %(max)s characters.",
            {"max": 200},
        ),
        ({"name": "", "kind": "shop"}, "name", "Use at least %(min)s characters.", {"min": 1}),
        ({"name": "Butikken", "kind": "castle"}, "kind", None, {}),
        ({"name": "Butikken", "kind": "shop", "country": "ZZ"}, "country", None, {}),
    ],
)
@pytest.mark.parametrize("language", ["en", "da"])
def test_invalid_site_answers_422_naming_the_field_in_the_callers_language(
    org, as_admin, payload, field, message, values, language
):
    before = snapshot(org)
    response = as_admin.post("/organizations/home/sites", payload, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422, response.json()
    errors = field_errors(response)
    assert field in errors
    if message:
        assert errors[field] == in_language(language, message, **values)
    assert snapshot(org) == before


def test_danish_message_differs_from_english_when_the_catalogue_has_it(org, as_admin):
    english = in_language("en", "This field is required.")
    danish = in_language("da", "This field is required.")
    response = as_admin.post(
        "/organizations/home/sites", {"kind": "shop"}, HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.json()["detail"] == in_language("da", "Some fields are not valid.")
    message = field_errors(response)["name"]
    assert message == danish
    if danish != english:
        assert message != english


# Members and invitations -------------------------------------------------------------------


def test_member_list_detail_and_filter(org, personas, admin, coordinator, as_admin):
    body = as_admin.get("/organizations/home/members").json()
    assert body["count"] == 5  # one persona of each role
    emails = {m["email"] for m in body["items"]}
    assert emails == {
        getattr(personas, role).email
        for role in ("admin", "coordinator", "volunteer", "referrer", "fundraiser")
    }

    only = as_admin.get("/organizations/home/members", {"role": "coordinator"}).json()
    assert [m["email"] for m in only["items"]] == [coordinator.email]

    member = only["items"][0]
    detail = as_admin.get(f"/organizations/home/members/{member['id']}").json()
    assert detail == member


def test_member_role_change_is_audited(org, volunteer, as_admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    response = as_admin.patch(f"/organizations/home/members/{membership.pk}", {"role": "referrer"})
    assert response.status_code == 200 and response.json()["role"] == "referrer"
    membership.refresh_from_db()
    assert membership.role == Role.REFERRER
    assert_audited(org, "member.role_changed")


def test_invalid_role_is_a_422(org, volunteer, as_admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    before = snapshot(org)
    response = as_admin.patch(f"/organizations/home/members/{membership.pk}", {"role": "king"})
    assert response.status_code == 422
    assert "role" in field_errors(response)
    assert snapshot(org) == before


def test_last_admin_cannot_be_demoted_or_removed(org, admin, as_admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=admin)
    before = snapshot(org)
    path = f"/organizations/home/members/{membership.pk}"
    response = as_admin.patch(path, {"role": "volunteer"})
    assert response.status_code == 409
    assert "role" in field_errors(response)
    response = as_admin.delete(path)
    assert response.status_code == 409
    assert response.json()["detail"]
    assert snapshot(org) == before


def test_removing_a_member(org, volunteer, as_admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    response = as_admin.delete(f"/organizations/home/members/{membership.pk}")
    assert response.status_code == 204
    with scope(organization=org):
        assert not Membership.objects.filter(user=volunteer).exists()
    assert_audited(org, "member.removed")


def test_invitation_create_list_and_revoke(
    org, as_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post(
            "/organizations/home/invitations", {"email": "New@Example.test", "role": "volunteer"}
        )
    assert response.status_code == 201
    invitation = response.json()
    assert (invitation["email"], invitation["status"]) == ("new@example.test", "pending")
    assert_audited(org, "invitation.sent")
    assert [m.to for m in mailoutbox] == [["new@example.test"]]
    assert "http://testserver/invitations/" in mailoutbox[0].body

    listed = as_admin.get("/organizations/home/invitations").json()
    assert [i["id"] for i in listed["items"]] == [invitation["id"]]

    path = f"/organizations/home/invitations/{invitation['id']}"
    assert as_admin.delete(path).status_code == 204
    assert_audited(org, "invitation.revoked")
    with scope(organization=org):
        assert Invitation.objects.get().status == Invitation.Status.REVOKED
    assert as_admin.get("/organizations/home/invitations").json()["count"] == 0
    assert as_admin.delete(path).status_code == 409  # no longer pending


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-address", "role": "volunteer"}, "email"),
        ({"email": "new@example.test", "role": "emperor"}, "role"),
        ({"role": "volunteer"}, "email"),
    ],
)
def test_invalid_invitation_answers_422_and_sends_nothing(
    org, as_admin, mailoutbox, django_capture_on_commit_callbacks, payload, field
):
    before = snapshot(org)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_admin.post("/organizations/home/invitations", payload)
    assert response.status_code == 422, response.json()
    assert field in field_errors(response)
    assert snapshot(org) == before
    assert mailoutbox == []


def test_inviting_a_member_is_a_409_naming_the_email(org, coordinator, as_admin):
    before = snapshot(org)
    response = as_admin.post(
        "/organizations/home/invitations", {"email": coordinator.email, "role": "admin"}
    )
    assert response.status_code == 409
    assert "email" in field_errors(response)
    assert snapshot(org) == before


# Pagination --------------------------------------------------------------------------------


@pytest.fixture
def thirty_sites(org):
    for i in range(30):
        make_site(org, f"Site {i:02d}")


def test_lists_are_paginated(org, as_admin, thirty_sites):
    first = as_admin.get("/organizations/home/sites", {"page_size": 12}).json()
    assert {k: first[k] for k in ("count", "page", "page_size", "pages")} == {
        "count": 30,
        "page": 1,
        "page_size": 12,
        "pages": 3,
    }
    assert [s["name"] for s in first["items"]] == [f"Site {i:02d}" for i in range(12)]
    last = as_admin.get("/organizations/home/sites", {"page_size": 12, "page": 3}).json()
    assert [s["name"] for s in last["items"]] == [f"Site {i:02d}" for i in range(24, 30)]
    default = as_admin.get("/organizations/home/sites").json()
    assert (default["page_size"], default["pages"], len(default["items"])) == (50, 1, 30)
    assert as_admin.get("/organizations/home/sites", {"page_size": 200}).status_code == 200


def test_page_past_the_end_is_404(org, as_admin, thirty_sites):
    response = as_admin.get("/organizations/home/sites", {"page_size": 10, "page": 4})
    assert response.status_code == 404
    assert response.json()["errors"] == []


def test_empty_list_has_one_empty_page(org, as_admin):
    body = as_admin.get("/organizations/home/sites").json()
    assert (body["items"], body["count"], body["page"], body["pages"]) == ([], 0, 1, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 500}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_page_parameters_answer_422(org, as_admin, params, field):
    response = as_admin.get("/organizations/home/sites", params)
    assert response.status_code == 422
    assert field in field_errors(response)


def test_member_list_query_count_does_not_grow_with_rows(
    org, as_admin, django_assert_max_num_queries
):
    for i in range(40):
        make_member(org, Role.VOLUNTEER, f"v{i:02d}@home.test")
    as_admin.get("/organizations/home/members")
    with django_assert_max_num_queries(6):
        response = as_admin.get("/organizations/home/members", {"page_size": 50})
    assert len(response.json()["items"]) == 45  # and the five personas


# Audit -------------------------------------------------------------------------------------


def test_every_api_change_is_audited_via_api(org, admin, volunteer, site, as_admin):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    before = audit_count(org)
    calls = [
        (as_admin.patch, "/organizations/home", {"name": "Renamed"}),
        (as_admin.post, "/organizations/home/sites", {"name": "Butikken", "kind": "shop"}),
        (as_admin.patch, f"/organizations/home/sites/{site.pk}", {"city": "Ikast"}),
        (as_admin.patch, f"/organizations/home/sites/{site.pk}", {"archived": True}),
        (as_admin.patch, f"/organizations/home/members/{membership.pk}", {"role": "referrer"}),
        (as_admin.post, "/organizations/home/invitations", {"email": "a@b.test", "role": "admin"}),
        (as_admin.delete, f"/organizations/home/members/{membership.pk}", None),
    ]
    for method, path, data in calls:
        response = method(path, data) if data is not None else method(path)
        assert response.status_code in {200, 201, 204}, (path, response.content)
    with scopes_disabled():
        entries = list(
            AuditEntry.objects.filter(organization=org)
            .order_by("id")[before:]
            .values_list("action", "via", "actor_id")
        )
    assert [a for a, _via, _actor in entries] == [
        "organization.updated",
        "site.created",
        "site.updated",
        "site.archived",
        "member.role_changed",
        "invitation.sent",
        "member.removed",
    ]
    assert {(via, actor) for _a, via, actor in entries} == {("api", admin.pk)}


def test_unchanged_patch_writes_no_audit_entry(org, site, as_admin):
    before = audit_count(org)
    response = as_admin.patch(f"/organizations/home/sites/{site.pk}", {"city": site.city})
    assert response.status_code == 200
    assert audit_count(org) == before


def test_absurd_page_numbers_get_a_4xx_never_a_server_error(org, as_admin):
    huge = as_admin.get("/organizations/home/members", {"page": "17932535878683019264"})
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "page"
    beyond = as_admin.get("/organizations/home/invitations", {"page": 23918})
    assert beyond.status_code == 404 and beyond.json()["detail"]
    assert as_admin.get("/organizations/home/invitations", {"page": 1}).status_code == 200


def test_patch_with_null_clears_optional_text_and_rejects_required_fields(org, as_admin, site):
    cleared = as_admin.patch(f"/organizations/home/sites/{site.pk}", {"city": None})
    assert cleared.status_code == 200 and cleared.json()["city"] == ""
    before = snapshot(org)
    refused = as_admin.patch(f"/organizations/home/sites/{site.pk}", {"name": None})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "name", "message": refused.json()["detail"]}]
    assert snapshot(org) == before


def test_a_nul_character_gets_a_clear_400_on_every_database(org, as_admin, client_for, admin):
    body = as_admin.post("/organizations/home/sites", {"name": "Lager\u0000", "kind": "shop"})
    assert body.status_code == 400 and "NUL" in body.json()["detail"]
    query = as_admin.get("/organizations/home/sites", {"q": "a\u0000b"})
    assert query.status_code == 400
    page = client_for(admin).get("/o/home/sites/?q=%00")
    assert page.status_code == 400
