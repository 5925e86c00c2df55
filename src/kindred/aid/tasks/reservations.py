"""Reservation expiry (to be written)."""


def enqueue_expiry() -> None:
    """Scheduled by `kindred worker`: enqueue the expiry of overdue reservations."""
