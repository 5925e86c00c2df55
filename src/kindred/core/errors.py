"""The domain errors every service raises and every edge turns into a response (a page's
message, the API's 4xx body). Their own module, so reads (queries) can raise them without
importing writes (services)."""


class DomainError(Exception):
    """A broken business rule, with a translated message for the user.

    `field` names the input the message is about, when there is one."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    """A value that fails field validation: the API answers 422 like its schema errors."""

    status = 422


__all__ = ["Conflict", "DomainError", "Invalid", "NotFound"]
