"""Every audit action the code writes has a label people can read, in every language."""

import re
from pathlib import Path

import kindred
from kindred.core.audit import VIA_LABELS, labels

SOURCE = Path(kindred.__file__).parent
# action="x.y" literals, and both branches of action="a" if … else "b".
ACTION = re.compile(r'action=(?:"([a-z_]+\.[a-z_]+)"(?: if .*? else "([a-z_]+\.[a-z_]+)")?)')


def _written_actions() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        for match in ACTION.finditer(path.read_text(encoding="utf-8")):
            found.update(filter(None, match.groups()))
    return found


def test_every_written_action_has_a_label():
    actions = _written_actions()
    assert len(actions) > 20  # the scan itself works
    assert actions <= set(labels()), sorted(actions - set(labels()))


def test_the_audit_page_shows_the_channel_translated(org, admin, client_for, site):
    from django.utils import translation

    admin.language = "sv"
    admin.save(update_fields=["language"])
    html = client_for(admin).get(f"/o/{org.slug}/audit/").content.decode()
    assert set(VIA_LABELS) == {"web", "api"}
    with translation.override("sv"):
        # The fixtures' changes came from no request; a page change comes through "web".
        client_for(admin).post(f"/o/{org.slug}/sites/new/", {"name": "Butik", "kind": "shop"})
        label = str(VIA_LABELS["web"])
    html = client_for(admin).get(f"/o/{org.slug}/audit/").content.decode()
    assert label != "web page" and f"({label})" in html
