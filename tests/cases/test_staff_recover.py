"""`manage.py staff_recover`: a staff member whose private key no longer opens gets a new key pair and password."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import envelope
from accounts.keys import staff_unlock_keys
from accounts.models import Membership, StaffMember
from audit.models import AuditAction, AuditEvent
from audit.services import audit_verify
from tests.conftest import PASSWORD, staff_client

pytestmark = pytest.mark.django_db

BROKEN_PASSWORD = "set by the stock form without a re-wrap"
RECOVERED_PASSWORD = "a recovered staff passphrase 93"


def _break_the_key(member: StaffMember) -> None:
    """What Django's stock password form did: a new password, the private key still wrapped under the old one."""
    member.user.set_password(BROKEN_PASSWORD)
    member.user.save(update_fields=["password"])


@pytest.mark.parametrize("username", ["admin", "lima_investigator"])
def test_the_command_recovers_a_member_locked_out_of_their_key(
    cast: dict[str, StaffMember], username: str, tmp_path: Path
) -> None:
    member = cast[username]
    old_session = staff_client(username)
    _break_the_key(member)
    with pytest.raises(envelope.CryptoError):
        staff_unlock_keys(member=member, password=BROKEN_PASSWORD)
    password_file = tmp_path / "password"
    password_file.write_text(RECOVERED_PASSWORD + "\n")

    out = StringIO()
    call_command("staff_recover", username=username, password_file=password_file, stdout=out)

    member.refresh_from_db()
    assert staff_unlock_keys(member=member, password=RECOVERED_PASSWORD)
    staff_client(username, RECOVERED_PASSWORD)
    assert not Membership.objects.filter(member=member).exists()
    assert old_session.get("/staff/account/").status_code == 302  # their sessions ended
    event = AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED, target_id=str(member.pk)).latest("seq")
    assert event.actor is None
    assert event.details == {"member": username, "reset": True, "key_pair": "new", "via": "staff_recover"}
    assert audit_verify().ok
    if username == "lima_investigator":
        assert "lima" in out.getvalue()  # the units to add them to again


def test_the_command_asks_twice_and_refuses_a_mismatch(
    cast: dict[str, StaffMember], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([RECOVERED_PASSWORD, "something else entirely 12"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError):
        call_command("staff_recover", username="admin", stdout=StringIO())
    member = StaffMember.objects.get(user__username="admin")
    assert staff_unlock_keys(member=member, password=PASSWORD)


def test_the_command_refuses_an_unknown_member(cast: dict[str, StaffMember], tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(RECOVERED_PASSWORD)
    with pytest.raises(CommandError):
        call_command("staff_recover", username="nobody", password_file=password_file, stdout=StringIO())
