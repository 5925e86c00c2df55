"""The public form's limit is shared by every server process (PostgreSQL, committing): two
separate Kindred processes post from one address and are cut off together at the limit,
with the database cache (the default) and with Redis (KINDRED_CACHE_URL)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis
from django.db import connection
from django_scopes import scopes_disabled

from kindred.aid.models import HelpRequest
from kindred.aid.services.requests.public_limits import BY_ADDRESS
from tests import committing
from tests.aid.test_public_form import enable_public_form, filled, url
from tests.conftest import subprocess_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

personas = committing.personas


@pytest.fixture
def open_form(org):
    return enable_public_form(org)


SCRIPT = textwrap.dedent(
    """
    import json, logging, os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "kindred.settings"
    import django
    django.setup()
    logging.disable(logging.CRITICAL)
    from django.test import Client
    path, address, posts, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    client = Client(REMOTE_ADDR=address, HTTP_HOST="127.0.0.1")
    codes = []
    for n in range(posts):
        codes.append(client.post(path, {**data, "phone": f"+45 30 {n:02d} {posts:02d} 00"}).status_code)
    print(json.dumps(codes))
    """
)


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("two processes share the test database only on PostgreSQL")


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _server_process(org, address: str, posts: int, cache_url: str) -> list[int]:
    env = {**os.environ, "DATABASE_URL": subprocess_database_url(), "KINDRED_CACHE_URL": cache_url}
    data = {k: v for k, v in filled(org).items() if k != "phone"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url(org), address, str(posts), json.dumps(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_two_server_processes_share_the_limit(open_form, cache):
    if cache == "redis" and not _redis_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not answering on 127.0.0.1:6379")
        pytest.skip("Redis is not answering on 127.0.0.1:6379")
    cache_url = "redis://127.0.0.1:6379/15" if cache == "redis" else ""
    if cache_url:
        # Redis outlives the test database: counts from an earlier run within the hour (the
        # same organisation id, e-mail address) would still be there. Database 15 is the
        # tests' own.
        redis.Redis.from_url(cache_url).flushdb()
    org = open_form
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"  # fresh counts
    first = _server_process(org, address, 6, cache_url)
    second = _server_process(org, address, 10, cache_url)
    assert first == [302] * 6
    assert second == [302] * (BY_ADDRESS.hits - 6) + [429] * (16 - BY_ADDRESS.hits)
    with scopes_disabled():
        assert HelpRequest.objects.filter(organization=org).count() == BY_ADDRESS.hits
