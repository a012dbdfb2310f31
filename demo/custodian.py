"""The demo's identity custodian (D.Leg. 1327): an invented account that holds the custodian key.

Run by load_demo before any report is sent (a contact given on a report is sealed to
the custodian key, and intake refuses a contact while there is none), and on every
rerun, so a demo loaded before custodians existed gets one too.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper

from accounts.keys import custodian_grant, custodian_keypair_create, staff_member_create
from accounts.models import Role, StaffMember
from accounts.services import staff_totp_device, staff_totp_enrol, totp_is_demo_key
from org.models import CustodianKeyPair

USERNAME = "custodian"


def demo_custodian_ensure(*, stdout: OutputWrapper) -> StaffMember:
    """Create the demo custodian, with the demo password and authenticator, holding the active custodian key.

    Idempotent: an existing account and a key it already holds are kept. A key it
    does not hold (made by create_custodian_key) is replaced by a new one granted to it.
    """
    user_model = get_user_model()
    user = user_model.objects.filter(username=USERNAME).first()
    if user is None:
        user = user_model(username=USERNAME, email=f"{USERNAME}@example.invalid")
        user.set_password(settings.TIPLINE_DEMO_PASSWORD)
        user.save()
    member = getattr(user, "staff", None)
    if member is None:
        member = staff_member_create(user=user, role=Role.CUSTODIAN, password=settings.TIPLINE_DEMO_PASSWORD)
    device = staff_totp_device(user=user)
    if device is None or not totp_is_demo_key(device):
        staff_totp_enrol(user=user, key_hex=settings.TIPLINE_DEMO_TOTP_KEY)
    active = CustodianKeyPair.active()
    if active is None or not member.custodian_grants.filter(keypair=active).exists():
        keypair, private_key = custodian_keypair_create()
        custodian_grant(member=member, keypair=keypair, custodian_private_key=private_key)
    stdout.write(
        f"Demo identity custodian at /staff/: {USERNAME} (same password and authenticator); "
        "decides disclosures of reserved identities at /staff/identity/."
    )
    return member
