"""The audit log is readable without knowing codes: field and choice labels, translated."""

from django.urls import reverse
from django.utils import translation

from tests.conftest import make_site


def test_audit_log_shows_field_and_choice_labels_in_the_readers_language(org, admin, client_for):
    make_site(org, "Lageret", city="Herning")  # kind = warehouse
    admin.language = "da"
    admin.save(update_fields=["language"])
    response = client_for(admin).get(reverse("core:audit", args=[org.slug]))
    html = response.content.decode()
    with translation.override("da"):
        warehouse = str(translation.gettext("Warehouse"))
        site_added = str(translation.gettext("Site added"))
    assert warehouse != "Warehouse" and warehouse in html
    assert site_added in html
    assert "→ warehouse" not in html  # the stored code is not what a reader sees
