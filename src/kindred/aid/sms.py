"""Pluggable text-message backends (settings.SMS_BACKEND), like Django's e-mail backends.

A backend has `send(to: str, body: str) -> None` and raises `SmsError` when the message
could not be sent. `ConsoleBackend` (the default) prints the message; `LocmemBackend`
keeps it in `outbox` for tests. A real provider is a small class of one's own, named
in KINDRED_SMS_BACKEND."""

from __future__ import annotations

import sys
import threading

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{body}\n{'-' * 40}\n")
        sys.stdout.flush()


outbox: list[tuple[str, str]] = []
_lock = threading.Lock()


class LocmemBackend:
    def send(self, to: str, body: str) -> None:
        with _lock:
            outbox.append((to, body))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
