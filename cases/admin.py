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
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import StaffMember
from accounts.security import is_verified_staff, verified_staff_member
from audit.models import AuditAction
from audit.services import audit_record
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

    # A redirect, not the TemplateResponse of Django's own form (hence the override's different return type).
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Send the header's "change password" link to the staff page that re-wraps the private key.

        Django's own form would set the password without re-wrapping the key under
        it, and the administrator could never unlock their key again. Nothing is
        changed here, whatever is posted.
        """
        return redirect("staff:account_password")

    def password_change_done(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return redirect("staff:account_password")


# A logged value is cut to this many characters, so an event stays well under the audit details limit.
AUDIT_VALUE_MAX_CHARS = 120
# The audit target type of a model, where the rest of the code already names it.
AUDIT_TARGET_TYPES = {"staffmember": "staff"}


def audit_snapshot(obj: models.Model) -> dict[str, object]:
    """Return the record's concrete field values (foreign keys as ids) as small JSON values.

    Binary fields are left out: on StaffMember they are the public key and the
    wrapped private key, which have no place in the log. These models hold no tip content.
    """
    snapshot: dict[str, object] = {}
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.BinaryField) or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if value is not None and not isinstance(value, bool | int | str):
            value = str(value)
        if isinstance(value, str):
            value = value[:AUDIT_VALUE_MAX_CHARS]
        snapshot[field.name] = value
    return snapshot


def audit_changes(before: dict[str, object], after: dict[str, object]) -> list[dict[str, object]]:
    """Return the fields whose values differ, each as {"field", "from", "to"} (None for absent)."""
    return [
        {"field": name, "from": before.get(name), "to": after.get(name)}
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


def _audit_admin(request: HttpRequest, action: str, obj: models.Model, **details: object) -> None:
    model_name = obj._meta.model_name or ""
    audit_record(
        actor=request.user,  # type: ignore[arg-type]
        action=action,
        target_type=AUDIT_TARGET_TYPES.get(model_name, model_name),
        target_id=str(obj.pk),
        unit_id=obj.pk if isinstance(obj, Unit) else getattr(obj, "unit_id", None),
        details=details,
    )


class AdministratorModelAdmin(admin.ModelAdmin):
    """Administrators may view and change organisation records; nobody else may.

    Every save and delete is written to the audit chain in the transaction of the
    change, with the before and after of the fields that changed (DESIGN.md section 5).
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            stored = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first() if change else None
            before = audit_snapshot(stored) if stored is not None else {}
            # The form has run full_clean(); run the model's own rules again under the lock (the
            # conflict path's guard in org.models), in case a concurrent change slipped in between.
            obj.clean()
            super().save_model(request, obj, form, change)
            _audit_admin(
                request,
                AuditAction.ADMIN_CHANGED,
                obj,
                created=not change,
                changes=audit_changes(before, audit_snapshot(obj)),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = audit_snapshot(obj)
            pk = obj.pk
            _count, removed = obj.delete()
            obj.pk = pk
            _audit_admin(request, AuditAction.ADMIN_DELETED, obj, changes=audit_changes(before, {}), removed=removed)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The list page's "delete selected" action: each record is deleted and recorded on its own."""
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)

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
