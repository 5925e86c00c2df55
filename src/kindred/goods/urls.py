"""Goods pages under /o/<org_slug>/goods/…; each views module lists its own paths."""

from .views import catalogue, intake, labels, operations, public, stock

app_name = "goods"

urlpatterns = [
    *public.urlpatterns,
    *catalogue.urlpatterns,
    *intake.urlpatterns,
    *operations.urlpatterns,
    *stock.urlpatterns,
    *labels.urlpatterns,
]
