from django.urls import path  # noqa: F401

ORG = "o/<slug:org_slug>/goods/"

urlpatterns: list = []
