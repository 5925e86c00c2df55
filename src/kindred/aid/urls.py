"""Aid pages under /o/<org_slug>/aid/…, the public help form under /help/<org_slug>/ and
households' booking links under /b/<token>/; each views module lists its own paths."""

from .views import allocation, booking, distribution, eligibility, public, requests, station

app_name = "aid"

urlpatterns = [
    *public.urlpatterns,
    *booking.urlpatterns,
    *requests.urlpatterns,
    *eligibility.urlpatterns,
    *allocation.urlpatterns,
    *distribution.urlpatterns,
    *station.urlpatterns,
]
