"""Organisation pages under /o/<org_slug>/…: parse, authorise (org_view), call, answer."""

from django.conf import settings as django_settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import declarations, queries, services, tasks
from ..forms import ApiTokenForm, AuditFilterForm, InviteForm, OrganizationForm, RoleForm, SiteForm
from ..models import ApiToken, Invitation, Membership, Site, TaskProgress
from ..roles import ACTION_LABELS, PERMISSIONS, Action, Role, can
from ..scoping import org_view
from .helpers import form_error, paginate


def _attempt(request: HttpRequest, action, success: str) -> bool:
    """Run a service call for a button that redirects: its domain error, or `success`,
    becomes the message shown on the next page."""
    try:
        action()
    except services.DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


@org_view(Action.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Home: the cards the installed apps declare for this role, each with what it built."""
    cards = []
    for card in declarations.home_cards(request.role):
        context = card.build(request)
        if context is not None:
            cards.append(render_to_string(card.template, dict(context), request=request))
    return render(request, "core/dashboard.html", {"org": request.org, "cards": cards})


@org_view(Action.EDIT_ORGANIZATION)
def settings_edit(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organization(org=org, values=form.cleaned_data, actor=request.user)
        except services.DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("core:settings", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "core/settings.html", {"form": form}, status=status)


# Sites -------------------------------------------------------------------------------------


@org_view(Action.VIEW_SITES)
def site_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    archived = {"active": False, "archived": True, "all": None}.get(show, False)
    qs = queries.sites(
        request.org,
        search=request.GET.get("q", "").strip(),
        kind=request.GET.get("kind", ""),
        archived=archived,
        sort=request.GET.get("sort", "name"),
    )
    context = {
        "page": paginate(request, qs),
        "kinds": Site.Kind.choices,
        "q": request.GET.get("q", ""),
        "kind": request.GET.get("kind", ""),
        "show": show,
        "sort": request.GET.get("sort", "name"),
    }
    template = "core/_site_rows.html" if request.htmx else "core/site_list.html"
    return render(request, template, context)


@org_view(Action.MANAGE_SITES)
def site_edit(request: HttpRequest, site_id: int | None = None) -> HttpResponse:
    org = request.org
    site = get_object_or_404(Site, pk=site_id) if site_id else None
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in services.SITE_FIELDS}
        try:
            if site is None:
                services.create_site(org=org, values=values, actor=request.user)
            else:
                services.update_site(org=org, site=site, values=values, actor=request.user)
        except services.DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Site saved."))
            return redirect("core:sites", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "core/site_form.html", {"form": form, "site": site}, status=status)


@require_POST
@org_view(Action.MANAGE_SITES)
def site_archive(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=site_id)
    archived = request.POST.get("archived", "1") == "1"
    services.set_site_archived(org=request.org, site=site, archived=archived, actor=request.user)
    messages.success(request, _("Site archived.") if archived else _("Site restored."))
    return redirect("core:sites", org_slug=request.org.slug)


# Members -----------------------------------------------------------------------------------


@org_view(Action.VIEW_MEMBERS)
def member_list(request: HttpRequest) -> HttpResponse:
    qs = queries.members(
        request.org,
        search=request.GET.get("q", "").strip(),
        role=request.GET.get("role", ""),
        sort=request.GET.get("sort", "name"),
    )
    context = {
        "page": paginate(request, qs),
        "roles": Role.choices,
        "q": request.GET.get("q", ""),
        "role": request.GET.get("role", ""),
        "sort": request.GET.get("sort", "name"),
        "invitations": queries.pending_invitations(request.org),
        "invite_form": InviteForm(),
        "can_manage": can(request.role, Action.MANAGE_MEMBERS),
    }
    template = "core/_member_rows.html" if request.htmx else "core/member_list.html"
    return render(request, template, context)


@org_view(Action.MANAGE_MEMBERS)
def member_invite(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_member(
                org=org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                accept_url_for=lambda raw: request.build_absolute_uri(
                    reverse("core:invitation-accept", args=[raw])
                ),
            )
        except services.DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("core:members", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "core/member_invite.html",
        {"form": form, "invitation_days": django_settings.INVITATION_MAX_AGE_DAYS},
        status=status,
    )


@require_POST
@org_view(Action.MANAGE_MEMBERS)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id)
    _attempt(
        request,
        lambda: services.revoke_invitation(
            org=request.org, invitation=invitation, actor=request.user
        ),
        _("Invitation revoked."),
    )
    return redirect("core:members", org_slug=request.org.slug)


@require_POST
@org_view(Action.MANAGE_MEMBERS)
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("core:members", org_slug=request.org.slug)
    _attempt(
        request,
        lambda: services.change_role(
            org=request.org,
            membership=membership,
            role=form.cleaned_data["role"],
            actor=request.user,
        ),
        _("Role changed."),
    )
    return redirect("core:members", org_slug=request.org.slug)


@require_POST
@org_view(Action.MANAGE_MEMBERS)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id)
    removed = _attempt(
        request,
        lambda: services.remove_member(org=request.org, membership=membership, actor=request.user),
        _("Member removed."),
    )
    if removed and membership.user_id == request.user.pk:
        return redirect("core:home")
    return redirect("core:members", org_slug=request.org.slug)


# Audit log ---------------------------------------------------------------------------------


@org_view(Action.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = _audit_filter(form) if form.is_valid() else queries.AuditFilter()
    qs = queries.audit_entries(request.org, filters)
    context = {
        "form": form,
        "page": paginate(request, qs, 50),
        "actions": queries.audit_actions(request.org),
    }
    template = "core/_audit_rows.html" if request.htmx else "core/audit_log.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _audit_filter(form: AuditFilterForm) -> queries.AuditFilter:
    d = form.cleaned_data
    return queries.AuditFilter(
        search=d["q"],
        action=d["action"],
        actor=d["actor"],
        date_from=d["date_from"],
        date_to=d["date_to"],
    )


@require_POST
@org_view(Action.VIEW_AUDIT)
def audit_export(request: HttpRequest) -> HttpResponse:
    """Start a CSV export of the entries the filters select; answer with its progress."""
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        # The page offers the button only for valid filters; this is a hand-made request.
        messages.error(request, _("Correct the filters before exporting."))
        back = reverse("core:audit", kwargs={"org_slug": request.org.slug})
        return HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    progress = services.start_audit_export(
        org=request.org, filters=_audit_filter(form), actor=request.user
    )
    if request.htmx:
        return render(request, "core/_progress.html", {"progress": progress})
    return redirect("core:task-progress", org_slug=request.org.slug, progress_id=progress.pk)


# API tokens --------------------------------------------------------------------------------


@org_view(Action.USE_API)
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created_raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, created_raw = services.create_api_token(
                org=request.org, user=request.user, name=form.cleaned_data["name"]
            )
        except services.DomainError as error:
            form_error(form, error)
        else:
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(organization=request.org, user=request.user)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "core/tokens.html",
        {"form": form, "tokens": tokens, "created_raw": created_raw},
        status=status,
    )


@require_POST
@org_view(Action.USE_API)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_api_token(org=request.org, token=token, actor=request.user)
    messages.success(request, _("Token revoked. Programs using it can no longer connect."))
    return redirect("core:tokens", org_slug=request.org.slug)


# Roles table and background jobs -------------------------------------------------------


@org_view(Action.VIEW_DASHBOARD)
def roles_table(request: HttpRequest) -> HttpResponse:
    rows = [
        (ACTION_LABELS[action], [role in PERMISSIONS[action] for role in Role]) for action in Action
    ]
    return render(request, "core/roles.html", {"rows": rows, "roles": Role.choices})


# Any member may start some job, so any member may follow one; each job is shown only to the
# person who started it (its result can be as sensitive as the page it came from).
@org_view(Action.VIEW_DASHBOARD)
def task_progress(request: HttpRequest, progress_id: int) -> HttpResponse:
    """The progress partial for htmx polling; a small page around it otherwise."""
    progress = get_object_or_404(TaskProgress, pk=progress_id, created_by=request.user)
    template = "core/_progress.html" if request.htmx else "core/job.html"
    return render(request, template, {"progress": progress})


# Only the audit export produces a file so far. A job with a file of another kind gets its
# own download view with its own action rather than widening this one.
@org_view(Action.VIEW_AUDIT)
def task_download(request: HttpRequest, progress_id: int) -> HttpResponse:
    progress = get_object_or_404(
        TaskProgress, pk=progress_id, created_by=request.user, status=TaskProgress.Status.DONE
    )
    path = tasks.result_path(progress, ".csv")
    if path is None or not path.is_file():
        raise Http404
    day = timezone.localdate(progress.created_at).isoformat()
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"audit-{request.org.slug}-{day}.csv",
        content_type="text/csv; charset=utf-8",
    )
