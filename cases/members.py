"""Unit membership and the key lifecycle: the unit's keys follow the people (DESIGN.md section 4).

A member "is in a unit" while they hold a Membership row for any key of it. A
supervisor adds someone by sealing every key of the unit their session holds to
the newcomer, so old and new tips open for them; removing someone deletes their
grants at once; rotating creates a new key, sealed only to the people in the
unit now, so a removed member never receives it. An administrator resets a
forgotten password by giving the person a new key pair: their grants are then
useless and are deleted until a supervisor adds them again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

import envelope
from accounts.keys import membership_grant, unit_keypair_create, vault_unit_key_name
from accounts.models import TIP_READING_ROLES, Membership, StaffMember
from accounts.permissions import can_read_tips, is_administrator, is_supervisor
from accounts.security import login_throttle_reset
from accounts.services import staff_private_key_rewrap, staff_sessions_end_all
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from cases.models import Case, CaseEvent, open_deadline_before
from cases.permissions import CaseActionRefused
from cases.statuses import CLOSED_STATUSES
from org.models import Unit, UnitKeyPair

# --- who may manage a unit -----------------------------------------------------------------------


def is_in_unit(member: StaffMember, unit: Unit) -> bool:
    """Return whether the member holds any key of the unit."""
    return Membership.objects.filter(member=member, unit=unit).exists()


def can_manage_unit(member: StaffMember, unit: Unit) -> bool:
    """Return whether the member manages the unit's members and keys: one of its supervisors."""
    return is_supervisor(member) and is_in_unit(member, unit)


def _require_manage_unit(actor: StaffMember, unit: Unit) -> None:
    if not can_manage_unit(actor, unit):
        raise CaseActionRefused(_("Only a supervisor of this unit can manage its members and keys."))


def _lock_unit(unit: Unit) -> Unit:
    # Adds, removals and rotations of one unit take turns, so nobody is added while a
    # rotation grants the new key to the members it saw, and none of them is missed.
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _audit_member(actor: StaffMember, action: str, unit: Unit, member: StaffMember, **details: object) -> None:
    audit_record(
        actor=actor.user,
        action=action,
        target_type="staff",
        target_id=str(member.pk),
        unit_id=unit.pk,
        details={"member": member.user.get_username(), **details},
    )


# --- reads for the members page ------------------------------------------------------------------


@dataclass(frozen=True)
class UnitMemberRow:
    """One person in the unit and the unit keys sealed to them."""

    member: StaffMember
    keypairs: list[UnitKeyPair] = field(default_factory=list)
    holds_active_key: bool = False
    workload: Workload | None = None


@dataclass(frozen=True)
class Workload:
    """What one member carries in the unit: open cases assigned, of which overdue and with an unread reply,
    and their open investigation tasks."""

    open_cases: int = 0
    overdue: int = 0
    unread_replies: int = 0
    open_tasks: int = 0


def _count(cases: QuerySet[Case], counted: str = "pk") -> Coalesce:
    """Count `cases` (or the rows of `counted` they join) as a subquery of one member's row."""
    return Coalesce(Subquery(cases.order_by().values("unit_id").annotate(n=Count(counted)).values("n")[:1]), 0)


def unit_workloads(*, unit: Unit, today: datetime.date) -> dict[int, Workload]:
    """Return each member's workload in the unit, by member id, in one query (counted subqueries per member).

    Tasks are read through the case's `tasks` relation, so cases does not import the
    investigation app.
    """
    assigned = Case.objects.filter(unit=unit, closed_on__isnull=True, assignee=OuterRef("pk"))
    tasks = Case.objects.filter(
        unit=unit, closed_on__isnull=True, tasks__assignee=OuterRef("pk"), tasks__done_on__isnull=True
    )
    rows = (
        StaffMember.objects.filter(memberships__unit=unit)
        .distinct()
        .annotate(
            open_cases=_count(assigned),
            overdue=_count(assigned.filter(open_deadline_before(today))),
            unread_replies=_count(assigned.filter(unread_reply=True)),
            open_tasks=_count(tasks, "tasks"),
        )
        .values_list("pk", "open_cases", "overdue", "unread_replies", "open_tasks")
    )
    return {
        pk: Workload(open_cases=open_cases, overdue=overdue, unread_replies=unread, open_tasks=open_tasks)
        for pk, open_cases, overdue, unread, open_tasks in rows
    }


def unit_members(*, unit: Unit) -> list[UnitMemberRow]:
    """Return the unit's members by user name, each with the keys they hold (newest first)."""
    active = unit.active_keypair()
    by_member: dict[int, tuple[StaffMember, list[UnitKeyPair]]] = {}
    grants = (
        Membership.objects.filter(unit=unit)
        .select_related("member__user", "keypair")
        .order_by("member__user__username", "-keypair__created_at", "-keypair_id")
    )
    for grant in grants:
        by_member.setdefault(grant.member_id, (grant.member, []))[1].append(grant.keypair)
    workloads = unit_workloads(unit=unit, today=timezone.localdate())
    return [
        UnitMemberRow(
            member=member,
            keypairs=keypairs,
            holds_active_key=active is not None and any(k.pk == active.pk for k in keypairs),
            workload=workloads.get(member.pk),
        )
        for member, keypairs in by_member.values()
    ]


@dataclass(frozen=True)
class UnitKeyRow:
    """One key of the unit: its fingerprint, whether new tips go to it, how many people hold it."""

    keypair: UnitKeyPair
    fingerprint: str
    holders: int


def unit_keys(*, unit: Unit) -> list[UnitKeyRow]:
    """Return the unit's keys, newest first."""
    holders = dict(
        Membership.objects.filter(keypair__unit=unit)
        .order_by()
        .values("keypair_id")
        .annotate(n=Count("id"))
        .values_list("keypair_id", "n")
    )
    return [
        UnitKeyRow(keypair=k, fingerprint=envelope.fingerprint(bytes(k.public_key)), holders=holders.get(k.pk, 0))
        for k in unit.keypairs.order_by("-created_at", "-id")
    ]


def unit_member_candidates(*, unit: Unit) -> QuerySet[StaffMember]:
    """Return the active staff with a reading role who are not in the unit yet."""
    return (
        StaffMember.objects.filter(role__in=TIP_READING_ROLES, user__is_active=True, awaiting_own_password=False)
        .exclude(pk__in=Membership.objects.filter(unit=unit).values("member_id"))
        .select_related("user")
        .order_by("user__username")
    )


def unit_rotation_advised(*, unit: Unit) -> bool:
    """Return whether someone was removed from the unit after its current key was created."""
    active = unit.active_keypair()
    if active is None:
        return False
    return AuditEvent.objects.filter(
        action=AuditAction.MEMBER_REMOVED, unit_id=unit.pk, at__gt=active.created_at
    ).exists()


# --- writes ------------------------------------------------------------------------------------------


def unit_member_add(
    *, unit: Unit, member: StaffMember, actor: StaffMember, vault: dict[str, bytes]
) -> list[Membership]:
    """Add a member to a unit: seal to them every key of the unit held in the supervisor's session.

    Old keys are granted with the current one, so the newcomer reads the unit's
    earlier tips too. The session must hold the unit's current key (a supervisor
    whose session predates a rotation logs in again first). Someone already in
    the unit receives the keys they lack. Return the new grants.
    """
    _require_manage_unit(actor, unit)
    if not can_read_tips(member):
        raise CaseActionRefused(_("Only investigators and supervisors can be members of a unit."))
    if not member.user.is_active:
        raise CaseActionRefused(_("This account is disabled."))
    if not member.has_key_pair:
        raise CaseActionRefused(
            _("%(username)s has not chosen a password since it was reset; add them after their next login.")
            % {"username": member.user.get_username()}
        )
    with transaction.atomic():
        unit = _lock_unit(unit)
        active = unit.active_keypair()
        if active is None:
            raise CaseActionRefused(_("This unit has no key yet."))
        if vault_unit_key_name(active.pk) not in vault:
            raise CaseActionRefused(
                _("Your session does not hold the unit's current key. Log out and log in again, then retry.")
            )
        held = set(Membership.objects.filter(member=member, unit=unit).values_list("keypair_id", flat=True))
        to_grant = [k for k in unit.keypairs.all() if vault_unit_key_name(k.pk) in vault and k.pk not in held]
        if not to_grant:
            raise CaseActionRefused(
                _("%(username)s is already a member of this unit.") % {"username": member.user.get_username()}
            )
        grants = []
        try:
            for keypair in to_grant:
                grants.append(
                    membership_grant(
                        member=member,
                        keypair=keypair,
                        unit_private_key=vault[vault_unit_key_name(keypair.pk)],
                        granted_by=actor,
                    )
                )
        except envelope.CryptoError as exc:
            raise CaseActionRefused(_("A unit key in your session is not valid. Log in again.")) from exc
        if not held:
            _audit_member(actor, AuditAction.MEMBER_ADDED, unit, member)
        _audit_member(actor, AuditAction.KEY_GRANTED, unit, member, keypairs=[k.pk for k in to_grant])
    return grants


def unit_member_remove(*, unit: Unit, member: StaffMember, actor: StaffMember) -> int:
    """Remove a member from a unit: delete their grants and unassign them from its open cases.

    They lose access at once, since every staff read checks Membership. Their copy
    of the unit's current key may outlive this (a session, a memory), so rotate
    the key afterwards. A supervisor cannot remove themselves. Return how many
    open cases were unassigned.
    """
    _require_manage_unit(actor, unit)
    if member.pk == actor.pk:
        raise CaseActionRefused(_("You cannot remove yourself; ask another supervisor of the unit."))
    with transaction.atomic():
        unit = _lock_unit(unit)
        grants = Membership.objects.filter(member=member, unit=unit)
        keypair_ids = sorted(grants.values_list("keypair_id", flat=True))
        if not keypair_ids:
            raise CaseActionRefused(
                _("%(username)s is not a member of this unit.") % {"username": member.user.get_username()}
            )
        grants.delete()
        open_cases = list(Case.objects.filter(unit=unit, assignee=member).exclude(status__in=CLOSED_STATUSES))
        for case in open_cases:
            case.assignee = None
            case.save(update_fields=["assignee"])
            CaseEvent.objects.create(
                case=case, kind=CaseEvent.Kind.ASSIGNED, actor=actor, details={"assignee": "", "member_removed": True}
            )
        _audit_member(actor, AuditAction.MEMBER_REMOVED, unit, member, unassigned_cases=len(open_cases))
        _audit_member(actor, AuditAction.KEY_REVOKED, unit, member, keypairs=keypair_ids)
    return len(open_cases)


def unit_key_rotate(*, unit: Unit, actor: StaffMember, vault: dict[str, bytes]) -> tuple[UnitKeyPair, bytes]:
    """Give the unit a new key and seal it to everyone in the unit now (only their public keys are needed).

    New tips are sealed to the new key; earlier keys stay with the members who
    hold them, for earlier tips. Anyone removed before the rotation never
    receives the new key. Return the new key pair and its private key, which the
    caller puts in the supervisor's session vault and then forgets.
    """
    _require_manage_unit(actor, unit)
    if not any(vault_unit_key_name(k) in vault for k in unit.keypairs.values_list("pk", flat=True)):
        raise CaseActionRefused(_("Your session does not hold this unit's keys. Log in again."))
    with transaction.atomic():
        unit = _lock_unit(unit)
        previous = unit.active_keypair()
        members = list(
            StaffMember.objects.filter(role__in=TIP_READING_ROLES, memberships__unit=unit)
            .distinct()
            .select_related("user")
            .order_by("user__username")
        )
        keypair, private_key = unit_keypair_create(unit=unit)
        for member in members:
            membership_grant(member=member, keypair=keypair, unit_private_key=private_key, granted_by=actor)
        audit_record(
            actor=actor.user,
            action=AuditAction.UNIT_KEY_ROTATED,
            target_type="unit",
            target_id=str(unit.pk),
            unit_id=unit.pk,
            details={
                "keypair": keypair.pk,
                "previous_keypair": previous.pk if previous else None,
                "granted_to": len(members),
            },
        )
        for member in members:
            _audit_member(actor, AuditAction.KEY_GRANTED, unit, member, keypairs=[keypair.pk])
    return keypair, private_key


def staff_password_reset(*, member: StaffMember, new_password: str, actor: StaffMember) -> list[Unit]:
    """Set a temporary password for someone who forgot theirs (administrators only); withdraw their key pair.

    The old private key was wrapped under the forgotten password and is lost, so
    the unit keys sealed to it are useless: their grants are deleted. No new key
    pair is made under the temporary password, which the administrator knows: the
    person chooses their own password at their next login and only then gets a new
    key pair (accounts.services.staff_keys_choose), and a supervisor of each unit
    adds them again. Their sessions end. Return the units they were in. (A password
    change by the person themselves keeps the key: accounts.services.staff_password_change.)
    """
    if not is_administrator(actor):
        raise CaseActionRefused(_("Only an administrator can reset a password."))
    if member.pk == actor.pk:
        raise CaseActionRefused(_("Change your own password on your account page."))
    return _staff_keys_renew(member=member, new_password=new_password, actor=actor.user, own_password=False)


def staff_keys_replace(*, member: StaffMember, new_password: str, actor: User | None, via: str = "") -> list[Unit]:
    """Give a member a new key pair wrapped under a new password they typed; delete their grants; end their sessions.

    Used by the `staff_recover` command (actor None, the system; `via` names the
    command in the audit entry), run on the server for someone no administrator
    can reset, such as the only administrator, who types the new password
    themselves. Return the units they were in.
    """
    return _staff_keys_renew(member=member, new_password=new_password, actor=actor, own_password=True, via=via)


def _staff_keys_renew(
    *, member: StaffMember, new_password: str, actor: User | None, own_password: bool, via: str = ""
) -> list[Unit]:
    """The work of a reset: a new password, a new key pair (or none until the member chooses a password)."""
    user: User = member.user
    if own_password:
        pair = envelope.new_keypair()
        member.public_key = pair.public
        staff_private_key_rewrap(member=member, private_key=pair.private, new_password=new_password)
    else:
        member.public_key, member.private_key_ct, member.key_salt = b"", b"", b""
    member.awaiting_own_password = not own_password
    user.set_password(new_password)
    reason = {"via": via} if via else {}
    with transaction.atomic():
        grants = Membership.objects.filter(member=member)
        units = list(Unit.objects.filter(pk__in=grants.values("unit_id")).order_by("name"))
        keypair_ids = sorted(grants.values_list("keypair_id", flat=True))
        grants.delete()
        user.save(update_fields=["password"])
        member.save(update_fields=["public_key", "key_salt", "private_key_ct", "awaiting_own_password"])
        staff_sessions_end_all(user=user)
        audit_record(
            actor=actor,
            action=AuditAction.PASSWORD_CHANGED,
            target_type="staff",
            target_id=str(member.pk),
            details={
                "member": user.get_username(),
                "reset": True,
                "key_pair": "new" if own_password else "withdrawn",
                **reason,
            },
        )
        if keypair_ids:
            audit_record(
                actor=actor,
                action=AuditAction.KEY_REVOKED,
                target_type="staff",
                target_id=str(member.pk),
                details={"member": user.get_username(), "keypairs": keypair_ids, "reason": "reset", **reason},
            )
    # The person was probably locked out by failed attempts with the password they forgot.
    login_throttle_reset(username=user.get_username())
    return units
