"""Production mode is safe by default: `kindred check --deploy` is clean and the security
headers are sent on every page."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.urls import reverse

from kindred.people.identity import new_key

CHECK_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "LANGUAGE_COOKIE_SECURE": s.LANGUAGE_COOKIE_SECURE,
    "SECURE_REFERRER_POLICY": s.SECURE_REFERRER_POLICY,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "CSP": s.CONTENT_SECURITY_POLICY["DIRECTIVES"],
}))
"""


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """The environment of a production deployment, isolated from the developer's."""
    # Nothing of the test session leaks in: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE,
    # which `check --deploy` rightly reports (async.E001).
    prefixes = ("KINDRED_", "DATABASE_", "DJANGO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        DJANGO_SETTINGS_MODULE="kindred.settings",
        KINDRED_SECRET_KEY=secrets.token_urlsafe(45)[:60],
        KINDRED_DEBUG="0",
        KINDRED_ALLOWED_HOSTS="kindred.example.org",
        KINDRED_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'kindred.sqlite3'}",
        KINDRED_ENCRYPTION_KEYS=new_key("k1"),
    )
    assert len(env["KINDRED_SECRET_KEY"]) == 60
    return env


def kindred(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kindred", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_in_production_mode(production_env, tmp_path):
    result = kindred(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env, cwd=tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output


def test_production_mode_turns_on_https_only_settings(production_env, tmp_path):
    result = kindred("shell", "-c", CHECK_SETTINGS, env=production_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 365
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    for directive, sources in values["CSP"].items():
        assert "'unsafe-inline'" not in sources, directive
        assert "'unsafe-eval'" not in sources, directive


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.django_db
def test_login_page_sends_the_security_headers(client):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("style-src", [])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_login_page_has_no_inline_script_for_the_policy_to_block(client):
    html = client.get(reverse("core:login")).content.decode()
    scripts = html.count("<script")
    assert scripts >= 2  # htmx and app.js
    assert html.count("<script src=") == scripts
    assert " style=" not in html and "<style" not in html


def test_production_refuses_to_start_without_encryption_keys(production_env, tmp_path):
    del production_env["KINDRED_ENCRYPTION_KEYS"]
    result = kindred("check", env=production_env, cwd=tmp_path)
    assert result.returncode != 0
    assert "KINDRED_ENCRYPTION_KEYS" in result.stderr + result.stdout
