"""Password reset by e-mail, and logging out."""

import re

from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from kindred.core.models import AuditEntry


def test_password_reset_by_email_sets_a_new_password_and_is_audited(admin, mailoutbox):
    client = Client()
    response = client.post(reverse("core:password-reset"), {"email": admin.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [admin.email]
    link = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200 and b"new_password1" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"},
    )
    assert done.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("a-brand-new-secret-9")
    with scopes_disabled():
        assert AuditEntry.objects.filter(actor=admin, action="user.password_reset").exists()
    # The link works once.
    assert b"new_password1" not in client.get(path, follow=True).content


def test_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(db, mailoutbox):
    response = Client().post(reverse("core:password-reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"].endswith("/sent/")
    assert mailoutbox == []


def test_logout_ends_the_session(admin, client_for, org):
    client = client_for(admin)
    assert client.get(reverse("core:dashboard", args=[org.slug])).status_code == 200
    assert client.post(reverse("core:logout")).status_code == 302
    response = client.get(reverse("core:dashboard", args=[org.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
