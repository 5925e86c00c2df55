"""Aid pages: requests (to be written)."""

urlpatterns: list = []
