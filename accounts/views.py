"""Staff authentication views: log in (password and TOTP code; unlocks the keys into the session vault),
log out, and the account pages (password change, log out everywhere, TOTP enrolment by an administrator).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

import envelope
from accounts.forms import StaffLoginForm, StaffOwnPasswordForm, StaffPasswordChangeForm, TotpEnrolForm
from accounts.keys import staff_unlock_keys
from accounts.models import Role, StaffMember
from accounts.permissions import is_administrator
from accounts.security import (
    is_verified_staff,
    login_lock_clear,
    login_throttle_reset,
    staff_required,
    verified_staff_member,
)
from accounts.services import (
    staff_keys_choose,
    staff_login_record,
    staff_logout,
    staff_password_change,
    staff_sessions_end_all,
    staff_totp_enrol,
    totp_qr_data_uri,
    totp_secret_base32,
)
from envelope.vault import vault_clear, vault_open, vault_store


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    form_class = StaffLoginForm
    # Only verified staff skip the form; anyone else half logged in would loop between here and the queue.
    redirect_authenticated_user = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "GET" and is_verified_staff(request.user):
            return HttpResponseRedirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form: StaffLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "busy"):
            response.status_code = 429  # the limit for all user names together: try again in a minute
        return response

    def form_valid(self, form: StaffLoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        try:
            unlocked = staff_unlock_keys(member=user.staff, password=form.cleaned_data["password"])
        except envelope.CryptoError:
            form.add_error(None, _("Your keys could not be unlocked. Ask your supervisor to grant access again."))
            return self.form_invalid(form)
        auth_login(self.request, user)
        otp_login(self.request, form.otp_device)
        login_throttle_reset(username=user.get_username())
        staff_login_record(user=user)
        if user.staff.awaiting_own_password:
            return redirect("staff:account_own_password")
        response = HttpResponseRedirect(self.get_success_url())
        vault_store(self.request, response, unlocked)
        return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    staff_logout(request=request)
    response = redirect("staff:login")
    vault_clear(request, response)
    return response


@staff_required
@require_GET
def account(request: HttpRequest, member: StaffMember) -> HttpResponse:
    return render(request, "accounts/account.html", {"member": member, "is_administrator": is_administrator(member)})


@staff_required
@require_POST
def account_logout_everywhere(request: HttpRequest, member: StaffMember) -> HttpResponse:
    staff_sessions_end_all(user=member.user)
    response = redirect("staff:login")
    vault_clear(request, response)
    auth_logout(request)
    messages.success(request, _("You were logged out on all devices."))
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def account_password(request: HttpRequest, member: StaffMember) -> HttpResponse:
    form = StaffPasswordChangeForm(member.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_password = form.cleaned_data["new_password1"]
        try:
            staff_password_change(
                member=member, old_password=form.cleaned_data["old_password"], new_password=new_password
            )
        except envelope.CryptoError:
            form.add_error(None, _("Your keys could not be unlocked. Ask your supervisor to grant access again."))
        else:
            # The session key changes below, and the vault is bound to it: seal it again under the new key.
            unlocked = vault_open(request) or staff_unlock_keys(member=member, password=new_password)
            update_session_auth_hash(request, member.user)
            response = redirect("staff:account")
            vault_store(request, response, unlocked)
            messages.success(request, _("Your password was changed. You are logged out everywhere else."))
            return response
    return render(
        request, "accounts/account_password.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["GET", "POST"])
def account_own_password(request: HttpRequest) -> HttpResponse:
    """After an administrator's reset: choose your own password, which creates your new key pair.

    Not behind staff_required, which sends such a member here; only a verified
    member who is awaiting their own password gets the form.
    """
    member = verified_staff_member(request.user)
    if member is None:
        return redirect_to_login(request.get_full_path())
    if not member.awaiting_own_password:
        return redirect("staff:account")
    form = StaffOwnPasswordForm(member.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_password = form.cleaned_data["new_password1"]
        staff_keys_choose(member=member, new_password=new_password)
        update_session_auth_hash(request, member.user)
        response = redirect("staff:account")
        vault_store(request, response, staff_unlock_keys(member=member, password=new_password))
        messages.success(
            request,
            _(
                "Your password was set and you have a new key. A supervisor of your unit adds you again "
                "before you can read its tips."
            ),
        )
        return response
    return render(
        request, "accounts/account_own_password.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@staff_required(roles={Role.ADMINISTRATOR})
@require_http_methods(["GET", "POST"])
def account_totp(request: HttpRequest, member: StaffMember) -> HttpResponse:
    form = TotpEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["user"]
        if request.POST.get("action") == "unlock":
            login_lock_clear(user=user, actor=member)
            messages.success(request, _("Failed logins of %(username)s were cleared.") % {"username": user})
            return redirect("staff:account_totp")
        device = staff_totp_enrol(user=user, enrolled_by=member.user)
        # Rendered, not redirected: the secret is shown once and never stored for a later page.
        return render(
            request,
            "accounts/account_totp_enrolled.html",
            {
                "enrolled_user": user,
                "secret": totp_secret_base32(device),
                "config_url": device.config_url,
                "qr_data_uri": totp_qr_data_uri(device.config_url),
            },
        )
    return render(
        request, "accounts/account_totp.html", {"form": form}, status=400 if request.method == "POST" else 200
    )
