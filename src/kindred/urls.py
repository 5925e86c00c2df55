import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from kindred.api.api import api
from kindred.core.admin import superuser_only

superuser_only(admin.site)

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kindred.core.urls")),
    path("", include("kindred.people.urls")),
    path("", include("kindred.privacy.urls")),
    path("", include("kindred.goods.urls")),
    path("", include("kindred.aid.urls")),
]

if os.environ.get("KINDRED_BENCH_VIEWS") == "1":
    # `make bench` only: an unauthenticated twin of the members API (core/bench_views.py).
    from kindred.core import bench_views

    urlpatterns.insert(0, path("bench/o/<slug:slug>/members", bench_views.members))

handler403 = "kindred.core.views.errors.permission_denied"
handler404 = "kindred.core.views.errors.not_found"
handler500 = "kindred.core.views.errors.server_error"
