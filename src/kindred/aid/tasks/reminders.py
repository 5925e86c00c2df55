"""Booking reminders (to be written)."""


def enqueue_reminders() -> None:
    """Scheduled by `kindred worker`: enqueue reminders for tomorrow's bookings."""
