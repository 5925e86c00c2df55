"""Rate limits shared by every server process, kept in Django's cache (the database by
default, Redis with KINDRED_CACHE_URL; never process memory, so four gunicorn workers
count together).

A limit is a number of hits per fixed window (e.g. 10 an hour) under a key made of what is
limited and who (an address, a phone number). The key is hashed: no address or number is
stored in clear in the cache. On the database cache two processes may both read the same
count at once and let one hit too many through; Redis counts atomically."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """At most `hits` in `seconds` for each value of what `name` limits."""

    name: str
    hits: int
    seconds: int

    def _key(self, value: str, now: float) -> str:
        digest = hashlib.sha256(f"{self.name}:{value}".encode()).hexdigest()[:32]
        return f"rl:{self.name}:{digest}:{int(now // self.seconds)}"

    def hit(self, value: str, *, now: float | None = None) -> bool:
        """Count one hit for `value`; True while it is within the limit."""
        if not value:
            return True
        key = self._key(value, time.time() if now is None else now)
        if cache.add(key, 1, timeout=self.seconds + 60):
            return self.hits >= 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=self.seconds + 60)
            count = 1
        return count <= self.hits

    def exceeded(self, value: str, *, now: float | None = None) -> bool:
        """Whether `value` has used up its hits in this window (counts nothing)."""
        if not value:
            return False
        count = cache.get(self._key(value, time.time() if now is None else now)) or 0
        return count >= self.hits
