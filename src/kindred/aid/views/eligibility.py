"""Aid pages: eligibility (to be written)."""

urlpatterns: list = []
