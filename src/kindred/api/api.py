"""The one django-ninja API object at /api/v1/. Each app adds its router here."""

from ninja import NinjaAPI

from kindred.aid.api import router as aid_router
from kindred.core.api import router as core_router
from kindred.goods.api import router as goods_router
from kindred.people.api import router as people_router
from kindred.privacy.api import router as privacy_router

from . import contract, errors
from .auth import auth
from .reference import ApiReference

api = NinjaAPI(
    title="Kindred API",
    version="1",
    urls_namespace="api",
    auth=auth,
    docs=ApiReference(),  # our own accessible page at /api/v1/docs (ADR 0024)
    description=(
        "Kindred's JSON API. Authenticate with a personal API token "
        "(`Authorization: Bearer kdr_…`), created under *API tokens* in the web app; a token "
        "works in the one organisation it was created in, with its owner's role. Errors "
        'always look like `{"detail": "…", "errors": [{"field": "…", "message": "…"}]}`; '
        "lists take `page` and `page_size` (≤ 200) and answer "
        '`{"items": [...], "count": N, "page": P, "page_size": S, "pages": K}`. '
        "Messages follow the `Accept-Language` header (en, sv, da, fi, bg, uk)."
    ),
)
errors.install(api)


# Each app's router, in the layers' order (the OpenAPI document lists them so).
api.add_router("/", core_router)
api.add_router("/", people_router)
api.add_router("/", privacy_router)
api.add_router("/", goods_router)
api.add_router("/", aid_router)
# After every router: each operation checks permission before input, and strict types.
contract.install(api)
