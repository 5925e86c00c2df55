"""What a request wrote: the proof that a refusal changed nothing.

A refused request must not reach the database with an INSERT, UPDATE or DELETE — not even
one that a rollback later undoes. Capturing the statements is cheaper than comparing two
snapshots of every table and stronger: it also sees writes that were rolled back.

    sent = answer(lambda: client.post(url, data))
    assert sent.response.status_code == 403
    assert sent.writes == []

Where a service may write and roll back inside an allowed request, compare snapshots
(tests/conftest.py `snapshot`) as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from kindred.core.models import AuditEntry

_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?([\w.]+)"?', re.I)


def writes_in(queries: list[dict]) -> list[str]:
    """The writing statements among captured queries, as "INSERT core_auditentry"."""
    found = []
    for query in queries:
        match = _WRITE.match(query["sql"])
        if match:
            found.append(f"{match.group(1).split()[0].upper()} {match.group(2)}")
    return found


@dataclass
class Answer:
    response: Any
    writes: list[str]


def answer(send: Callable[[], Any]) -> Answer:
    """Call `send()` (a test-client request) and record which tables it wrote."""
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return Answer(response, writes_in(captured.captured_queries))


@contextmanager
def no_writes() -> Iterator[None]:
    """Fails if an INSERT, UPDATE or DELETE reached the database inside the block."""
    with CaptureQueriesContext(connection) as captured:
        yield
    written = writes_in(captured.captured_queries)
    assert written == [], f"expected no writes, got {written}"


def last_audit_pk() -> int:
    with scopes_disabled():
        return AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def audit_actions_since(pk: int) -> list[str]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(pk__gt=pk).order_by("pk").values_list("action", flat=True)
        )
