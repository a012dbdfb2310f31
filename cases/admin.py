"""The administrators' screens for the organisation: regions, facilities, units, routing rules.

Served by Django's admin on its own site at /staff/admin/, open only to verified
staff (password and TOTP) with the administrator role. No key, sealed key or
ciphertext is shown or editable here: unit keys are managed by the key commands
and the supervisors' unit pages, never by administrators (who hold no key).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import StaffMember
from accounts.security import is_verified_staff, verified_staff_member
from org.models import Facility, Region, RoutingRule, Unit
from tipline.models import Category


def is_administrator(request: HttpRequest) -> bool:
    """Return whether the request comes from a verified staff member with the administrator role."""
    member = verified_staff_member(request.user)
    return member is not None and permissions.is_administrator(member)


class OrganisationAdminSite(admin.AdminSite):
    site_header = _("Internal affairs · administration")
    site_title = _("Administration")
    index_title = _("Organisation")
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Send people to the one TOTP-protected staff login, without looping back here."""
        index = reverse("organisation_admin:index")
        next_url = request.GET.get("next", "")
        if is_administrator(request):
            safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
            return redirect(next_url if safe and next_url.startswith(index) else index)
        if is_verified_staff(request.user):
            raise Http404  # logged in, but not an administrator: there is nothing here for them
        return redirect_to_login(next_url or index, login_url=reverse("staff:login"))


class AdministratorModelAdmin(admin.ModelAdmin):
    """Administrators may view and change organisation records; nobody else may."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)


organisation_admin = OrganisationAdminSite(name="organisation_admin")


@admin.register(Region, site=organisation_admin)
class RegionAdmin(AdministratorModelAdmin):
    list_display = ["name", "unit"]


@admin.register(Facility, site=organisation_admin)
class FacilityAdmin(AdministratorModelAdmin):
    list_display = ["name", "region", "capacity", "population", "risk", "is_active", "is_illustrative"]
    list_filter = ["region", "is_active", "risk"]
    search_fields = ["name"]


@admin.register(Unit, site=organisation_admin)
class UnitAdmin(AdministratorModelAdmin):
    # The key pairs are deliberately absent: no public key, sealed key or escrow blob here.
    fields = ["name", "slug", "kind", "acknowledge_days", "feedback_days", "protection_working_days"]
    list_display = ["name", "kind", "acknowledge_days", "feedback_days", "protection_working_days"]


class RoutingRuleForm(forms.ModelForm):
    category = forms.ChoiceField(choices=[("", _("Any category")), *Category.choices], required=False)

    class Meta:
        model = RoutingRule
        fields = ["facility", "category", "unit", "priority", "is_active"]


@admin.register(RoutingRule, site=organisation_admin)
class RoutingRuleAdmin(AdministratorModelAdmin):
    form = RoutingRuleForm
    list_display = ["__str__", "facility", "category", "unit", "priority", "is_active"]
    list_filter = ["unit", "is_active"]


@admin.register(StaffMember, site=organisation_admin)
class StaffMemberAdmin(AdministratorModelAdmin):
    """Staff and their roles. Accounts are created with `create_staff` (which makes the key pair)."""

    fields = ["role"]
    list_display = ["user", "role", "account_actions"]
    list_filter = ["role"]
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("Account"))
    def account_actions(self, member: StaffMember) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("staff:staff_password_reset", args=[member.pk]),
            _("Reset a forgotten password"),
        )
