"""Ask for, approve and refuse the disclosure of a reserved identity, and read a disclosed one (D.Leg. 1327).

Each write checks who may do it, runs in one transaction with the case's timeline
event and an audit entry (request ids only: never the reason, the code or the
contact), and mails after commit (identity/tasks.py). The reason is sealed to the
custodian key; an approval seals the identity key to the member who asked, and only
then can that member read the contact.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.keys import VAULT_STAFF_KEY, vault_custodian_key_name
from accounts.models import Role, StaffMember
from audit.models import AuditAction
from audit.services import audit_record
from cases import permissions
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from cases.services import case_change_record
from identity.models import DisclosureGrant, DisclosureRequest, DisclosureStatus
from org.models import CustodianKeyPair
from tipline.models import ReservedIdentity

# A reason the custodian can weigh: a few words are not one.
REASON_MIN_LENGTH = 20


def _record(request: DisclosureRequest, actor: StaffMember, kind: str, action: str, **details: object) -> None:
    """Write the case's timeline event and the audit entry of one step (the request's id, never its content)."""
    details = {"disclosure": str(request.public_id), **details}
    case_change_record(case=request.case, actor=actor, kind=kind, action=action, details=details)


def _announce(task_name: str, request_id: int) -> None:
    from identity import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(request_id))


# --- asking ------------------------------------------------------------------------------------------------


def disclosure_request(*, case: Case, identity: ReservedIdentity, actor: StaffMember, reason: str) -> DisclosureRequest:
    """Ask the custodian to disclose a reserved identity of the case to `actor`, with a written reason.

    Only a member who works the case may ask, once at a time per identity; the
    reason is sealed to the active custodian key. The custodians are mailed after commit.
    """
    permissions.require_work(actor, case)
    if not ReservedIdentity.objects.filter(pk=identity.pk, tip__case_link__case=case).exists():
        raise CaseActionRefused(_("That reserved identity belongs to another case."))
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise CaseActionRefused(
            _("Write the reason for the disclosure (at least %(count)d characters).") % {"count": REASON_MIN_LENGTH}
        )
    open_requests = DisclosureRequest.objects.filter(
        identity=identity, requested_by=actor, status__in=[DisclosureStatus.PENDING, DisclosureStatus.APPROVED]
    )
    if open_requests.exists():
        raise CaseActionRefused(_("You already asked for this identity: see the custodian's decision."))
    keypair = CustodianKeyPair.active()
    if keypair is None:
        raise CaseActionRefused(_("No identity custodian key is configured: ask an administrator."))
    request = DisclosureRequest(
        case=case,
        identity=identity,
        requested_by=actor,
        requester_role=actor.role,
        requester_unit_id=case.unit_id,
        requested_on=timezone.localdate(),
        custodian_keypair=keypair,
    )
    request.reason_for_custodian = envelope.seal_disclosure_reason(
        request.public_id, reason=reason, custodian_keypair=keypair
    )
    with transaction.atomic():
        request.save()
        _record(request, actor, CaseEvent.Kind.DISCLOSURE_REQUESTED, AuditAction.DISCLOSURE_REQUESTED)
        _announce("announce_disclosure_request", request.pk)
    return request


# --- deciding ----------------------------------------------------------------------------------------------


def is_custodian(member: StaffMember) -> bool:
    """Return whether the member acts as identity custodian: the role, a custodian key, and no unit at all."""
    return (
        member.role == Role.CUSTODIAN
        and member.custodian_grants.exists()
        and not member.memberships.exists()
        and member.user.is_active
    )


def can_decide_disclosure(member: StaffMember, request: DisclosureRequest) -> bool:
    """Return whether the member may approve or refuse this request now.

    A custodian who holds the key the identity is sealed to, belongs to no unit,
    and did not ask for it; and only while it is pending.
    """
    return (
        request.status == DisclosureStatus.PENDING
        and request.requested_by_id != member.pk
        and is_custodian(member)
        and member.custodian_grants.filter(keypair_id=request.identity.custodian_keypair_id).exists()
    )


def _require_decide(member: StaffMember, request: DisclosureRequest) -> None:
    if request.status != DisclosureStatus.PENDING:
        raise CaseActionRefused(_("This request was already decided."))
    if not can_decide_disclosure(member, request):
        raise CaseActionRefused(_("Only an identity custodian who belongs to no unit decides a disclosure."))


def _locked(request: DisclosureRequest) -> DisclosureRequest:
    return (
        DisclosureRequest.objects.select_for_update()
        .select_related("case", "identity", "requested_by__user")
        .get(pk=request.pk)
    )


def disclosure_approve(*, request: DisclosureRequest, actor: StaffMember, vault: dict[str, bytes]) -> DisclosureRequest:
    """Approve a disclosure: seal the identity key, opened with the custodian key, to the member who asked.

    Only a custodian (can_decide_disclosure); the custodian key must be in the
    session's vault. The requester is mailed after commit.
    """
    with transaction.atomic():
        request = _locked(request)
        _require_decide(actor, request)
        identity = request.identity
        custodian_key = vault.get(vault_custodian_key_name(identity.custodian_keypair_id))
        if custodian_key is None:
            raise CaseActionRefused(_("Your custodian key is not unlocked: log in again."))
        requester = request.requested_by
        if not requester.has_key_pair:
            raise CaseActionRefused(_("The member who asked has no key now: they must ask again."))
        identity_key = envelope.open_identity_key_for_custodian(identity, custodian_private_key=custodian_key)
        DisclosureGrant.objects.create(
            request=request,
            member=requester,
            sealed_identity_key=envelope.grant_identity_key(
                identity.public_id,
                identity_key=identity_key,
                disclosure_id=request.pk,
                member_id=requester.pk,
                member_public_key=bytes(requester.public_key),
            ),
        )
        request.status = DisclosureStatus.APPROVED
        request.decided_by = actor
        request.decided_on = timezone.localdate()
        request.save(update_fields=["status", "decided_by", "decided_on"])
        _record(request, actor, CaseEvent.Kind.DISCLOSURE_DECIDED, AuditAction.DISCLOSURE_APPROVED, decision="approved")
        _announce("announce_disclosure_decision", request.pk)
    return request


def disclosure_refuse(*, request: DisclosureRequest, actor: StaffMember) -> DisclosureRequest:
    """Refuse a disclosure: nothing is sealed to anyone. Only a custodian; the requester is mailed after commit."""
    with transaction.atomic():
        request = _locked(request)
        _require_decide(actor, request)
        request.status = DisclosureStatus.REFUSED
        request.decided_by = actor
        request.decided_on = timezone.localdate()
        request.save(update_fields=["status", "decided_by", "decided_on"])
        _record(request, actor, CaseEvent.Kind.DISCLOSURE_DECIDED, AuditAction.DISCLOSURE_REFUSED, decision="refused")
        _announce("announce_disclosure_decision", request.pk)
    return request


# --- reading ------------------------------------------------------------------------------------------------


def disclosure_reason_open(*, request: DisclosureRequest, actor: StaffMember, vault: dict[str, bytes]) -> str | None:
    """Return a request's written reason for a custodian whose vault holds the key it is sealed to, else None."""
    if not is_custodian(actor):
        return None
    key = vault.get(vault_custodian_key_name(request.custodian_keypair_id))
    if key is None:
        return None
    return envelope.open_disclosure_reason(request, custodian_private_key=key)


def disclosed_identity_open(*, grant: DisclosureGrant, actor: StaffMember, vault: dict[str, bytes]) -> str:
    """Open a disclosed contact for the member it was sealed to, who still works the case; audit each read.

    Raise CaseActionRefused for anyone else, or when the session holds no private key.
    """
    request = grant.request
    if grant.member_id != actor.pk or request.status != DisclosureStatus.APPROVED:
        raise CaseActionRefused(_("This identity was not disclosed to you."))
    permissions.require_work(actor, request.case)
    private_key = vault.get(VAULT_STAFF_KEY)
    if private_key is None:
        raise CaseActionRefused(_("Your keys are not unlocked: log in again."))
    identity = request.identity
    identity_key = envelope.open_identity_key_grant(
        bytes(grant.sealed_identity_key),
        identity_id=identity.public_id,
        disclosure_id=request.pk,
        member_id=actor.pk,
        staff_private_key=private_key,
    )
    contact = str(
        envelope.open_field(envelope.RESERVED_IDENTITY, "contact", identity, identity.public_id, key=identity_key)
    )
    audit_record(
        actor=actor.user,
        action=AuditAction.IDENTITY_OPENED,
        target_type="case",
        target_id=str(request.case.public_id),
        unit_id=request.case.unit_id,
        details={"disclosure": str(request.public_id)},
    )
    return contact
