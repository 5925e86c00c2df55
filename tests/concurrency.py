"""Threads that start at the same moment, for the PostgreSQL concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections

from kindred.core.services import DomainError


def run_together(count: int, work: Callable[[int], object]) -> list[str]:
    """Run `work(n)` in `count` threads released at once, each on its own connection. Each
    result is "ok", the name of the domain error it was refused with ("StockError",
    "AidError", …) or, for anything else, the exception and its message, for the test to
    assert on. A thread still running after two minutes fails the test (a deadlock)."""
    barrier = threading.Barrier(count)
    results: list[str] = [""] * count

    def thread(n: int) -> None:
        try:
            connections["default"].ensure_connection()  # connect before the start line
            barrier.wait(timeout=30)
            work(n)
            results[n] = "ok"
        except DomainError as error:
            results[n] = type(error).__name__
        except Exception as error:  # reported and asserted on by the tests
            results[n] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def run_each(works: list[Callable[[], object]]) -> list[str]:
    """`run_together` for a list of different works, one thread each."""
    return run_together(len(works), lambda n: works[n]())
