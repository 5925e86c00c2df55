"""Aid pages under /o/<org_slug>/aid/…: the eligibility rules (list, add, change, switch on
or off) and the aid settings (public form, reservations, the allocation's policy)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kindred.core.roles import Action
from kindred.core.scoping import org_view
from kindred.core.services import DomainError
from kindred.core.views.helpers import form_error, paginate

from ..forms.eligibility import RuleForm, SettingsForm, kind_of
from ..models import EligibilityRule
from ..queries import eligibility as q
from ..services import eligibility as services
from ..services import settings as settings_services

ORG = "o/<slug:org_slug>/aid/"
RULE_FIELDS = ["name", "max_count", "period_days", "category", "scale", "consent_purpose"]


@org_view(Action.MANAGE_ELIGIBILITY)
def rule_list(request: HttpRequest) -> HttpResponse:
    org = request.org
    search = request.GET.get("q", "").strip()[:100]
    show = request.GET.get("show", "all")
    show = show if show in q.SHOW else "all"
    kind = request.GET.get("kind", "")
    kind = kind if kind in EligibilityRule.Kind.values else ""
    sort = request.GET.get("sort", "kind")
    sort = sort if sort in q.SORTS else "kind"
    rows = q.rules(org, active=q.SHOW[show], kind=kind, search=search, sort=sort)
    context = {
        "page": paginate(request, rows),
        "q": search,
        "show": show,
        "kind": kind,
        "sort": sort,
        "kinds": EligibilityRule.Kind.choices,
        "filtered": bool(search or kind or show != "all"),
    }
    template = "aid/eligibility_rows.html" if request.htmx else "aid/eligibility.html"
    return render(request, template, context)


def _rule_or_404(request: HttpRequest, rule_id: int) -> EligibilityRule:
    found = q.rule(request.org, rule_id)
    if found is None:
        raise Http404
    return found


def _typed(request: HttpRequest) -> dict:
    """What was typed before the kind changed (the form reloads for the new kind)."""
    typed = {}
    for field in [*RULE_FIELDS, "active"]:
        if field in request.GET:
            typed[field] = request.GET[field]
    if "reloaded" in request.GET and "active" not in request.GET:
        typed["active"] = False  # an unticked box is not sent
    return typed


def _rule_form_page(request: HttpRequest, rule: EligibilityRule | None = None) -> HttpResponse:
    org = request.org
    if request.method == "POST":
        form = RuleForm(request.POST, org=org, kind=kind_of(request.POST.get("kind")))
        if form.is_valid():
            try:
                if rule is None:
                    saved = services.create_rule(org=org, values=form.values(), actor=request.user)
                    messages.success(request, _("Rule added: %(rule)s.") % {"rule": saved})
                else:
                    saved = services.update_rule(
                        org=org, rule=rule, values=form.values(), actor=request.user
                    )
                    messages.success(request, _("Rule saved: %(rule)s.") % {"rule": saved})
            except DomainError as error:
                form_error(form, error)
            else:
                return redirect("aid:eligibility", org_slug=org.slug)
        status = 400
    else:
        initial: dict = {"active": True}
        kind = kind_of(request.GET.get("kind"))
        if rule is not None:
            initial = {
                "name": rule.name,
                "active": rule.active,
                "max_count": rule.max_count,
                "period_days": rule.period_days,
                "category": rule.category_id,
                "scale": rule.scale,
                "consent_purpose": rule.consent_purpose_id,
            }
            kind = kind_of(request.GET.get("kind", rule.kind))
        initial.update(_typed(request))
        initial["kind"] = kind
        form = RuleForm(org=org, kind=kind, initial=initial)
        status = 200
    if rule is None:
        action = reverse("aid:eligibility-new", kwargs={"org_slug": org.slug})
    else:
        action = reverse("aid:eligibility-edit", kwargs={"org_slug": org.slug, "rule_id": rule.pk})
    form.fields["kind"].widget.attrs.update(
        {
            "hx-get": action,
            "hx-trigger": "change",
            "hx-include": "closest form",
            "hx-target": "#rule-form",
            "hx-select": "#rule-form",
            "hx-swap": "outerHTML",
        }
    )
    context = {"form": form, "rule": rule, "action": action}
    return render(request, "aid/eligibility_form.html", context, status=status)


@org_view(Action.MANAGE_ELIGIBILITY)
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form_page(request)


@org_view(Action.MANAGE_ELIGIBILITY)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_form_page(request, _rule_or_404(request, rule_id))


@require_POST
@org_view(Action.MANAGE_ELIGIBILITY)
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    org = request.org
    rule = _rule_or_404(request, rule_id)
    rule = services.set_rule_active(org=org, rule=rule, active=not rule.active, actor=request.user)
    if rule.active:
        messages.success(request, _("Rule switched on: %(rule)s.") % {"rule": rule})
    else:
        messages.success(request, _("Rule switched off: %(rule)s.") % {"rule": rule})
    return redirect("aid:eligibility", org_slug=org.slug)


@org_view(Action.MANAGE_ELIGIBILITY)
def aid_settings(request: HttpRequest) -> HttpResponse:
    org = request.org
    current = settings_services.get_settings(org)
    initial = {field: getattr(current, field) for field in settings_services.FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                settings_services.update_settings(
                    org=org, values=form.cleaned_data, actor=request.user
                )
            except DomainError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Aid settings saved."))
                return redirect("aid:settings", org_slug=org.slug)
        status = 400
    context = {
        "form": form,
        "settings": current,
        "rule_count": EligibilityRule.objects.filter(organization=org, active=True).count(),
    }
    return render(request, "aid/settings.html", context, status=status)


urlpatterns = [
    path(ORG + "eligibility/", rule_list, name="eligibility"),
    path(ORG + "eligibility/new/", rule_new, name="eligibility-new"),
    path(ORG + "eligibility/<int:rule_id>/", rule_edit, name="eligibility-edit"),
    path(ORG + "eligibility/<int:rule_id>/toggle/", rule_toggle, name="eligibility-toggle"),
    path(ORG + "settings/", aid_settings, name="settings"),
]
