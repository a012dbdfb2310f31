"""The demo has an identity custodian who logs in, lands on the disclosure requests, and holds the key; reruns keep it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.test import Client

from accounts.models import CustodianGrant, Role, StaffMember
from org.models import CustodianKeyPair
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


def test_the_demo_custodian_logs_in_to_the_requests(settings: LazySettings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.DEBUG = True
    call_command("load_demo", synthetic=0, stdout=StringIO())
    out = StringIO()
    call_command("load_demo", synthetic=0, stdout=out)  # a rerun keeps the custodian and their key

    custodian = StaffMember.objects.get(user__username="custodian")
    assert custodian.role == Role.CUSTODIAN and not custodian.memberships.exists()
    assert CustodianKeyPair.objects.count() == 1
    assert CustodianGrant.objects.filter(member=custodian, keypair=CustodianKeyPair.active()).exists()
    assert "custodian" in out.getvalue()
    client = Client()
    login = {"username": "custodian", "password": settings.TIPLINE_DEMO_PASSWORD, "otp_token": totp_code("custodian")}
    assert client.post("/staff/login/", login).status_code == 302
    assert client.get("/staff/", follow=True).redirect_chain[-1][0] == "/staff/identity/"
