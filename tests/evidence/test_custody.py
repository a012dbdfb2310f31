"""The chain of custody: only the holder hands an exhibit over, signing with their password; tampering shows."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import StaffMember
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseEvent
from cases.permissions import CaseActionRefused
from evidence.custody import (
    FIRST_PREV_DIGEST,
    custody_destroy,
    custody_hand_over,
    custody_transfer,
    custody_verify,
)
from evidence.models import CustodyEntry, Exhibit, ExhibitStatus
from tests.conftest import PASSWORD, staff_client
from tests.evidence.conftest import vault_of

pytestmark = pytest.mark.django_db


def transfer(exhibit: Exhibit, giver: StaffMember, taker: StaffMember, password: str = PASSWORD) -> CustodyEntry:
    return custody_transfer(
        exhibit=exhibit,
        to_member=taker,
        actor=giver,
        password=password,
        remarks="En bolsa sellada 0042",
        vault=vault_of(giver),
    )


def test_registering_writes_the_first_entry_signed_by_the_registrar(
    exhibit: Exhibit, cast: dict[str, StaffMember]
) -> None:
    entry = exhibit.custody.get()
    assert (entry.seq, entry.kind, entry.prev_digest) == (1, CustodyEntry.Kind.REGISTERED, FIRST_PREV_DIGEST)
    assert entry.signed_by == cast["lima_investigator"] == exhibit.holder
    audited = AuditEvent.objects.get(action=AuditAction.CUSTODY_CHANGED)
    assert audited.details == {"exhibit": str(exhibit.public_id), "seq": 1, "digest": entry.digest}
    assert custody_verify(exhibit).ok


def test_the_holder_hands_it_to_a_colleague_with_their_password(
    exhibit: Exhibit, case: Case, cast: dict[str, StaffMember]
) -> None:
    entry = transfer(exhibit, cast["lima_investigator"], cast["lima_supervisor"])
    exhibit.refresh_from_db()
    assert exhibit.holder == cast["lima_supervisor"]
    assert (entry.seq, entry.from_member, entry.signed_by) == (2, cast["lima_investigator"], cast["lima_investigator"])
    assert b"0042" not in bytes(entry.remarks_ct)
    assert case.events.filter(kind=CaseEvent.Kind.CUSTODY_CHANGED).exists()
    assert custody_verify(exhibit).ok


def test_a_wrong_password_is_refused_and_changes_nothing(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    with pytest.raises(CaseActionRefused):
        transfer(exhibit, cast["lima_investigator"], cast["lima_supervisor"], password="not my password")
    exhibit.refresh_from_db()
    assert exhibit.holder == cast["lima_investigator"]
    assert exhibit.custody.count() == 1


def test_only_the_holder_can_hand_it_over(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    with pytest.raises(CaseActionRefused):
        transfer(exhibit, cast["lima_supervisor"], cast["lima_supervisor"])
    with pytest.raises(CaseActionRefused):
        custody_hand_over(
            exhibit=exhibit,
            to_outside="Fiscalía",
            actor=cast["lima_supervisor"],
            password=PASSWORD,
            remarks="",
            vault=vault_of(cast["lima_supervisor"]),
        )
    assert exhibit.custody.count() == 1


def test_it_cannot_go_to_someone_outside_the_unit(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    with pytest.raises(CaseActionRefused):
        transfer(exhibit, cast["lima_investigator"], cast["norte_investigator"])
    assert exhibit.custody.count() == 1


def test_handed_over_to_the_prosecutor_it_leaves_the_unit(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    investigator = cast["lima_investigator"]
    custody_hand_over(
        exhibit=exhibit,
        to_outside="Fiscalía Provincial Penal de Lima",
        actor=investigator,
        password=PASSWORD,
        remarks="Acta 15",
        vault=vault_of(investigator),
    )
    exhibit.refresh_from_db()
    assert (exhibit.status, exhibit.holder) == (ExhibitStatus.HANDED_OVER, None)
    with pytest.raises(CaseActionRefused):
        custody_destroy(
            exhibit=exhibit, actor=investigator, password=PASSWORD, remarks="", vault=vault_of(investigator)
        )
    assert custody_verify(exhibit).ok


@pytest.fixture
def chain(exhibit: Exhibit, cast: dict[str, StaffMember]) -> Exhibit:
    """An exhibit with three entries: registered, handed to the supervisor, handed back."""
    transfer(exhibit, cast["lima_investigator"], cast["lima_supervisor"])
    exhibit.refresh_from_db()
    transfer(exhibit, cast["lima_supervisor"], cast["lima_investigator"])
    assert custody_verify(exhibit).ok
    return exhibit


def test_a_changed_recipient_is_detected(chain: Exhibit, cast: dict[str, StaffMember]) -> None:
    CustodyEntry.objects.filter(exhibit=chain, seq=2).update(to_member=cast["lima_investigator"])
    result = custody_verify(chain)
    assert (result.ok, result.broken_seq) == (False, 2)


def test_a_deleted_entry_is_detected(chain: Exhibit) -> None:
    CustodyEntry.objects.filter(exhibit=chain, seq=2).delete()
    assert custody_verify(chain).broken_seq == 2


def test_the_last_entry_deleted_is_detected(chain: Exhibit) -> None:
    CustodyEntry.objects.filter(exhibit=chain, seq=3).delete()
    assert custody_verify(chain).broken_seq == 3


def test_a_changed_time_is_detected(chain: Exhibit) -> None:
    entry = CustodyEntry.objects.get(exhibit=chain, seq=3)
    CustodyEntry.objects.filter(pk=entry.pk).update(at=entry.at - datetime.timedelta(days=2))
    assert custody_verify(chain).broken_seq == 3


def test_a_rewritten_chain_does_not_match_the_audit_log(chain: Exhibit, cast: dict[str, StaffMember]) -> None:
    """Someone who recomputes every digest after a change is still caught by the audit chain."""
    from evidence.custody import entry_digest

    prev = FIRST_PREV_DIGEST
    for entry in CustodyEntry.objects.filter(exhibit=chain).order_by("seq"):
        if entry.seq == 2:
            entry.to_outside_ct = b"nadie"
        entry.prev_digest = prev
        entry.digest = entry_digest(entry, exhibit_id=chain.public_id)
        CustodyEntry.objects.filter(pk=entry.pk).update(
            to_outside_ct=entry.to_outside_ct, prev_digest=entry.prev_digest, digest=entry.digest
        )
        prev = entry.digest
    assert custody_verify(chain).broken_seq == 2


def test_the_exhibit_page_says_whether_the_chain_holds(chain: Exhibit) -> None:
    client = staff_client("lima_supervisor")
    page = client.get(f"/staff/evidence/exhibits/{chain.public_id}/").content.decode()
    assert 'id="custody-verified"' in page
    assert "En bolsa sellada 0042" in page
    CustodyEntry.objects.filter(exhibit=chain, seq=2).delete()
    page = client.get(f"/staff/evidence/exhibits/{chain.public_id}/").content.decode()
    assert 'id="custody-broken"' in page


def test_handing_over_through_the_page(exhibit: Exhibit, cast: dict[str, StaffMember]) -> None:
    client = staff_client("lima_investigator")
    url = f"/staff/evidence/exhibits/{exhibit.public_id}/transfer/"
    supervisor = cast["lima_supervisor"]
    page = client.post(
        url, {"transfer-to_member": supervisor.pk, "transfer-password": "wrong", "transfer-remarks": ""}, follow=True
    ).content.decode()
    assert "Esa no es su contraseña" in page
    exhibit.refresh_from_db()
    assert exhibit.holder == cast["lima_investigator"]
    client.post(url, {"transfer-to_member": supervisor.pk, "transfer-password": PASSWORD, "transfer-remarks": "ok"})
    exhibit.refresh_from_db()
    assert exhibit.holder == supervisor
    assert custody_verify(exhibit).ok
