from django.conf import settings

from . import declarations
from .roles import Action, can
from .scoping import user_memberships


def shell(request):
    """What the base layout needs: the user's organisations and what the role may see."""
    org = getattr(request, "org", None)
    role = getattr(request, "role", None)
    match = getattr(request, "resolver_match", None)
    return {
        "menu": declarations.menu(role, match.view_name if match else "") if org else [],
        "current_org": org,
        "current_role": role,
        "memberships": user_memberships(request.user) if hasattr(request, "user") else [],
        "perms_org": {action.value: can(role, action) for action in Action} if org else {},
        "available_languages": settings.LANGUAGES,
    }
