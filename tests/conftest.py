"""The named cast of the suite and its shared fixtures.

Actors: `lima_investigator` and `lima_supervisor` (members of the Lima unit),
`norte_investigator` (an outsider from another unit), `national_investigator`,
`manager` and `admin` (no unit key); the `national_supervisor` fixture adds a supervisor
of the national unit, who approves routing changes. Every actor's password is PASSWORD, and every
actor has an authenticator (TOTP device); `totp_code(username)` gives its current code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth import get_user_model
from django.core.files.storage import Storage
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.keys import (
    custodian_grant,
    custodian_keypair_create,
    membership_grant,
    staff_member_create,
    unit_keypair_create,
)
from accounts.models import Role, StaffMember
from accounts.services import staff_totp_device
from envelope import primitives as crypto
from org.models import CustodianKeyPair, Facility, Region, Unit
from tipline import storage

PASSWORD = "correct horse battery staple 42"


def attachment_storage(backend: str, **options: object) -> dict[str, dict[str, object]]:
    """Return settings.STORAGES with the attachment store (tipline/storage.py) set to `backend`."""
    return {**settings.STORAGES, "attachments": {"BACKEND": backend, "OPTIONS": options}}


@pytest.fixture(autouse=True)
def tipline_settings(settings: LazySettings, tmp_path: Path) -> Iterator[LazySettings]:
    """Give every test its own attachment store (local files) and escrow key, and a cheap Argon2 cost."""
    # Changing STORAGES makes Django forget the store it had opened (django.test.signals).
    settings.STORAGES = attachment_storage(
        "tipline.storage.AttachmentFileSystemStorage", location=str(tmp_path / "attachments")
    )
    escrow = crypto.generate_keypair()
    (tmp_path / "escrow").mkdir()
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE = tmp_path / "escrow" / "escrow.pub"
    settings.TIPLINE_ESCROW_PUBLIC_KEY_FILE.write_bytes(escrow.public)
    settings.TEST_ESCROW_PRIVATE_KEY = escrow.private
    settings.TIPLINE_ARGON2_MEMORY_KIB = 1024
    settings.TIPLINE_ARGON2_ITERATIONS = 1
    # Database ids repeat across tests; cached counts keyed by them would leak between tests.
    settings.QUEUE_COUNTS_CACHE_SECONDS = 0
    # Django's own password hashing is not under test; Argon2 at full cost would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Abuse resistance (tipline/abuse.py) is tested in tests/tipline/test_abuse_*.py; elsewhere a
    # report may be sent at once and no limit is reached (the cache may be a Redis shared by runs).
    settings.TIPLINE_FORM_MIN_FILL_SECONDS = 0
    settings.TIPLINE_NEW_TIPS_PER_MINUTE = 1_000_000
    settings.TIPLINE_NEW_TIPS_BURST = 1_000_000
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_MINUTE = 1_000_000
    settings.TIPLINE_RECEIPT_ATTEMPTS_PER_LOOKUP_PER_HOUR = 1_000_000
    settings.TIPLINE_REPLIES_PER_TIP_PER_DAY = 1_000
    settings.TIPLINE_ATTACHMENTS_PER_TIP = 1_000
    settings.TIPLINE_PHONE_TIPS_PER_HOUR = 1_000
    # The limit on all staff logins together is tested in tests/accounts/test_login_hardening.py.
    settings.TIPLINE_LOGIN_ATTEMPTS_PER_MINUTE = 1_000_000
    yield settings


@pytest.fixture
def memory_store(tipline_settings: LazySettings) -> Storage:
    """Make the attachment store Django's InMemoryStorage for this test, by configuration only; return it."""
    tipline_settings.STORAGES = attachment_storage("django.core.files.storage.InMemoryStorage")
    return storage.attachment_store()


@pytest.fixture
def fresh_cache(settings: LazySettings) -> None:
    """Give a test its own cache: the run's cache may be a Redis shared with other runs, and
    one test's "already sent today" marks must not reach another."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks inline even when REDIS_URL (and so a real broker) is configured for the run."""
    from config.celery import app as celery_app

    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=before[0], task_eager_propagates=before[1])


# The identity custodian private keys made by the `units` fixture, by key pair id (the `custodian` fixture
# grants them): a test's key lives only as long as its database.
CUSTODIAN_PRIVATE_KEYS: dict[int, bytes] = {}


@pytest.fixture
def units(db: None) -> dict[str, Unit]:
    """The national unit and two regional offices, and an identity custodian key (contacts are sealed to it)."""
    keypair, private_key = custodian_keypair_create()
    CUSTODIAN_PRIVATE_KEYS[keypair.pk] = private_key
    return {
        "national": Unit.objects.create(slug="national", name="National IA", kind=Unit.Kind.NATIONAL),
        "lima": Unit.objects.create(slug="lima", name="Lima IA", kind=Unit.Kind.REGIONAL),
        "norte": Unit.objects.create(slug="norte", name="Norte IA", kind=Unit.Kind.REGIONAL),
    }


@pytest.fixture
def facilities(units: dict[str, Unit]) -> dict[str, Facility]:
    lima = Region.objects.create(name="Lima", unit=units["lima"])
    norte = Region.objects.create(name="Norte", unit=units["norte"])
    return {
        "lurigancho": Facility.objects.create(name="E.P. Lurigancho (test)", region=lima, population=6500),
        "trujillo": Facility.objects.create(name="E.P. Trujillo (test)", region=norte, population=3300),
    }


def _staff(username: str, role: str) -> StaffMember:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)  # random key
    return staff_member_create(user=user, role=role, password=PASSWORD)


@pytest.fixture
def cast(units: dict[str, Unit], facilities: dict[str, Facility]) -> dict[str, StaffMember]:
    """Create the named actors and give each unit a key granted to its members."""
    members = {
        "lima_investigator": _staff("lima_investigator", Role.INVESTIGATOR),
        "lima_supervisor": _staff("lima_supervisor", Role.SUPERVISOR),
        "norte_investigator": _staff("norte_investigator", Role.INVESTIGATOR),
        "national_investigator": _staff("national_investigator", Role.INVESTIGATOR),
        "manager": _staff("manager", Role.MANAGER),
        "admin": _staff("admin", Role.ADMINISTRATOR),
    }
    grants = {
        "lima": ["lima_investigator", "lima_supervisor"],
        "norte": ["norte_investigator"],
        "national": ["national_investigator"],
    }
    for slug, names in grants.items():
        keypair, private_key = unit_keypair_create(unit=units[slug])
        for name in names:
            membership_grant(member=members[name], keypair=keypair, unit_private_key=private_key)
    return members


@pytest.fixture
def national_supervisor(cast: dict[str, StaffMember], units: dict[str, Unit]) -> StaffMember:
    """A supervisor of the national unit: the one who approves routing changes (approvals/services.py)."""
    member = _staff("national_supervisor", Role.SUPERVISOR)
    keypair, private_key = unit_keypair_create(unit=units["national"])
    for name in ("national_supervisor", "national_investigator"):
        holder = member if name == "national_supervisor" else cast[name]
        membership_grant(member=holder, keypair=keypair, unit_private_key=private_key)
    return member


@pytest.fixture
def custodian(units: dict[str, Unit]) -> StaffMember:
    """The identity custodian: holds the custodian key, belongs to no unit (identity/)."""
    member = _staff("custodian", Role.CUSTODIAN)
    keypair = CustodianKeyPair.active()
    assert keypair is not None
    custodian_grant(member=member, keypair=keypair, custodian_private_key=CUSTODIAN_PRIVATE_KEYS[keypair.pk])
    return member


def totp_code(username: str) -> str:
    """Return the current login code of the user's authenticator, enrolling one if they have none.

    django-otp accepts each code once (a replay guard), so this also forgets the
    last code used: the same actor may log in several times within one 30-second step.
    """
    user = get_user_model().objects.get(username=username)
    device = staff_totp_device(user=user) or TOTPDevice.objects.create(user=user, name="authenticator")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0, throttling_failure_count=0)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def staff_client(username: str, password: str = PASSWORD) -> Client:
    """Return a test client logged in, password and TOTP code, through the real login page (which unlocks the keys)."""
    client = Client()
    response = client.post(
        "/staff/login/", {"username": username, "password": password, "otp_token": totp_code(username)}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


# The suite's own clamd (tests/clamav.py): `clamd`, `clamd_down`, and the session's `clamd_run_dir`.
from tests.clamav import clamd, clamd_down, clamd_run_dir  # noqa: E402, F401

# The suite's S3-compatible server (tests/objectstore.py): `s3_store`, `s3_bucket`, and the session's `s3_endpoint`.
from tests.objectstore import s3_bucket, s3_endpoint, s3_store  # noqa: E402, F401
