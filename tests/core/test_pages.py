"""Organisation and account pages: what each page shows and what each form changes.

Every change made through a page writes an audit entry; a rejected form saves nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from kindred.core import services
from kindred.core.models import ApiToken, AuditEntry, Invitation, Membership, Site, User
from kindred.core.roles import Role
from tests.conftest import PASSWORD, audit_count, make_member, make_site, make_user, snapshot


def url(name: str, org, *args) -> str:
    return reverse(f"core:{name}", args=[org.slug, *args])


def last_action(org=None) -> str:
    with scopes_disabled():
        return AuditEntry.objects.filter(organization=org).order_by("-id").first().action


def invite(org, admin, email="new@example.test", role=Role.VOLUNTEER) -> str:
    """Invite through the service and return the raw token that the e-mail would carry."""
    raw = []
    with scope(organization=org):
        services.invite_member(
            org=org,
            email=email,
            role=role,
            actor=admin,
            accept_url_for=lambda token: raw.append(token) or f"http://testserver/{token}/",
        )
    return raw[0]


def text(response) -> str:
    return response.content.decode()


# Dashboard ---------------------------------------------------------------------------------


def test_admin_dashboard_shows_sites_members_and_recent_changes(org, admin, site, client_for):
    response = client_for(admin).get(url("dashboard", org))
    assert response.status_code == 200
    body = text(response)
    assert "Lageret" in body
    assert 'id="card-members-h"' in body
    assert 'id="card-audit-h"' in body
    assert "site.created" in body or "Site added" in body


def test_coordinator_dashboard_shows_members_but_not_the_audit_log(
    org, coordinator, site, client_for
):
    body = text(client_for(coordinator).get(url("dashboard", org)))
    assert "Lageret" in body
    assert 'id="card-members-h"' in body
    assert 'id="card-audit-h"' not in body


def test_volunteer_dashboard_shows_sites_but_not_members_or_audit(org, volunteer, site, client_for):
    body = text(client_for(volunteer).get(url("dashboard", org)))
    assert "Lageret" in body
    assert 'id="card-members-h"' not in body
    assert 'id="card-audit-h"' not in body
    assert url("members", org) not in body


def test_referrer_dashboard_does_not_list_sites_they_may_not_see(org, referrer, site, client_for):
    body = text(client_for(referrer).get(url("dashboard", org)))
    assert "Lageret" not in body
    assert 'id="sites-h"' not in body


# Sites -------------------------------------------------------------------------------------


@pytest.fixture
def many_sites(org):
    kinds = [Site.Kind.WAREHOUSE, Site.Kind.SHOP, Site.Kind.OFFICE]
    for i in range(32):
        make_site(org, f"Site {i:02d}", kind=kinds[i % 3], city="Aarhus" if i % 2 else "Odense")


def test_site_list_paginates(org, admin, many_sites, client_for):
    client = client_for(admin)
    first = text(client.get(url("sites", org)))
    assert "Site 00" in first and "Site 24" in first and "Site 25" not in first
    assert "Page 1 of 2" in first
    second = text(client.get(url("sites", org), {"page": 2}))
    assert "Site 25" in second and "Site 31" in second and "Site 00" not in second


def test_site_list_searches_filters_and_sorts(org, admin, many_sites, client_for):
    client = client_for(admin)
    body = text(client.get(url("sites", org), {"q": "site 07"}))
    assert "Site 07" in body and "Site 08" not in body

    body = text(client.get(url("sites", org), {"kind": "shop"}))
    names = re.findall(r"<strong>(Site \d\d)</strong>", body)
    assert names and all(int(n[-2:]) % 3 == 1 for n in names)

    body = text(client.get(url("sites", org), {"sort": "-name"}))
    names = re.findall(r"<strong>(Site \d\d)</strong>", body)
    assert names[:2] == ["Site 31", "Site 30"]

    body = text(client.get(url("sites", org), {"sort": "city"}))
    names = re.findall(r"<strong>(Site \d\d)</strong>", body)
    assert all(int(n[-2:]) % 2 == 1 for n in names[:16])  # Aarhus before Odense


def test_site_list_hides_archived_sites_unless_asked(org, admin, site, client_for):
    with scope(organization=org):
        services.set_site_archived(org=org, site=site, archived=True, actor=admin)
    client = client_for(admin)
    assert "Lageret" not in text(client.get(url("sites", org)))
    assert "Lageret" in text(client.get(url("sites", org), {"show": "archived"}))
    assert "Lageret" in text(client.get(url("sites", org), {"show": "all"}))


def test_site_list_empty_states(org, admin, client_for):
    client = client_for(admin)
    with translation.override("en"):
        assert "No sites yet." in text(client.get(url("sites", org)))
        make_site(org, "Lageret")
        body = text(client.get(url("sites", org), {"q": "nothing like this"}))
    assert "No site matches these filters." in body


def test_site_list_answers_htmx_with_the_rows_only(org, admin, site, client_for):
    response = client_for(admin).get(url("sites", org), {"q": "lager"}, HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert "<table" in body and "Lageret" in body


def test_site_list_query_count_does_not_grow_with_rows(
    org, admin, many_sites, client_for, django_assert_max_num_queries
):
    client = client_for(admin)
    client.get(url("sites", org))  # the first visit also saves the session
    with django_assert_max_num_queries(8):
        response = client.get(url("sites", org), {"show": "all"})
    assert response.status_code == 200


def test_creating_a_site_saves_it_and_audits_it(org, coordinator, client_for):
    response = client_for(coordinator).post(
        url("site-new", org), {"name": "Butikken", "kind": "shop", "city": "Ikast"}
    )
    assert response.status_code == 302
    with scope(organization=org):
        site = Site.objects.get(name="Butikken")
    assert (site.kind, site.city) == ("shop", "Ikast")
    assert last_action(org) == "site.created"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "", "kind": "shop"}, "name"),
        ({"name": "Butikken", "kind": "castle"}, "kind"),
        ({"name": "Butikken", "kind": "shop", "country": "XX"}, "country"),
        ({"name": "lageret", "kind": "shop"}, "name"),  # taken, case-insensitively
    ],
)
def test_site_form_with_bad_input_names_the_field_and_saves_nothing(
    org, admin, site, client_for, values, field
):
    before = snapshot(org)
    response = client_for(admin).post(url("site-new", org), values)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in text(response)
    assert snapshot(org) == before


def test_duplicate_site_name_shows_the_domain_message(org, admin, site, client_for):
    before = snapshot(org)
    response = client_for(admin).post(url("site-new", org), {"name": "LAGERET", "kind": "shop"})
    assert response.status_code == 400
    with translation.override("en"):
        assert gettext("A site with this name already exists.") in text(response)
    assert snapshot(org) == before


def test_editing_a_site_saves_and_audits_the_change(org, admin, site, client_for):
    response = client_for(admin).post(
        url("site-edit", org, site.pk), {"name": "Lageret", "kind": "warehouse", "city": "Ikast"}
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.city == "Ikast"
    assert last_action(org) == "site.updated"


def test_editing_a_site_with_bad_input_saves_nothing(org, admin, site, client_for):
    make_site(org, "Butikken", kind=Site.Kind.SHOP)
    before = snapshot(org)
    response = client_for(admin).post(
        url("site-edit", org, site.pk), {"name": "butikken", "kind": "warehouse", "city": "X"}
    )
    assert response.status_code == 400
    assert 'id="id_name_error"' in text(response)
    assert snapshot(org) == before


def test_site_of_another_organisation_cannot_be_edited(org, other_org, admin, client_for):
    foreign = make_site(other_org, "Theirs")
    before = snapshot(other_org)
    client = client_for(admin)
    assert client.get(url("site-edit", org, foreign.pk)).status_code == 404
    response = client.post(url("site-edit", org, foreign.pk), {"name": "Mine", "kind": "shop"})
    assert response.status_code == 404
    assert client.post(url("site-archive", org, foreign.pk)).status_code == 404
    assert snapshot(other_org) == before


def test_archiving_and_restoring_a_site(org, coordinator, site, client_for):
    client = client_for(coordinator)
    assert client.post(url("site-archive", org, site.pk), {"archived": "1"}).status_code == 302
    site.refresh_from_db()
    assert site.archived
    assert last_action(org) == "site.archived"
    assert client.post(url("site-archive", org, site.pk), {"archived": "0"}).status_code == 302
    site.refresh_from_db()
    assert not site.archived
    assert last_action(org) == "site.restored"


def test_archive_needs_post(org, admin, site, client_for):
    assert client_for(admin).get(url("site-archive", org, site.pk)).status_code == 405


# Settings ----------------------------------------------------------------------------------


def test_settings_change_is_saved_and_audited(org, admin, client_for):
    response = client_for(admin).post(
        url("settings", org),
        {
            "name": "Renamed",
            "country": "DK",
            "default_language": "da",
            "currency": "DKK",
            "time_zone": "Europe/Copenhagen",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.default_language) == ("Renamed", "da")
    assert last_action(org) == "organization.updated"


def test_settings_with_bad_input_name_the_field_and_save_nothing(org, admin, client_for):
    before = snapshot(org)
    response = client_for(admin).post(
        url("settings", org),
        {"name": "X", "country": "DK", "default_language": "en", "currency": "XXX"},
    )
    assert response.status_code == 400
    assert 'id="id_currency_error"' in text(response)
    assert snapshot(org) == before


# Members -----------------------------------------------------------------------------------


def test_member_list_filters_by_role_and_search(
    org, admin, coordinator, volunteer, referrer, client_for
):
    client = client_for(admin)
    body = text(client.get(url("members", org), {"role": "coordinator"}))
    assert "coordinator@home.test" in body
    assert "volunteer@home.test" not in body and "referrer@home.test" not in body

    body = text(client.get(url("members", org), {"q": "VOLUNTEER@"}))
    assert "volunteer@home.test" in body and "coordinator@home.test" not in body

    body = text(client.get(url("members", org), {"q": "nobody"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in body
    assert "No member matches these filters." in body


def test_coordinator_sees_members_without_manage_buttons(org, coordinator, volunteer, client_for):
    body = text(client_for(coordinator).get(url("members", org)))
    assert "volunteer@home.test" in body
    assert "/remove/" not in body and "/role/" not in body


def test_member_list_query_count_does_not_grow_with_rows(
    org, admin, client_for, django_assert_max_num_queries
):
    for i in range(32):
        make_member(org, Role.VOLUNTEER, f"v{i:02d}@home.test")
    for i in range(5):
        invite(org, admin, f"invitee{i}@example.test")
    client = client_for(admin)
    client.get(url("members", org))  # the first visit also saves the session
    with django_assert_max_num_queries(9):
        response = client.get(url("members", org))
    assert response.status_code == 200
    assert text(response).count("@home.test") >= 25


def test_admin_invites_a_member_by_email(
    org, admin, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            url("member-invite", org), {"email": "New@Example.test", "role": "coordinator"}
        )
    assert response.status_code == 302
    with scope(organization=org):
        invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("new@example.test", "coordinator")
    assert last_action(org) == "invitation.sent"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["new@example.test"]
    assert "Home Charity" in mail.subject
    link = re.search(r"http://testserver/invitations/(\S+)/", mail.body)
    assert link and Invitation.hash(link.group(1)) == invitation.token_hash


def test_invite_with_bad_input_sends_nothing(org, admin, coordinator, client_for, mailoutbox):
    client = client_for(admin)
    before = snapshot(org)
    response = client.post(url("member-invite", org), {"email": "not-an-address", "role": "admin"})
    assert response.status_code == 400
    assert 'id="id_email_error"' in text(response)
    response = client.post(
        url("member-invite", org), {"email": "coordinator@home.test", "role": "admin"}
    )
    assert response.status_code == 400  # already a member
    assert 'id="id_email_error"' in text(response)
    assert snapshot(org) == before
    assert mailoutbox == []


def test_admin_changes_a_members_role(org, admin, volunteer, client_for):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    response = client_for(admin).post(url("member-role", org, membership.pk), {"role": "referrer"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.REFERRER
    assert last_action(org) == "member.role_changed"


def test_last_admin_cannot_demote_themselves(org, admin, client_for):
    with scope(organization=org):
        membership = Membership.objects.get(user=admin)
    before = snapshot(org)
    client = client_for(admin)
    response = client.post(url("member-role", org, membership.pk), {"role": "volunteer"})
    assert response.status_code == 302
    assert snapshot(org) == before
    with translation.override("en"):
        expected = gettext("The organisation needs at least one administrator.")
    assert expected[:30] in text(client.get(url("members", org)))


def test_admin_removes_a_member(org, admin, volunteer, client_for):
    with scope(organization=org):
        membership = Membership.objects.get(user=volunteer)
    response = client_for(admin).post(url("member-remove", org, membership.pk))
    assert response.status_code == 302
    with scope(organization=org):
        assert not Membership.objects.filter(user=volunteer).exists()
    assert last_action(org) == "member.removed"


def test_admin_revokes_an_invitation(org, admin, client_for):
    invite(org, admin)
    with scope(organization=org):
        invitation = Invitation.objects.get()
    response = client_for(admin).post(url("invitation-revoke", org, invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert last_action(org) == "invitation.revoked"


# Accepting an invitation -------------------------------------------------------------------


def test_new_user_accepts_an_invitation_creates_an_account_and_is_logged_in(org, admin):
    raw = invite(org, admin, "new@example.test", Role.COORDINATOR)
    client = Client()
    page = client.get(reverse("core:invitation-accept", args=[raw]))
    assert page.status_code == 200
    assert "new@example.test" in text(page)

    response = client.post(
        reverse("core:invitation-accept", args=[raw]),
        {
            "full_name": "Ny Koordinator",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert response.status_code == 302
    assert response.url == url("dashboard", org)
    user = User.objects.get(email="new@example.test")
    assert user.full_name == "Ny Koordinator" and user.check_password("a-long-pass-42")
    assert client.session["_auth_user_id"] == str(user.pk)
    with scope(organization=org):
        assert Membership.objects.get(user=user).role == Role.COORDINATOR
    assert last_action(org) == "invitation.accepted"
    assert client.get(url("dashboard", org)).status_code == 200


def test_accepting_with_mismatched_passwords_creates_nothing(org, admin):
    raw = invite(org, admin)
    before = snapshot(org)
    response = Client().post(
        reverse("core:invitation-accept", args=[raw]),
        {"full_name": "X", "password1": "a-long-pass-42", "password2": "another-pass-42"},
    )
    assert response.status_code == 400
    assert 'id="id_password2_error"' in text(response)
    assert not User.objects.filter(email="new@example.test").exists()
    assert snapshot(org) == before


def test_logged_in_user_accepts_an_invitation_into_their_account(org, admin, outsider, client_for):
    raw = invite(org, admin, outsider.email, Role.VOLUNTEER)
    client = client_for(outsider)
    page = client.get(reverse("core:invitation-accept", args=[raw]))
    assert page.status_code == 200 and outsider.email in text(page)
    response = client.post(reverse("core:invitation-accept", args=[raw]))
    assert response.status_code == 302
    with scope(organization=org):
        assert Membership.objects.get(user=outsider).role == Role.VOLUNTEER
    assert last_action(org) == "invitation.accepted"


def test_used_or_unknown_invitation_link_is_404(org, admin, outsider, client_for):
    raw = invite(org, admin, outsider.email)
    client = client_for(outsider)
    client.post(reverse("core:invitation-accept", args=[raw]))
    assert client.get(reverse("core:invitation-accept", args=[raw])).status_code == 404
    assert Client().get(reverse("core:invitation-accept", args=["nonsense"])).status_code == 404


# Audit log ---------------------------------------------------------------------------------


def audit_rows(response) -> list[str]:
    """The table rows of an audit log answer (asked for as the htmx partial)."""
    assert response.status_code == 200
    tbody = re.search(r"<tbody>(.*?)</tbody>", text(response), re.S)
    return re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S) if tbody else []


def test_audit_log_filters_by_action_actor_text_and_date(org, admin, coordinator, site, client_for):
    with scope(organization=org):
        services.update_site(org=org, site=site, values={"city": "Ikast"}, actor=coordinator)
    client = client_for(admin)

    def rows(**filters):
        return audit_rows(client.get(url("audit", org), filters, HTTP_HX_REQUEST="true"))

    everything = rows()
    assert len(everything) == audit_count(org)
    by_action = rows(action="site.")  # site.created and site.updated
    assert len(by_action) == 2 and all("Lageret" in r for r in by_action)
    by_actor = rows(actor="coordinator@")
    assert len(by_actor) == 1 and "Ikast" in by_actor[0]
    by_text = rows(q="lageret")
    assert len(by_text) == 2
    today = timezone.localdate()
    assert len(rows(date_from=today.isoformat())) == len(everything)
    assert rows(date_to=(today - timedelta(days=1)).isoformat()) == []
    assert rows(date_from=(today + timedelta(days=1)).isoformat()) == []
    empty = client.get(url("audit", org), {"action": "nothing."}, HTTP_HX_REQUEST="true")
    with translation.override("en"):
        assert gettext("No entry matches these filters.") in text(empty)


def test_audit_log_rejects_a_bad_date(org, admin, client_for):
    response = client_for(admin).get(url("audit", org), {"date_from": "not-a-date"})
    assert response.status_code == 400


def test_audit_log_query_count_does_not_grow_with_rows(
    org, admin, client_for, django_assert_max_num_queries
):
    for i in range(60):
        make_site(org, f"Site {i:02d}")
    client = client_for(admin)
    client.get(url("audit", org))  # the first visit also saves the session
    with django_assert_max_num_queries(9):
        response = client.get(url("audit", org))
    assert response.status_code == 200


# API tokens --------------------------------------------------------------------------------


def test_creating_a_token_shows_the_secret_once(org, volunteer, client_for):
    client = client_for(volunteer)
    response = client.post(url("tokens", org), {"name": "Spreadsheet"})
    assert response.status_code == 200
    raw = re.search(r'value="(kdr_[^"]+)"', text(response)).group(1)
    with scope(organization=org):
        token = ApiToken.objects.get(user=volunteer)
    assert token.token_hash == ApiToken.hash(raw) and raw.startswith(token.key_prefix)
    assert last_action(org) == "api_token.created"
    again = text(client.get(url("tokens", org)))
    assert raw not in again and token.key_prefix in again


def test_token_without_a_name_is_rejected(org, volunteer, client_for):
    before = snapshot(org)
    response = client_for(volunteer).post(url("tokens", org), {"name": "  "})
    assert response.status_code == 400
    assert 'id="id_name_error"' in text(response)
    assert snapshot(org) == before


def test_revoking_a_token(org, volunteer, client_for):
    with scope(organization=org):
        token, _raw = services.create_api_token(org=org, user=volunteer, name="phone")
    response = client_for(volunteer).post(url("token-revoke", org, token.pk))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert last_action(org) == "api_token.revoked"


def test_nobody_can_revoke_another_members_token(org, admin, volunteer, client_for):
    with scope(organization=org):
        token, _raw = services.create_api_token(org=org, user=volunteer, name="phone")
    before = snapshot(org)
    assert client_for(admin).post(url("token-revoke", org, token.pk)).status_code == 404
    assert snapshot(org) == before


# Accounts ----------------------------------------------------------------------------------


def test_login_with_a_wrong_password_shows_the_error_in_the_chosen_language(org, admin):
    client = Client()
    client.cookies["kindred_language"] = "da"
    response = client.post(reverse("core:login"), {"username": admin.email, "password": "wrong"})
    assert response.status_code == 200
    with translation.override("da"):
        expected = gettext("The e-mail address or password is not correct.")
    body = text(response)
    assert '<html lang="da">' in body
    assert escape(expected) in body
    assert "_auth_user_id" not in client.session


def test_login_then_home_goes_to_the_users_organisation(org, admin):
    client = Client()
    response = client.post(reverse("core:login"), {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(response.url)
    assert home.status_code == 302 and home.url == url("dashboard", org)


def test_home_returns_to_the_organisation_visited_last(org, other_org, admin, outsider, client_for):
    with scope(organization=org):
        services.add_member(org=org, user=outsider, role=Role.VOLUNTEER, actor=admin)
    client = client_for(outsider)
    client.get(url("dashboard", org))
    assert client.get(reverse("core:home")).url == url("dashboard", org)
    client.get(url("dashboard", other_org))
    assert client.get(reverse("core:home")).url == url("dashboard", other_org)


def test_home_without_an_organisation_explains_how_to_join(db, client_for):
    user = make_user("lonely@example.test")
    response = client_for(user).get(reverse("core:home"))
    assert response.status_code == 200


def test_home_asks_anonymous_visitors_to_log_in(db):
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))


def test_language_picker_saves_the_users_language_and_sets_the_cookie(org, admin, client_for):
    client = client_for(admin)
    response = client.post(
        reverse("core:set-language"), {"language": "da", "next": url("dashboard", org)}
    )
    assert response.status_code == 302 and response.url == url("dashboard", org)
    assert response.cookies["kindred_language"].value == "da"
    admin.refresh_from_db()
    assert admin.language == "da"
    assert last_action(None) == "user.language_changed"
    assert '<html lang="da">' in text(client.get(url("dashboard", org)))


def test_language_picker_rejects_unknown_languages_and_foreign_redirects(org, admin, client_for):
    client = client_for(admin)
    before = audit_count()
    response = client.post(
        reverse("core:set-language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"
    assert "kindred_language" not in response.cookies
    admin.refresh_from_db()
    assert admin.language == ""
    assert audit_count() == before


def test_anonymous_language_choice_sets_only_the_cookie(db):
    before = audit_count()
    response = Client().post(reverse("core:set-language"), {"language": "sv"})
    assert response.cookies["kindred_language"].value == "sv"
    assert audit_count() == before


def test_password_change_is_audited(org, admin, client_for):
    client = client_for(admin)
    response = client.post(
        reverse("core:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-pass-42",
            "new_password2": "a-brand-new-pass-42",
        },
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("a-brand-new-pass-42")
    assert last_action(None) == "user.password_changed"


def test_wrong_old_password_changes_nothing(org, admin, client_for):
    before = audit_count()
    response = client_for(admin).post(
        reverse("core:password-change"),
        {
            "old_password": "wrong",
            "new_password1": "x-new-pass-42",
            "new_password2": "x-new-pass-42",
        },
    )
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert audit_count() == before
