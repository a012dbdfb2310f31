"""Staff and unit key management: create, wrap, grant and unlock (DESIGN.md section 4).

The cryptography is the envelope's (`envelope`); this module decides which rows
hold which sealed key.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

import envelope
from accounts.models import CustodianGrant, Membership, Role, StaffMember
from accounts.permissions import can_read_tips
from org.models import CustodianKeyPair, Unit, UnitKeyPair

VAULT_STAFF_KEY = "staff_private_key"


def vault_unit_key_name(keypair_id: int) -> str:
    return f"unit_key:{keypair_id}"


def vault_custodian_key_name(custodian_keypair_id: int) -> str:
    return f"custodian_key:{custodian_keypair_id}"


def staff_member_create(*, user: User, role: str, password: str) -> StaffMember:
    """Give a user a staff role and a new key pair, its private half wrapped by their password."""
    keys = envelope.new_staff_keys(user_id=user.pk, password=password)
    return StaffMember.objects.create(
        user=user, role=role, public_key=keys.public_key, private_key_ct=keys.private_key_ct, key_salt=keys.key_salt
    )


def staff_private_key(*, member: StaffMember, password: str) -> bytes:
    """Unwrap a staff member's private key with their password (raises CryptoError if wrong)."""
    return envelope.open_staff_private_key(member, password=password)


def unit_keypair_create(*, unit: Unit) -> tuple[UnitKeyPair, bytes]:
    """Create a new key for a unit, sealed to the escrow key; earlier keys stop receiving tips.

    Return the key pair row and the private key, which the caller grants to
    members and then forgets.
    """
    pair = envelope.new_keypair()
    with transaction.atomic():
        unit.keypairs.filter(is_active=True).update(is_active=False)
        keypair = UnitKeyPair.objects.create(unit=unit, public_key=pair.public, sealed_to_escrow=b"")
        keypair.sealed_to_escrow = envelope.seal_unit_key_to_escrow(keypair.pk, unit_private_key=pair.private)
        keypair.save(update_fields=["sealed_to_escrow"])
    return keypair, pair.private


def unit_private_key_from_escrow(*, keypair: UnitKeyPair, escrow_private_key: bytes) -> bytes:
    """Recover a unit's private key with the offline escrow private key."""
    return envelope.open_unit_key_with_escrow(keypair, escrow_private_key=escrow_private_key)


def membership_grant(
    *, member: StaffMember, keypair: UnitKeyPair, unit_private_key: bytes, granted_by: StaffMember | None = None
) -> Membership:
    """Seal a unit key to a member, giving them access to the tips sealed to that key.

    Refused (ValueError) for a member whose password was reset and who has not
    chosen their own yet: they have no key pair to seal to.
    """
    if not member.has_key_pair:
        raise ValueError(f"{member.user} has no key pair until they choose their own password")
    sealed = envelope.grant_unit_key(
        unit_keypair=keypair,
        unit_private_key=unit_private_key,
        member_id=member.pk,
        member_public_key=bytes(member.public_key),
    )
    membership, _created = Membership.objects.update_or_create(
        member=member,
        keypair=keypair,
        defaults={"unit": keypair.unit, "sealed_unit_key": sealed, "granted_by": granted_by},
    )
    return membership


def custodian_keypair_create() -> tuple[CustodianKeyPair, bytes]:
    """Create a new identity custodian key, sealed to escrow; earlier keys stop receiving identities.

    Return the key pair row and the private key, which the caller grants to the
    custodians (custodian_grant) and then forgets.
    """
    pair = envelope.new_keypair()
    with transaction.atomic():
        CustodianKeyPair.objects.filter(is_active=True).update(is_active=False)
        keypair = CustodianKeyPair.objects.create(public_key=pair.public, sealed_to_escrow=b"")
        keypair.sealed_to_escrow = envelope.seal_custodian_key_to_escrow(keypair.pk, custodian_private_key=pair.private)
        keypair.save(update_fields=["sealed_to_escrow"])
    return keypair, pair.private


def custodian_grant(
    *,
    member: StaffMember,
    keypair: CustodianKeyPair,
    custodian_private_key: bytes,
    granted_by: StaffMember | None = None,
) -> CustodianGrant:
    """Seal the custodian key to a custodian (a member of the custodian role, who belongs to no unit).

    Refused (ValueError) for any other role, for a member of a unit, and for a member
    without a key pair: the custodian must stand outside the units whose requests they decide.
    """
    if member.role != Role.CUSTODIAN:
        raise ValueError(f"{member.user} is not an identity custodian")
    if member.memberships.exists():
        raise ValueError(f"{member.user} belongs to a unit and cannot hold the custodian key")
    if not member.has_key_pair:
        raise ValueError(f"{member.user} has no key pair until they choose their own password")
    sealed = envelope.grant_custodian_key(
        custodian_keypair=keypair,
        custodian_private_key=custodian_private_key,
        member_id=member.pk,
        member_public_key=bytes(member.public_key),
    )
    grant, _created = CustodianGrant.objects.update_or_create(
        member=member, keypair=keypair, defaults={"sealed_key": sealed, "granted_by": granted_by}
    )
    return grant


def staff_unlock_keys(*, member: StaffMember, password: str) -> dict[str, bytes]:
    """Return the vault contents for a login: the member's private key and their unit keys (or custodian keys).

    A member awaiting their own password (after an administrator's reset) has no
    keys: nothing is unlocked until they choose it (accounts.services.staff_keys_choose).
    """
    if member.awaiting_own_password:
        return {}
    private_key = staff_private_key(member=member, password=password)
    unlocked = {VAULT_STAFF_KEY: private_key}
    if can_read_tips(member):
        for membership in member.memberships.all():
            unlocked[vault_unit_key_name(membership.keypair_id)] = envelope.open_unit_key_grant(
                membership, member_id=member.pk, staff_private_key=private_key
            )
    if member.role == Role.CUSTODIAN:
        for grant in member.custodian_grants.all():
            unlocked[vault_custodian_key_name(grant.keypair_id)] = envelope.open_custodian_key_grant(
                grant, member_id=member.pk, staff_private_key=private_key
            )
    return unlocked
