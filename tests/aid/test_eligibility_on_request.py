"""Eligibility shown on a request before it is approved (issue 14 item 4): every active rule
with ✓ or ✗, the reason in plain words, and for a rule not met a link to the page that
fixes it — the same check approving makes; a refused approval lists them again."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse
from django_scopes import scope

from kindred.aid.models import EligibilityRule, HelpRequest
from kindred.people import services as people
from tests.aid.builders import cap, family, help_request
from tests.conftest import snapshot
from tests.writes import answer

Status = HelpRequest.Status


def url(org, name, *args):
    return reverse(f"aid:{name}", args=[org.slug, *args])


def checks(html: str) -> list[str]:
    """The eligibility list's items as text, links written as [label](href)."""
    found = re.search(r'<ul class="plain eligibility-checks">(.*?)</ul>', html, re.S)
    assert found, "no eligibility list"
    items = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", found[1], re.S):
        item = re.sub(r'<a href="([^"]*)">([^<]*)</a>', r"[\2](\1)", item)
        item = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", item)
        item = re.sub(r"<[^>]+>", "", item)
        items.append(" ".join(unescape(item).split()))
    return items


def consent_rule(org) -> EligibilityRule:
    with scope(organization=org):
        purpose = {p.key: p for p in people.ensure_default_purposes(org)}["help-records"]
        return EligibilityRule.objects.create(
            organization=org, kind="required_consent", name="", consent_purpose=purpose
        )


def test_each_rule_shows_met_or_not_with_a_link_to_its_fix(org, coordinator, client_for):
    household = family(org, "Jensen", children=[2016])
    request = help_request(
        org, household, [("child-winter-jacket", ["110"], 1, 2)], status=Status.SUBMITTED
    )
    rule = consent_rule(org)
    cap(org, "child-winter-jacket", 5)
    with scope(organization=org):
        head = household.members.get(relation="head").person
    client = client_for(coordinator)
    client.get(url(org, "request", request.pk))  # the session's first write
    sent = answer(lambda: client.get(url(org, "request", request.pk)))
    assert sent.response.status_code == 200 and sent.writes == []
    html = sent.response.content.decode()
    consent_url = reverse("people:consent-new", args=[org.slug, head.pk])
    assert sorted(checks(html)) == [
        "✓ At most 5 units of Children's clothing per household in 30 days",
        "✗ The applicant has a lawful basis in force for “Help records”: Maria Jensen has "
        f"none. → [Record the lawful basis for Maria Jensen]({consent_url}"
        f"?purpose={rule.consent_purpose_id})",
    ]
    assert "One rule is not met" in html
    # The eligibility card comes before the decision.
    assert html.index('id="eligibility"') < html.index(
        'action="' + url(org, "request-approve", request.pk)
    )

    # Recording the basis is the fix: every rule is met now, nothing links anywhere.
    with scope(organization=org):
        people.record_consent(
            org=org, person=head, purpose=rule.consent_purpose, basis="consent", actor=None
        )
    html = client.get(url(org, "request", request.pk)).content.decode()
    assert all(check.startswith("✓") for check in checks(html))
    assert "Every rule is met: the request can be approved." in html


def test_a_cap_links_to_the_needs_and_a_visit_limit_to_the_reason(org, coordinator, client_for):
    request = help_request(
        org, family(org), [("child-winter-jacket", ["110"], 3, 2)], status=Status.IN_REVIEW
    )
    cap(org, "child-winter-jacket", 1)
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    html = client_for(coordinator).get(url(org, "request", request.pk)).content.decode()
    found = checks(html)
    lines = url(org, "request-lines", request.pk)
    assert any(c.startswith("✗") and f"→ [Change the needs]({lines})" in c for c in found)
    assert any(
        c.startswith("✗") and "→ [Give a reason to approve anyway](#id_override_reason)" in c
        for c in found
    )
    assert "2 rules are not met" in html


def test_a_refused_approval_lists_the_rules_with_their_fixes(org, coordinator, client_for):
    household = family(org)
    request = help_request(org, household, [("toy", [], 1, 1)], status=Status.SUBMITTED)
    consent_rule(org)
    client = client_for(coordinator)
    before = snapshot(org)
    response = client.post(url(org, "request-approve", request.pk), {})
    assert response.status_code == 409
    assert snapshot(org) == before
    html = response.content.decode()
    refusal = html[html.index("The request was not approved") :]
    assert "Record the lawful basis for Maria Petrov" in refusal
    assert "data-error-summary" in html  # the approve form's summary, focused on load


def test_a_role_without_the_right_gets_no_link_it_cannot_use(org, referrer, client_for):
    household = family(org)
    with scope(organization=org):
        household.created_by = referrer
        household.save(update_fields=["created_by"])
    request = help_request(
        org,
        household,
        [("child-winter-jacket", ["110"], 3, 2)],
        status=Status.SUBMITTED,
        created_by=referrer,
    )
    with scope(organization=org):
        EligibilityRule.objects.create(
            organization=org, kind="visit_frequency", max_count=0, period_days=30
        )
    response = client_for(referrer).get(url(org, "request", request.pk))
    assert response.status_code == 200
    [check] = checks(response.content.decode())
    assert check.startswith("✗") and "→" not in check  # no override for a referrer


def test_a_decided_request_shows_what_was_found_when_it_was_approved(org, coordinator, client_for):
    request = help_request(org, family(org), [("toy", [], 1, 1)], status=Status.SUBMITTED)
    cap(org, "toy", 5)
    client = client_for(coordinator)
    assert client.post(url(org, "request-approve", request.pk), {}).status_code == 302
    html = client.get(url(org, "request", request.pk)).content.decode()
    assert "eligibility-checks" not in html
    assert "When the request was approved:" in html


def test_another_organisation_cannot_see_the_eligibility(org, outsider, client_for):
    request = help_request(org, family(org), [("toy", [], 1, 1)], status=Status.SUBMITTED)
    consent_rule(org)
    response = client_for(outsider).get(url(org, "request", request.pk))
    assert response.status_code == 404
