"""Aid pages: allocation (to be written)."""

urlpatterns: list = []
