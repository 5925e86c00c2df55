"""The error summary and tied field errors (issue 14 item 2, ADR 0021): a form with two
bad fields answers once with a summary linking to both inputs, and each input points at its
message (aria-describedby) and is marked invalid; forms and formsets share one summary with
the ids the fields render."""

from __future__ import annotations

import re

from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from tests.conftest import make_location, snapshot


def summary_of(body: str) -> str:
    found = re.search(
        r'<div class="error-summary" role="alert" tabindex="-1"[^>]*>(.*?)</div>', body, re.S
    )
    assert found, "the page has no error summary"
    return found.group(1)


def links(summary: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="#([^"]+)">([^<]*)</a>', summary)


def assert_tied(body: str, field_id: str) -> None:
    """The input is marked invalid and described by exactly one message element."""
    tag = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', body)
    assert tag, f"no input {field_id}"
    assert 'aria-invalid="true"' in tag.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described and f"{field_id}_error" in described.group(1).split()
    assert body.count(f'id="{field_id}_error"') == 1


def test_the_person_form_reports_a_wrong_cpr_number_and_a_bad_email_in_one_answer(
    org, coordinator, client_for
):
    before = snapshot(org)
    response = client_for(coordinator).post(
        reverse("people:person-new", args=[org.slug]),
        {
            "given_name": "Mette",
            "email": "mette@",
            "national_id_country": "DK",
            "national_id": "511062-5629",  # day 51: no such birth date
        },
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 400
    body = response.content.decode()
    summary = summary_of(body)
    with translation.override("da"):
        heading = ngettext("There is a problem", "There are %(counter)s problems", 2) % {
            "counter": 2
        }
    assert f"<h2>{heading}</h2>" in summary
    targets = [target for target, _text in links(summary)]
    assert targets == ["id_email", "id_national_id"]
    form = response.context["form"]
    for target, text in links(summary):
        name = target.removeprefix("id_")
        assert text.startswith(f"{form[name].label}: ")
        assert_tied(body, target)
    assert snapshot(org) == before


def test_the_intake_form_reports_a_missing_date_and_no_lines_in_one_answer(
    org, site, admin, client_for
):
    make_location(org, site, "Shelf A", kind="shelf")
    before = snapshot(org)
    response = client_for(admin).post(
        reverse("goods:intake", kwargs={"org_slug": org.slug}),
        {
            "site": site.pk,
            "received_on": "",
            "channel": "drop_off",
            "idempotency_key": "k-1",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    summary = summary_of(body)
    assert [target for target, _text in links(summary)] == ["id_received_on"]
    assert "Add at least one line." in summary  # the form's own error, in the same answer
    assert_tied(body, "id_received_on")
    assert "autofocus" not in body  # the summary takes focus, not the donor field
    assert snapshot(org) == before


class Child(forms.Form):
    given_name = forms.CharField(label="Given name")
    birth_date = forms.DateField(label="Birth date")
    sex = forms.ChoiceField(label="Sex", choices=[("f", "F"), ("m", "M")], widget=forms.RadioSelect)


class Household(forms.Form):
    label = forms.CharField(label="Household")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("The household is incomplete.")


def test_one_summary_over_a_form_and_formsets_uses_the_rendered_ids():
    children_class = forms.formset_factory(Child, extra=0, min_num=1, validate_min=True)
    children = children_class(
        {
            "children-TOTAL_FORMS": "2",
            "children-INITIAL_FORMS": "0",
            "children-0-given_name": "Ida",
            "children-0-birth_date": "2019-05-01",
            "children-0-sex": "f",
            "children-1-given_name": "",
            "children-1-birth_date": "soon",
        },
        prefix="children",
    )
    children.forms[1].summary_name = "Child 2"
    household = Household({"label": ""})
    page = Template(
        "{% load kindred_forms %}{% error_summary household children %}"
        "{% for child in children %}{% for field in child %}{{ field.as_field_group }}"
        "{% endfor %}{% endfor %}"
    ).render(Context({"household": household, "children": children}))
    summary = summary_of(page)
    assert links(summary) == [
        ("id_label", "Household: This field is required."),
        ("id_children-1-given_name", "Child 2 \N{EN DASH} Given name: This field is required."),
        ("id_children-1-birth_date", "Child 2 \N{EN DASH} Birth date: Enter a valid date."),
        ("id_children-1-sex", "Child 2 \N{EN DASH} Sex: This field is required."),
    ]
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert "The household is incomplete." in items[0]  # the form's own error first
    assert "Token: This field is required." in summary  # hidden: named, not linked
    for target in ("id_children-1-given_name", "id_children-1-birth_date"):
        assert_tied(page, target)
    # A choice of radio buttons: the link goes to the group, which the message describes.
    assert re.search(
        r'<fieldset class="field choices has-error" aria-describedby="id_children-1-sex_error">',
        page,
    )
    assert 'id="id_children-1-sex"' in page


def test_no_summary_when_nothing_is_wrong_or_nothing_was_sent():
    template = Template("{% include '_error_summary.html' %}")
    assert "error-summary" not in template.render(Context({"form": Child()}))
    valid = Child({"given_name": "Ida", "birth_date": "2019-05-01", "sex": "f"})
    assert "error-summary" not in template.render(Context({"form": valid}))
