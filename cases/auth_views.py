"""Staff authentication views: log in (which unlocks the keys into the session vault) and log out."""

from __future__ import annotations

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.auth_forms import StaffLoginForm
from cases.keys import staff_unlock_keys
from tipline import crypto
from tipline.vault import vault_clear, vault_store


class StaffLoginView(LoginView):
    template_name = "cases/login.html"
    form_class = StaffLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: StaffLoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        try:
            unlocked = staff_unlock_keys(member=user.staff, password=form.cleaned_data["password"])
        except crypto.CryptoError:
            form.add_error(None, _("Your keys could not be unlocked. Ask your supervisor to grant access again."))
            return self.form_invalid(form)
        auth_login(self.request, user)
        response = HttpResponseRedirect(self.get_success_url())
        vault_store(self.request, response, unlocked)
        return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = redirect("staff:login")
    vault_clear(request, response)
    auth_logout(request)
    return response
