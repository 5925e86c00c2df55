from django.http import HttpRequest, HttpResponse

from kindred.core.roles import Action
from kindred.core.scoping import org_view


@org_view(Action.MANAGE_SITES)
def garden(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"The garden of {request.org.name}")
