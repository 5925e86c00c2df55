"""Aid pages: station (to be written)."""

urlpatterns: list = []
