"""Django's admin: for superusers only (operators of the installation), at KINDRED_ADMIN_URL."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Membership, Organization, Site, User


def superuser_only(site: admin.AdminSite) -> None:
    site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
    site.site_header = _("Kindred operations")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_active", "is_superuser", "date_joined"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "country", "currency"]
    search_fields = ["name", "slug"]


class ScopesDisabledAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.objects.with_scopes_disabled().all()


@admin.register(Site)
class SiteAdmin(ScopesDisabledAdmin):
    list_display = ["name", "organization", "kind", "city", "archived"]


@admin.register(Membership)
class MembershipAdmin(ScopesDisabledAdmin):
    list_display = ["user", "organization", "role"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopesDisabledAdmin):
    list_display = ["created_at", "organization", "actor_label", "action", "object_repr"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
