from django.urls import path

from . import views

app_name = "people"

_ORG = "o/<slug:org_slug>/people/"

urlpatterns = [
    path(_ORG + "persons/", views.person_list, name="persons"),
    path(_ORG + "persons/new/", views.person_edit, name="person-new"),
    path(_ORG + "persons/<int:person_id>/", views.person_detail, name="person"),
    path(_ORG + "persons/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path(_ORG + "persons/<int:person_id>/reveal/", views.person_reveal, name="person-reveal"),
    path(_ORG + "households/", views.household_list, name="households"),
    path(_ORG + "households/new/", views.household_new, name="household-new"),
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
