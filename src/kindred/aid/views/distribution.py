"""Aid pages: distribution (to be written)."""

urlpatterns: list = []
