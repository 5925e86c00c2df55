from django.urls import path

from . import views

app_name = "privacy"

_ORG = "o/<slug:org_slug>/privacy/"
_PERSON = _ORG + "persons/<int:person_id>/"

urlpatterns = [
    path(_ORG, views.overview, name="overview"),
    path(_ORG + "legal-holds/", views.hold_list, name="holds"),
    path(_ORG + "legal-holds/<int:hold_id>/lift/", views.hold_lift, name="hold-lift"),
    path(_PERSON + "export/", views.person_export_page, name="person-export"),
    path(_PERSON + "export.json", views.person_export_json, name="person-export-json"),
    path(_PERSON + "export.pdf", views.person_export_pdf, name="person-export-pdf"),
    path(_PERSON + "erase/", views.person_erase, name="person-erase"),
    path(_PERSON + "legal-hold/", views.person_hold, name="person-hold"),
]
