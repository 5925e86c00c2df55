"""Aid background tasks: the allocation run, reservation expiry and booking reminders."""
