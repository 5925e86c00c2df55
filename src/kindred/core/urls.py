from django.contrib.auth import views as auth_views
from django.urls import path

from .views import accounts, assets, org

app_name = "core"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("favicon.ico", assets.favicon, name="favicon"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("accounts/language/", accounts.set_language, name="set-language"),
    path("invitations/<str:token>/", accounts.accept_invitation, name="invitation-accept"),
    path("o/<slug:org_slug>/", org.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/settings/", org.settings_edit, name="settings"),
    path("o/<slug:org_slug>/sites/", org.site_list, name="sites"),
    path("o/<slug:org_slug>/sites/new/", org.site_edit, name="site-new"),
    path("o/<slug:org_slug>/sites/<int:site_id>/", org.site_edit, name="site-edit"),
    path("o/<slug:org_slug>/sites/<int:site_id>/archive/", org.site_archive, name="site-archive"),
    path("o/<slug:org_slug>/members/", org.member_list, name="members"),
    path("o/<slug:org_slug>/members/invite/", org.member_invite, name="member-invite"),
    path(
        "o/<slug:org_slug>/members/<int:membership_id>/role/", org.member_role, name="member-role"
    ),
    path(
        "o/<slug:org_slug>/members/<int:membership_id>/remove/",
        org.member_remove,
        name="member-remove",
    ),
    path(
        "o/<slug:org_slug>/invitations/<int:invitation_id>/revoke/",
        org.invitation_revoke,
        name="invitation-revoke",
    ),
    path("o/<slug:org_slug>/audit/", org.audit_log, name="audit"),
    path("o/<slug:org_slug>/audit/export/", org.audit_export, name="audit-export"),
    path("o/<slug:org_slug>/tokens/", org.token_list, name="tokens"),
    path("o/<slug:org_slug>/tokens/<int:token_id>/revoke/", org.token_revoke, name="token-revoke"),
    path("o/<slug:org_slug>/roles/", org.roles_table, name="roles"),
    path("o/<slug:org_slug>/jobs/<int:progress_id>/", org.task_progress, name="task-progress"),
    path(
        "o/<slug:org_slug>/jobs/<int:progress_id>/download/",
        org.task_download,
        name="task-download",
    ),
]
