"""Staff views for the key lifecycle: a unit's members page (add, remove, rotate the key) for its
supervisors, and the password reset of a staff member by an administrator.

As in cases/views.py: anything the member may not manage is a 404; views validate a
form, call one service in cases/members.py, and redirect.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import envelope
from accounts.keys import vault_unit_key_name
from accounts.models import Role, StaffMember
from accounts.security import staff_required
from cases import members
from cases.permissions import CaseActionRefused
from envelope.vault import vault_open, vault_store
from org.models import Unit
from tipline.forms import inline_form_helper


class _StaffMemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: StaffMember) -> str:  # type: ignore[override]
        return f"{obj.user.get_username()} · {obj.get_role_display()}"


class MemberAddForm(forms.Form):
    """Choose a staff member with a reading role who is not in the unit yet."""

    member = _StaffMemberChoiceField(label=gettext_lazy("Staff member"), queryset=StaffMember.objects.none())

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class StaffPasswordResetForm(SetPasswordForm):  # type: ignore[type-arg]
    """The new password twice, checked by Django's password validators."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = inline_form_helper()


def _managed_unit_or_404(actor: StaffMember, slug: str) -> Unit:
    """Return the unit, or a 404 unless the actor is one of the unit's supervisors."""
    unit = Unit.objects.filter(slug=slug).first()
    if unit is None or not members.can_manage_unit(actor, unit):
        raise Http404
    return unit


# --- a unit's members --------------------------------------------------------------------------------


@staff_required
@require_GET
def unit_members(request: HttpRequest, actor: StaffMember, slug: str) -> HttpResponse:
    unit = _managed_unit_or_404(actor, slug)
    other_units = Unit.objects.filter(memberships__member=actor).exclude(pk=unit.pk).distinct().order_by("name")
    context = {
        "unit": unit,
        "actor": actor,
        "rows": members.unit_members(unit=unit),
        "keys": members.unit_keys(unit=unit),
        "add_form": MemberAddForm(candidates=members.unit_member_candidates(unit=unit)),
        "rotation_advised": members.unit_rotation_advised(unit=unit),
        "other_units": other_units,
    }
    return render(request, "cases/unit_members.html", context)


@staff_required
@require_POST
def unit_member_add(request: HttpRequest, actor: StaffMember, slug: str) -> HttpResponse:
    unit = _managed_unit_or_404(actor, slug)
    form = MemberAddForm(request.POST, candidates=members.unit_member_candidates(unit=unit))
    if not form.is_valid():
        messages.error(request, _("Choose a staff member who is not in the unit yet."))
        return redirect("staff:unit_members", slug=unit.slug)
    member = form.cleaned_data["member"]
    try:
        members.unit_member_add(unit=unit, member=member, actor=actor, vault=vault_open(request))
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(username)s is now a member of the unit and reads its tips, old and new, from their next login.")
            % {"username": member.user.get_username()},
        )
    return redirect("staff:unit_members", slug=unit.slug)


def _confirmed(request: HttpRequest) -> bool:
    """Return whether this is the confirmation page's POST; the list's button only leads to that page."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _confirmation_page(
    request: HttpRequest, unit: Unit, *, question: str, consequence: str, button: str
) -> HttpResponse:
    return render(
        request,
        "cases/unit_member_confirm.html",
        {"unit": unit, "question": question, "consequence": consequence, "button": button},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def unit_member_remove(request: HttpRequest, actor: StaffMember, slug: str, member_id: int) -> HttpResponse:
    unit = _managed_unit_or_404(actor, slug)
    member = get_object_or_404(StaffMember.objects.select_related("user"), pk=member_id)
    if not _confirmed(request):
        names = {"username": member.user.get_username(), "unit": unit.name}
        return _confirmation_page(
            request,
            unit,
            question=_("Remove %(username)s from %(unit)s?") % names,
            consequence=_(
                "%(username)s will lose access to the cases and tips of %(unit)s at once. Rotate the unit key "
                "afterwards, so that new tips are sealed to a key they never had."
            )
            % names,
            button=_("Remove"),
        )
    try:
        members.unit_member_remove(unit=unit, member=member, actor=actor)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(username)s was removed from the unit and no longer sees its cases.")
            % {"username": member.user.get_username()},
        )
        messages.warning(
            request,
            _(
                "They may still hold a copy of the unit's current key. Rotate the unit key now, so that new "
                "tips are sealed to a key they never had."
            ),
        )
    return redirect("staff:unit_members", slug=unit.slug)


@staff_required
@require_http_methods(["GET", "POST"])
def unit_key_rotate(request: HttpRequest, actor: StaffMember, slug: str) -> HttpResponse:
    unit = _managed_unit_or_404(actor, slug)
    if not _confirmed(request):
        return _confirmation_page(
            request,
            unit,
            question=_("Rotate the key of %(unit)s?") % {"unit": unit.name},
            consequence=_(
                "A new key is created and sealed to the unit's current members; new tips are sealed to it. "
                "Earlier tips stay readable with the earlier keys. The other members receive it at their next login."
            ),
            button=_("Rotate the key"),
        )
    vault = vault_open(request)
    response = redirect("staff:unit_members", slug=unit.slug)
    try:
        keypair, private_key = members.unit_key_rotate(unit=unit, actor=actor, vault=vault)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return response
    # This session unlocked its keys at login, before the new key existed: add it.
    vault[vault_unit_key_name(keypair.pk)] = private_key
    vault_store(request, response, vault)
    messages.success(
        request,
        _(
            "The unit has a new key (fingerprint %(fingerprint)s). New tips are sealed to it. The other members "
            "receive it at their next login."
        )
        % {"fingerprint": envelope.fingerprint(bytes(keypair.public_key))},
    )
    return response


# --- password reset by an administrator --------------------------------------------------------------


@staff_required(roles={Role.ADMINISTRATOR})
@require_http_methods(["GET", "POST"])
def staff_password_reset(request: HttpRequest, actor: StaffMember, member_id: int) -> HttpResponse:
    target = get_object_or_404(StaffMember.objects.select_related("user"), pk=member_id)
    form = StaffPasswordResetForm(target.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            units = members.staff_password_reset(
                member=target, new_password=form.cleaned_data["new_password1"], actor=actor
            )
        except CaseActionRefused as refused:
            form.add_error(None, str(refused))
        else:
            username = target.user.get_username()
            if units:
                messages.success(
                    request,
                    _(
                        "The password of %(username)s was reset. They choose their own at their next login and get "
                        "a new key then; they no longer read the tips of %(units)s until a supervisor of each unit "
                        "adds them again."
                    )
                    % {"username": username, "units": ", ".join(unit.name for unit in units)},
                )
            else:
                messages.success(
                    request,
                    _("The password of %(username)s was reset. They choose their own at their next login.")
                    % {"username": username},
                )
            return redirect("staff:staff_password_reset", member_id=target.pk)
    held_units = Unit.objects.filter(memberships__member=target).distinct().order_by("name")
    return render(
        request,
        "cases/unit_member_password_reset.html",
        {"target": target, "form": form, "units": held_units},
        status=400 if request.method == "POST" else 200,
    )
