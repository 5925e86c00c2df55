"""Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis):
whatever a client sends, the answer is never a server error, and every error has the one
documented shape."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.conftest import api_token

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: a request must not close the database connection that
    holds the test's transaction (the WSGI handler's request signals would, on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(org, admin, site, volunteer):
    return api_token(org, admin)


@pytest.mark.ci_on_sqlite
@schema.parametrize()
@settings(
    # 12 per operation: the API has about 120 operations and CI has a time budget;
    # derandomized, so a failure reproduces.
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db(transaction=False)
def test_api_never_answers_with_a_server_error(case, token):
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = "home"
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (response.status_code, response.text)
        body = response.json()
        assert isinstance(body["detail"], str) and isinstance(body["errors"], list)
