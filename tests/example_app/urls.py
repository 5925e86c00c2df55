"""The project's pages plus the example app's own (the tests point ROOT_URLCONF here)."""

from django.urls import include, path

from . import views

example = ([path("o/<slug:org_slug>/garden/", views.garden, name="garden")], "example_app")

urlpatterns = [path("", include(example)), path("", include("kindred.urls"))]
