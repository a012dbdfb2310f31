"""The administrators' screens for the organisation: regions, facilities, units, routing rules.

Served by Django's admin on its own site at /staff/admin/, open only to verified
staff (password and TOTP) with the administrator role. No key, sealed key or
ciphertext is shown or editable here: unit keys are managed by the key commands
and the supervisors' unit pages, never by administrators (who hold no key).
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
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
from approvals.models import PendingChange, governed_fields
from approvals.services import change_approvers, change_request
from audit.models import AuditAction
from audit.services import audit_changes, audit_record, audit_snapshot
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


# The audit target type of a model, where the rest of the code already names it.
AUDIT_TARGET_TYPES = {"staffmember": "staff"}


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


# Where the admin keeps, for one request, the changes it saved for approval instead of applying them.
_PENDING_ATTR = "_tipline_pending_changes"


def _pending(request: HttpRequest) -> list[PendingChange]:
    pending: list[PendingChange] = request.__dict__.setdefault(_PENDING_ATTR, [])
    return pending


def _actor(request: HttpRequest) -> User:
    """Return the administrator behind an admin request (the site lets only verified administrators in)."""
    return request.user  # type: ignore[return-value]


def _keep(request: HttpRequest, change: PendingChange | None) -> None:
    if change is not None:
        _pending(request).append(change)


def pending_change_message(change: PendingChange) -> str:
    """Return what the admin tells the administrator: the change waits, and who must approve it."""
    approvers = ", ".join(member.user.get_username() for member in change_approvers(change=change))
    if change.kind == PendingChange.Kind.ROUTING:
        text = _(
            "Not applied yet: changes to routing take effect only when a supervisor of the national unit "
            "approves them (never the person who asked)."
        )
    else:
        text = _(
            "Not applied yet: a change of role takes effect only when a supervisor of the person's unit "
            "approves it (never the person who asked)."
        )
    who = (
        _("Who can approve: %(usernames)s.") % {"usernames": approvers}
        if approvers
        else _("Nobody can approve it yet: there is no such supervisor.")
    )
    where = _("It is listed on the page of changes awaiting approval.")
    return f"{text} {who} {where}"


class AdministratorModelAdmin(admin.ModelAdmin):
    """Administrators may view and change organisation records; nobody else may.

    Every save and delete is written to the audit chain in the transaction of the
    change, with the before and after of the fields that changed (DESIGN.md section 5).
    A change to routing or to a role (approvals.models.governed_fields) is not applied:
    it is kept for a second person's approval (approvals.services.change_request), and
    the other fields of the same form are saved as usual.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        governed = governed_fields(type(obj))
        actor = _actor(request)
        with transaction.atomic():
            stored = type(obj)._default_manager.select_for_update().filter(pk=obj.pk).first() if change else None
            asked = None
            if governed and stored is not None:
                asked = change_request(
                    actor=actor,
                    instance=obj,
                    operation=PendingChange.Operation.UPDATE,
                    stored=stored,
                )
                for name in governed:  # the live record keeps its routing until the change is approved
                    attname = obj._meta.get_field(name).attname
                    setattr(obj, attname, getattr(stored, attname))
            elif governed and not self.save_new_directly(obj):
                operation = PendingChange.Operation.CREATE
                _keep(request, change_request(actor=actor, instance=obj, operation=operation))
                return
            _keep(request, asked)
            before = audit_snapshot(stored) if stored is not None else {}
            after = audit_snapshot(obj)
            if asked is not None and before == after:
                return  # only routing or role fields changed, and they wait: nothing is saved now
            # The form has run full_clean(); run the model's own rules again under the lock (the
            # conflict path's guard in org.models), in case a concurrent change slipped in between.
            obj.clean()
            super().save_model(request, obj, form, change)
            _audit_admin(
                request, AuditAction.ADMIN_CHANGED, obj, created=not change, changes=audit_changes(before, after)
            )

    def save_new_directly(self, obj: Any) -> bool:
        """Return whether a new record with governed fields is created at once (it diverts no report yet)."""
        return True

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if governed_fields(type(obj)) and not self.delete_directly(obj):
            with transaction.atomic():
                stored = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
                operation = PendingChange.Operation.DELETE
                actor = _actor(request)
                _keep(request, change_request(actor=actor, instance=stored, operation=operation, stored=stored))
            return
        with transaction.atomic():
            before = audit_snapshot(obj)
            pk = obj.pk
            _count, removed = obj.delete()
            obj.pk = pk
            _audit_admin(request, AuditAction.ADMIN_DELETED, obj, changes=audit_changes(before, {}), removed=removed)

    def delete_directly(self, obj: Any) -> bool:
        """Return whether deleting the record takes effect at once (it routes nothing by itself)."""
        return True

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """The list page's "delete selected" action: each record is deleted and recorded on its own."""
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)

    def _pending_response(self, request: HttpRequest) -> HttpResponse | None:
        pending = _pending(request)
        if not pending:
            return None
        for change in pending:
            self.message_user(request, pending_change_message(change), messages.WARNING)
        return redirect(reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        return self._pending_response(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        return self._pending_response(request) or super().response_change(request, obj)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: int) -> HttpResponse:
        return self._pending_response(request) or super().response_delete(request, obj_display, obj_id)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # Django's own admin log names only the fields that were saved, not those kept for approval.
        if _pending(request) and not add:
            governed = set(governed_fields(self.model))
            form.changed_data[:] = [name for name in form.changed_data if name not in governed]
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if obj.pk is None:  # kept for approval, not created: the audit chain holds the request
            return None
        return super().log_addition(request, obj, message)

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

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Create a new unit as a regional office; making it the national unit waits for approval."""
        if change or obj.kind == Unit.Kind.REGIONAL:
            super().save_model(request, obj, form, change)
            return
        asked = copy.copy(obj)
        with transaction.atomic():
            obj.kind = Unit.Kind.REGIONAL
            super().save_model(request, obj, form, change)
            asked.pk = obj.pk
            stored = Unit.objects.select_for_update().get(pk=obj.pk)
            operation = PendingChange.Operation.UPDATE
            _keep(request, change_request(actor=_actor(request), instance=asked, operation=operation, stored=stored))


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

    def save_new_directly(self, obj: Any) -> bool:
        return False

    def delete_directly(self, obj: Any) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Each deletion waits for its own approval: delete rules one at a time, from their page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Nothing is deleted here (the deletion waits for approval); the audit chain holds the request.
        return None


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
