"""The public needs list at /needs/<org_slug>/: what an organisation asks donors for, with
its intro text and where to bring things. No login, no stock figures, no personal data.

It is outside org_view, so the organisation is looked up with scopes disabled and the
scope is then activated by hand. The page holds no form and no CSRF token, so a shared
cache may keep it for a few minutes; the language comes from ?lang=, the language cookie
or the browser (links switch it, so each language has its own address).
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_scopes import scope, scopes_disabled

from kindred.core.models import Organization

from ..models import GoodsSettings
from ..queries import stock as q

CACHE_SECONDS = 300


def public_needs(request: HttpRequest, org_slug: str) -> HttpResponse:
    with scopes_disabled():
        org = Organization.objects.filter(slug=org_slug).first()
        shown = (
            org is not None
            and GoodsSettings.objects.filter(organization=org, public_needs=True).exists()
        )
    if not shown:
        raise Http404
    languages = dict(settings.LANGUAGES)
    chosen = request.GET.get("lang", "")
    language = chosen if chosen in languages else translation.get_language()
    with translation.override(language), scope(organization=org):
        goods_settings = GoodsSettings.objects.get(organization=org)
        context = {
            "org": org,
            "intro": goods_settings.public_intro,
            "groups": q.public_needs(org),
            "sites": q.public_sites(org),
            "language": language,
            "languages": settings.LANGUAGES,
        }
        response = render(request, "goods/public_needs.html", context)
        response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


urlpatterns = [path("needs/<slug:org_slug>/", public_needs, name="public-needs")]
