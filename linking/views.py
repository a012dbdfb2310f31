"""Staff views of linking: record and delete a tip's entities, merge a suggested case, a pseudonym's page.

Every view answers 404 for what the member may not read. Messages never carry a
recorded value: they are kept in the session and cookies, which hold no content.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import envelope
from accounts.models import TIP_READING_ROLES, StaffMember
from accounts.security import staff_required
from cases.models import Case, CaseTip
from cases.permissions import CaseActionRefused
from cases.selectors import case_visible_to, tip_visible_to
from cases.services import cases_link
from envelope.vault import vault_open
from linking import services
from linking.forms import CorrectionForm, MentionForm, MergeForm, VerdictForm
from linking.models import EntityMention, MentionStatus, TipLink
from linking.selectors import pseudonym_view
from tipline.models import Tip


def _tip_or_404(member: StaffMember, public_id: uuid.UUID) -> Tip:
    tip = tip_visible_to(member=member, public_id=public_id)
    if tip is None:
        raise Http404
    return tip


def _back_to_tip(tip: Tip) -> HttpResponse:
    case_url = reverse("staff:case", kwargs={"public_id": tip.case_link.case.public_id})
    return redirect(f"{case_url}#tip-{tip.public_id}")


@staff_required
@require_POST
def mention_record(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    tip = _tip_or_404(member, public_id)
    form = MentionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the entity is and write it as it appears in the report."))
        return _back_to_tip(tip)
    try:
        _mention, created = services.mention_record(
            tip=tip,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            role=form.cleaned_data["person_role"],
            actor=member,
            vault=vault_open(request),
        )
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
        return _back_to_tip(tip)
    if created:
        messages.success(request, _("Recorded. Reports that name it are linked."))
    else:
        messages.info(request, _("This was already recorded."))
    return _back_to_tip(tip)


@staff_required
@require_POST
def mention_delete(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, mention_id: uuid.UUID
) -> HttpResponse:
    tip = _tip_or_404(member, public_id)
    mention = _mention_or_404(tip, mention_id)
    try:
        services.mention_delete(mention=mention, actor=member, vault=vault_open(request))
    except (CaseActionRefused, envelope.CryptoError) as refused:
        messages.error(request, str(refused) or _("The entity could not be removed."))
    else:
        messages.success(request, _("The entity was removed from this report."))
    return _back_to_tip(tip)


def _mention_or_404(tip: Tip, mention_id: uuid.UUID) -> EntityMention:
    return get_object_or_404(
        EntityMention.objects.select_related("tip").exclude(status=MentionStatus.DISMISSED),
        public_id=mention_id,
        tip=tip,
    )


@staff_required
@require_POST
def mention_confirm(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, mention_id: uuid.UUID
) -> HttpResponse:
    """Keep an entity the machine found, as checked by this member."""
    tip = _tip_or_404(member, public_id)
    try:
        services.mention_confirm(mention=_mention_or_404(tip, mention_id), actor=member)
    except CaseActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Confirmed."))
    return _back_to_tip(tip)


@staff_required
@require_POST
def mention_correct(
    request: HttpRequest, member: StaffMember, public_id: uuid.UUID, mention_id: uuid.UUID
) -> HttpResponse:
    """Replace an entity with the member's own spelling (the machine misread it)."""
    tip = _tip_or_404(member, public_id)
    mention = _mention_or_404(tip, mention_id)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the entity as it appears in the report."))
        return _back_to_tip(tip)
    try:
        services.mention_correct(
            mention=mention,
            value=form.cleaned_data["value"],
            actor=member,
            vault=vault_open(request),
            role=mention.person_role,
        )
    except (CaseActionRefused, envelope.CryptoError) as refused:
        messages.error(request, str(refused) or _("The entity could not be corrected."))
    else:
        messages.success(request, _("Corrected. Reports that name it are linked."))
    return _back_to_tip(tip)


def _judged_case(member: StaffMember, case: Case, form: VerdictForm) -> Case | None:
    """The other case of a verdict: one the member reads by its id, or the other end of a link of this case."""
    if form.cleaned_data.get("other"):
        return case_visible_to(member=member, public_id=form.cleaned_data["other"])
    link = TipLink.objects.filter(pk=form.cleaned_data["link"]).first()
    if link is None:
        return None
    ours = set(CaseTip.objects.filter(case=case).values_list("tip_id", flat=True))
    if link.tip_low_id in ours:
        other_tip = link.tip_high_id
    elif link.tip_high_id in ours:
        other_tip = link.tip_low_id
    else:
        return None
    return Case.objects.filter(case_tips__tip_id=other_tip).first()


@staff_required
@require_POST
def link_verdict(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    """Say whether a suggested case is about the same matter as this one (linking.services.link_judge)."""
    case = case_visible_to(member=member, public_id=public_id)
    if case is None:
        raise Http404
    form = VerdictForm(request.POST)
    other = _judged_case(member, case, form) if form.is_valid() else None
    if other is None:
        messages.error(request, _("Choose the related case."))
        return redirect("staff:case", public_id=case.public_id)
    try:
        shown = services.link_judge(
            case=case, other=other, verdict=form.cleaned_data["verdict"], actor=member, vault=vault_open(request)
        )
    except (CaseActionRefused, envelope.CryptoError) as refused:
        messages.error(request, str(refused) or _("The verdict could not be recorded."))
        return redirect("staff:case", public_id=case.public_id)
    if form.cleaned_data["verdict"] == "same":
        if shown.pk == case.pk and other.unit_id == case.unit_id and not (case.is_closed or other.is_closed):
            messages.success(request, _("The cases were merged into this one."))
        else:
            messages.success(request, _("Recorded: the same matter. The link stays on both cases."))
    else:
        messages.success(request, _("Recorded: not the same matter. This pair will not be suggested again."))
    return redirect("staff:case", public_id=shown.public_id)


@staff_required
@require_POST
def case_merge(request: HttpRequest, member: StaffMember, public_id: uuid.UUID) -> HttpResponse:
    """Merge a suggested case into this one (cases.services.cases_link)."""
    case = case_visible_to(member=member, public_id=public_id)
    if case is None:
        raise Http404
    form = MergeForm(request.POST)
    other = case_visible_to(member=member, public_id=form.cleaned_data["other"]) if form.is_valid() else None
    if other is None:
        messages.error(request, _("Choose the related case."))
    elif case.is_closed or other.is_closed:
        messages.error(request, _("Closed cases are not merged."))
    else:
        try:
            cases_link(target=case, other=other, actor=member, vault=vault_open(request))
        except (CaseActionRefused, envelope.CryptoError) as refused:
            messages.error(request, str(refused) or _("The cases could not be merged."))
        else:
            messages.success(request, _("The cases were merged into this one."))
    return redirect("staff:case", public_id=case.public_id)


@staff_required(roles=TIP_READING_ROLES)
@require_GET
def pseudonym_detail(request: HttpRequest, member: StaffMember, pseudonym: bytes) -> HttpResponse:
    """Where an entity appears: only for members who read tips; a manager never reaches a value."""
    view = pseudonym_view(pseudonym=pseudonym, member=member, vault=vault_open(request))
    services.pseudonym_viewed_record(pseudonym=pseudonym, readable_tips=len(view.readable), actor=member)
    return render(request, "linking/pseudonym_detail.html", {"view": view, "member": member})
