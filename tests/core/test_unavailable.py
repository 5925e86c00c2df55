"""While the database is unreachable (restarting, the connection lost), pages and the API
answer 503 with Retry-After and a translated message, not 500: the client can repeat the
request as it is. Tried for real: a Kindred process whose database is a closed port."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from django.utils import translation
from django.utils.translation import gettext

SCRIPT = textwrap.dedent(
    """
    import json, logging, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "kindred.settings"
    import django
    django.setup()
    logging.disable(logging.CRITICAL)  # the outage is logged; not on this test's output
    from django.test import Client
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da", HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = "x" * 32  # a signed-in browser: its session is in the database
    answers = {}
    for path in ["/o/home/", "/api/v1/me"]:
        r = client.get(path, HTTP_AUTHORIZATION="Bearer kdr_not-checked-without-a-database")
        answers[path] = [r.status_code, r.get("Retry-After"), r.content.decode()]
    print(json.dumps(answers))
    """
)


def test_pages_and_api_answer_503_with_retry_after_while_the_database_is_down(tmp_path):
    env = {
        "DATABASE_URL": "postgres://kindred@127.0.0.1:1/unreachable",  # nothing listens on 1
        "KINDRED_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    with translation.override("da"):
        message = gettext("The service is briefly unavailable. Try again in a moment.")
    for path, (status, retry_after, body) in answers.items():
        assert status == 503, (path, body[:300])
        assert retry_after == "10", path
    assert message in answers["/o/home/"][2]
    assert json.loads(answers["/api/v1/me"][2])["detail"] == message
