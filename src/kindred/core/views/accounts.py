"""Log in and out, password change and reset, invitations, language, the start page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import AcceptInvitationForm, LoginForm
from ..scoping import user_memberships


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_change(user=self.request.user, reset=False)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("core:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_change(user=form.user, reset=True)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    success_url = reverse_lazy("core:password-reset-done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their organisation, or explain that they have none yet."""
    memberships = user_memberships(request.user)
    last = request.session.get("kindred_org")
    for membership in memberships:
        if membership.organization.slug == last:
            return redirect("core:dashboard", org_slug=last)
    if memberships:
        return redirect("core:dashboard", org_slug=memberships[0].organization.slug)
    return render(request, "core/no_organisation.html")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language picker: saved on the user when logged in, and in a cookie always."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Choose a valid language."))
        return response
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "core/invitation_invalid.html", status=404)
    org = invitation.organization
    logged_in = request.user.is_authenticated
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (logged_in or form.is_valid()):
        try:
            if logged_in:
                services.accept_invitation(raw_token=token, user=request.user)
            else:
                membership = services.accept_invitation(
                    raw_token=token,
                    user=None,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except services.DomainError as error:
            if logged_in:
                messages.error(request, error.message)
            else:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Welcome to %(org)s.") % {"org": org.name})
            return redirect("core:dashboard", org_slug=org.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "core/invitation_accept.html",
        {"invitation": invitation, "org": org, "form": form, "logged_in": logged_in},
        status=status,
    )
