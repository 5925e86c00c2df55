"""Aid pages: public (to be written)."""

urlpatterns: list = []
