"""A mail server that refuses every message, for the tests of the outbox (Django's e-mail
backends are pluggable: this is the configured backend, not a stand-in for our code)."""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")
