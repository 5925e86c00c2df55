from django.urls import path

from . import import_views, views

app_name = "people"

_ORG = "o/<slug:org_slug>/people/"

urlpatterns = [
    path(_ORG + "persons/", views.person_list, name="persons"),
    path(_ORG + "persons/new/", views.person_edit, name="person-new"),
    path(_ORG + "persons/<int:person_id>/", views.person_detail, name="person"),
    path(_ORG + "persons/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path(_ORG + "persons/<int:person_id>/reveal/", views.person_reveal, name="person-reveal"),
    path(
        _ORG + "persons/duplicate-check/",
        views.person_duplicate_check,
        name="person-duplicate-check",
    ),
    path(_ORG + "duplicates/", views.duplicate_list, name="duplicates"),
    path(_ORG + "duplicates/dismiss/", views.duplicate_dismiss, name="duplicate-dismiss"),
    path(
        _ORG + "persons/<int:person_id>/merge/<int:other_id>/",
        views.person_merge,
        name="person-merge",
    ),
    path(_ORG + "households/", views.household_list, name="households"),
    path(_ORG + "households/new/", views.household_new, name="household-new"),
    path(_ORG + "households/register/", views.family_new, name="family-new"),
    path(_ORG + "households/<int:household_id>/", views.household_detail, name="household"),
    path(
        _ORG + "households/<int:household_id>/members/add/",
        views.household_add_member,
        name="household-member-add",
    ),
    path(
        _ORG + "households/<int:household_id>/members/<int:member_id>/leave/",
        views.household_member_leave,
        name="household-member-leave",
    ),
]

# Contacts and consent (issue 3: contacts, consent and lawful basis) -----------------------
urlpatterns += [
    path(_ORG + "contacts/", views.contact_list, name="contacts"),
    path(_ORG + "contacts/new/", views.contact_edit, name="contact-new"),
    path(_ORG + "contacts/<int:contact_id>/", views.contact_detail, name="contact"),
    path(_ORG + "contacts/<int:contact_id>/edit/", views.contact_edit, name="contact-edit"),
    path(
        _ORG + "contacts/<int:contact_id>/archive/", views.contact_archive, name="contact-archive"
    ),
    path(
        _ORG + "contacts/<int:contact_id>/people/add/",
        views.contact_person_add,
        name="contact-person-add",
    ),
    path(
        _ORG + "contacts/<int:contact_id>/people/<int:link_id>/main/",
        views.contact_person_main,
        name="contact-person-main",
    ),
    path(
        _ORG + "contacts/<int:contact_id>/people/<int:link_id>/remove/",
        views.contact_person_remove,
        name="contact-person-remove",
    ),
    path(_ORG + "persons/<int:person_id>/consents/new/", views.consent_new, name="consent-new"),
    path(
        _ORG + "persons/<int:person_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path(_ORG + "purposes/", views.purpose_list, name="purposes"),
    path(_ORG + "purposes/new/", views.purpose_edit, name="purpose-new"),
    path(_ORG + "purposes/<int:purpose_id>/edit/", views.purpose_edit, name="purpose-edit"),
    path(
        _ORG + "purposes/<int:purpose_id>/archive/", views.purpose_archive, name="purpose-archive"
    ),
]

# Spreadsheet import and list exports (people/import_views.py) -----------------------------
urlpatterns += [
    path(_ORG + "import/", import_views.import_start, name="import"),
    path(_ORG + "import/template/", import_views.import_template, name="import-template"),
    path(_ORG + "import/<int:batch_id>/", import_views.import_batch, name="import-batch"),
    path(
        _ORG + "import/<int:batch_id>/columns/",
        import_views.import_mapping,
        name="import-mapping",
    ),
    path(_ORG + "import/<int:batch_id>/run/", import_views.import_run, name="import-run"),
    path(
        _ORG + "import/<int:batch_id>/discard/",
        import_views.import_discard,
        name="import-discard",
    ),
    path(_ORG + "persons/export/", import_views.person_export, name="persons-export"),
    path(_ORG + "households/export/", import_views.household_export, name="households-export"),
]
