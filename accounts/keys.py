"""Staff and unit key management: create, wrap, grant and unlock (DESIGN.md section 4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from accounts.models import Membership, StaffMember
from accounts.permissions import can_read_tips
from org.models import Unit, UnitKeyPair
from tipline import crypto
from tipline.services import escrow_public_key

VAULT_STAFF_KEY = "staff_private_key"


def vault_unit_key_name(keypair_id: int) -> str:
    return f"unit_key:{keypair_id}"


def _password_cost() -> crypto.Argon2Cost:
    return crypto.Argon2Cost(
        memory_kib=settings.TIPLINE_ARGON2_MEMORY_KIB, iterations=settings.TIPLINE_ARGON2_ITERATIONS
    )


def _private_key_aad(user_id: int) -> bytes:
    return f"tipline v1|staff private key|user:{user_id}".encode()


def _grant_info(keypair_id: int, member_id: int) -> bytes:
    return f"tipline v1|unit key grant|unit-keypair:{keypair_id}|member:{member_id}".encode()


def _escrow_info(keypair_id: int) -> bytes:
    return f"tipline v1|unit key escrow|unit-keypair:{keypair_id}".encode()


def staff_member_create(*, user: User, role: str, password: str) -> StaffMember:
    """Give a user a staff role and a new key pair, its private half wrapped by their password."""
    pair = crypto.generate_keypair()
    salt = crypto.new_salt()
    member = StaffMember(user=user, role=role, public_key=pair.public, key_salt=salt)
    wrap = crypto.derive_password_key(password, salt=salt, cost=_password_cost())
    member.private_key_ct = crypto.encrypt(pair.private, key=wrap, aad=_private_key_aad(user.pk))
    member.save()
    return member


def staff_private_key(*, member: StaffMember, password: str) -> bytes:
    """Unwrap a staff member's private key with their password (raises CryptoError if wrong)."""
    wrap = crypto.derive_password_key(password, salt=bytes(member.key_salt), cost=_password_cost())
    return crypto.decrypt(bytes(member.private_key_ct), key=wrap, aad=_private_key_aad(member.user_id))


def unit_keypair_create(*, unit: Unit) -> tuple[UnitKeyPair, bytes]:
    """Create a new key for a unit, sealed to the escrow key; earlier keys stop receiving tips.

    Return the key pair row and the private key, which the caller grants to
    members and then forgets.
    """
    pair = crypto.generate_keypair()
    with transaction.atomic():
        unit.keypairs.filter(is_active=True).update(is_active=False)
        keypair = UnitKeyPair.objects.create(unit=unit, public_key=pair.public, sealed_to_escrow=b"")
        keypair.sealed_to_escrow = crypto.seal(
            pair.private, public_key=escrow_public_key(), info=_escrow_info(keypair.pk)
        )
        keypair.save(update_fields=["sealed_to_escrow"])
    return keypair, pair.private


def unit_private_key_from_escrow(*, keypair: UnitKeyPair, escrow_private_key: bytes) -> bytes:
    """Recover a unit's private key with the offline escrow private key."""
    return crypto.unseal(bytes(keypair.sealed_to_escrow), private_key=escrow_private_key, info=_escrow_info(keypair.pk))


def membership_grant(
    *, member: StaffMember, keypair: UnitKeyPair, unit_private_key: bytes, granted_by: StaffMember | None = None
) -> Membership:
    """Seal a unit key to a member, giving them access to the tips sealed to that key."""
    if crypto.public_key_of(unit_private_key) != bytes(keypair.public_key):
        raise crypto.CryptoError("that private key does not belong to this unit key")
    membership, _created = Membership.objects.update_or_create(
        member=member,
        keypair=keypair,
        defaults={
            "unit": keypair.unit,
            "sealed_unit_key": crypto.seal(
                unit_private_key, public_key=bytes(member.public_key), info=_grant_info(keypair.pk, member.pk)
            ),
            "granted_by": granted_by,
        },
    )
    return membership


def staff_unlock_keys(*, member: StaffMember, password: str) -> dict[str, bytes]:
    """Return the vault contents for a login: the member's private key and their unit keys."""
    private_key = staff_private_key(member=member, password=password)
    unlocked = {VAULT_STAFF_KEY: private_key}
    if can_read_tips(member):
        for membership in member.memberships.all():
            unlocked[vault_unit_key_name(membership.keypair_id)] = crypto.unseal(
                bytes(membership.sealed_unit_key),
                private_key=private_key,
                info=_grant_info(membership.keypair_id, member.pk),
            )
    return unlocked
