"""No link a demo member sees leads to a page they cannot open (issue 14 item 12).

Each role of the demo organisation Hjælpesporet (and the referrer and fundraiser of Hjärta
till Hjärta) follows every link on the pages it can reach from its home page, inside the
organisation, and every answer must be a success or a redirect: never 403 or 404. The
referrer was linked from its help request to a household it did not register (404); the
fundraiser from the stock movements to reservations and handouts (403). One page per kind of URL (ids folded), three for the roles that see only
part of the records, where one record of a kind may open and another not."""

from __future__ import annotations

import io
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from kindred.core.models import User
from tests.shared import shared

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)', re.IGNORECASE)
# (organisation, its domain, role, pages per kind of URL): every role in Hjælpesporet, the
# roles that see part of it in Hjärta till Hjärta too.
CRAWLS = [
    ("hjaelpesporet", "hjaelpesporet.example", "admin", 1),
    ("hjaelpesporet", "hjaelpesporet.example", "coordinator", 1),
    ("hjaelpesporet", "hjaelpesporet.example", "volunteer", 1),
    ("hjaelpesporet", "hjaelpesporet.example", "referrer", 3),
    ("hjaelpesporet", "hjaelpesporet.example", "fundraiser", 3),
    ("hjarta-till-hjarta", "hjartatillhjarta.example", "referrer", 3),
    ("hjarta-till-hjarta", "hjartatillhjarta.example", "fundraiser", 3),
]
LIMIT = 400  # pages per role, a guard against a crawl that never ends


@shared
def demo() -> bool:
    call_command("demo", stdout=io.StringIO())
    return True


def crawl(client: Client, start: str, per_kind: int) -> tuple[int, list[tuple[int, str, str]]]:
    """(pages opened, [(status, url, the page that linked to it)] for every refusal)."""
    prefix = urlsplit(start).path
    queue = deque([(start, "(home)")])
    seen: set[str] = set()
    kinds: Counter = Counter()
    refused = []
    opened = 0
    while queue and opened < LIMIT:
        url, source = queue.popleft()
        path = urlsplit(url).path
        kind = re.sub(r"/\d+(?=/|$)", "/<id>", path)
        if path in seen or kinds[kind] >= per_kind:
            continue
        seen.add(path)
        kinds[kind] += 1
        response = client.get(url)
        opened += 1
        if response.status_code >= 400:
            refused.append((response.status_code, url, source))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            target = urlsplit(urljoin(url, href.replace("&amp;", "&")))
            if target.netloc in ("", "testserver") and target.path.startswith(prefix):
                queue.append((target.path + (f"?{target.query}" if target.query else ""), url))
    return opened, refused


@pytest.mark.parametrize(("slug", "domain", "role", "per_kind"), CRAWLS)
def test_every_link_a_demo_member_sees_opens(demo, slug, domain, role, per_kind):
    client = Client()
    client.force_login(User.objects.get(email=f"{role}@{domain}"))
    opened, refused = crawl(client, f"/o/{slug}/", per_kind)
    assert opened >= 10
    assert refused == []
