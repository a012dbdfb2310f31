"""The checks after the run, in-process against the chaos instance's database and store.

- Tips: every receipt a client saw opens its tip (`tip_open_with_receipt`); the
  description decrypts to what was sent, through the receipt, through the unit's
  key (a unit member's password -> member key -> unit key) and through the escrow
  key; every attachment decrypts to the SHA-256 of what was sent (minus the
  metadata the server strips); every reply that got a success answer exists and
  decrypts, with its file. Tips and replies stored although the client never saw
  the success (a connection cut after the commit) are counted apart, not as lost.
- Digests: each unit member got exactly one summary mail for the day.
- Roll-ups: the tables the incremental refreshes wrote equal a full rebuild.

The pure comparisons are separate functions, unit-tested in tests/chaos/.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message as MailMessage
from pathlib import Path
from typing import Any, TypedDict

from chaos.ledger import SentFile, SentReply, SentTip

MARKER = re.compile(r"\[(chaos-[0-9a-f]{32})\]")
# Django's file mail backend writes this line after each message.
MAIL_SEPARATOR = b"-" * 79


# --- pure comparisons ------------------------------------------------------------------------------------


def markers_in(text: str) -> list[str]:
    return MARKER.findall(text)


def files_match(sent: Iterable[SentFile], stored_sha256: Iterable[str]) -> tuple[int, int]:
    """Return (files stored as expected, files missing or different), comparing as multisets."""
    expected = Counter(f.expected_sha256 for f in sent)
    stored = Counter(stored_sha256)
    verified = sum((expected & stored).values())
    return verified, sum(expected.values()) - verified


@dataclass(frozen=True)
class ReplyOutcome:
    found: int  # accepted replies stored (once or more)
    lost: int  # accepted replies not stored
    repeated: int  # replies stored more than once (a retry after an unseen success)
    unseen_stored: int  # replies stored although the client never saw the success


def replies_outcome(sent: Iterable[SentReply], stored_bodies: Iterable[str]) -> ReplyOutcome:
    """Compare the replies a client sent with the bodies stored on the tip."""
    stored = Counter(stored_bodies)
    found = lost = repeated = unseen = 0
    for reply in sent:
        copies = stored.get(reply.body, 0)
        if reply.accepted:
            found, lost = (found + 1, lost) if copies else (found, lost + 1)
        elif copies:
            unseen += 1
        repeated += max(0, copies - 1)
    return ReplyOutcome(found=found, lost=lost, repeated=repeated, unseen_stored=unseen)


@dataclass(frozen=True)
class DigestOutcome:
    """The summary mails of the day: sent, duplicated, and not sent (with or without a reason)."""

    expected: int
    sent: int
    duplicated: dict[str, int]  # address -> extra copies
    missing: list[str]  # not sent, and no task claimed the day: a task was lost
    lost_mid_send: list[str]  # not sent, but the day was claimed: a worker was killed while sending
    unexpected: list[str]

    @property
    def at_most_once(self) -> bool:
        return not self.duplicated and not self.unexpected


def digest_outcome(expected: Counter[str], received: Counter[str], *, claimed: set[str]) -> DigestOutcome:
    """Compare the summary mails each address should have got with those it got.

    `claimed` holds the addresses of the units whose "sent today" mark is set: a
    mail missing there was lost to a worker killed mid-send, which the digest
    accepts by design (at most once) rather than risk sending it twice.
    """
    duplicated = {a: received[a] - n for a, n in expected.items() if received[a] > n}
    short = sorted(a for a, n in expected.items() if received[a] < n)
    unexpected = sorted(a for a in received if a not in expected)
    return DigestOutcome(
        expected=sum(expected.values()),
        sent=sum(received.values()),
        duplicated=duplicated,
        missing=[a for a in short if a not in claimed],
        lost_mid_send=[a for a in short if a in claimed],
        unexpected=unexpected,
    )


def mails_in(directory: Path) -> list[MailMessage]:
    """Return every message Django's file backend wrote into `directory`."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.lstrip(b"\n")))
    return messages


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot_difference(current: Snapshot, rebuilt: Snapshot) -> dict[str, dict[str, int]]:
    """Return, per table that differs, how many rows only the current tables have and only the rebuild has."""
    differences = {}
    for table in sorted(set(current) | set(rebuilt)):
        ours, theirs = Counter(current.get(table, [])), Counter(rebuilt.get(table, []))
        only_current, only_rebuilt = sum((ours - theirs).values()), sum((theirs - ours).values())
        if only_current or only_rebuilt:
            differences[table] = {"only_incremental": only_current, "only_rebuild": only_rebuilt}
    return differences


# --- tips, in the database ------------------------------------------------------------------------------


class JourneyFigures(TypedDict):
    """The sections of a run's figures that say what became of the people's tips, replies and files."""

    tips: dict[str, Any]
    replies: dict[str, int]
    attachments: dict[str, int]


@dataclass
class TipFigures:
    receipts_seen: int = 0
    opened_with_receipt: int = 0
    description_ok: int = 0
    opened_for_unit: int = 0
    opened_with_escrow: int = 0
    lost: list[str] = field(default_factory=list)
    attachments_expected: int = 0
    attachments_verified: int = 0
    attachments_wrong: int = 0
    replies_accepted: int = 0
    replies_found: int = 0
    replies_lost: int = 0
    replies_repeated: int = 0
    replies_stored_unseen: int = 0
    tips_stored: int = 0
    tips_stored_receipt_unseen: int = 0
    tips_stored_twice: int = 0
    problems: list[str] = field(default_factory=list)

    def as_figures(self, sent: list[SentTip]) -> JourneyFigures:
        """Return the "tips", "replies" and "attachments" sections of a run's figures (chaos's and the scale drill's)."""
        return {
            "tips": {
                "accepted": self.receipts_seen,
                "lost": len(set(self.lost)),
                "opened_with_receipt": self.opened_with_receipt,
                "description_ok": self.description_ok,
                "opened_for_unit": self.opened_for_unit,
                "opened_with_escrow": self.opened_with_escrow,
                "stored_of_this_run": self.tips_stored,
                "stored_receipt_unseen": self.tips_stored_receipt_unseen,
                "stored_twice": self.tips_stored_twice,
                "gave_up": sum(1 for tip in sent if not tip.receipt),
                "problems": self.problems,
            },
            "replies": {
                "accepted": self.replies_accepted,
                "found": self.replies_found,
                "lost": self.replies_lost,
                "repeated": self.replies_repeated,
                "stored_unseen": self.replies_stored_unseen,
            },
            "attachments": {
                "expected": self.attachments_expected,
                "verified": self.attachments_verified,
                "wrong": self.attachments_wrong,
            },
        }


def _sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _unit_keys(password: str) -> dict[str, bytes]:
    """Unlock, with a member's password, the key of every unit that has an investigator or supervisor.

    Members with another password (an account a drill made for itself) are passed over.
    """
    import envelope
    from accounts.keys import staff_unlock_keys
    from accounts.models import Role, StaffMember

    keys: dict[str, bytes] = {}
    members = StaffMember.objects.filter(role__in=[Role.INVESTIGATOR, Role.SUPERVISOR]).order_by("pk")
    for member in members:
        try:
            keys.update(staff_unlock_keys(member=member, password=password))
        except envelope.CryptoError:
            continue
    return keys


def _stored_markers(escrow_private_key: bytes) -> Counter[str]:
    """Decrypt every tip through the escrow key and count the chaos markers in the descriptions."""
    import envelope
    from tipline.models import Tip

    found: Counter[str] = Counter()
    for tip in Tip.objects.only("public_id", "data_key_for_escrow", "description_ct").iterator():
        data_key = envelope.open_tip_with_escrow(tip, escrow_private_key=escrow_private_key)
        text = envelope.open_field(envelope.TIP, "description", tip, tip.public_id, key=data_key)
        found.update(markers_in(text))
    return found


class TipVerifier:
    """Check every tip of the ledger against the database and the attachment store."""

    def __init__(self, *, escrow_private_key: bytes, staff_password: str) -> None:
        self.escrow_private_key = escrow_private_key
        self.unit_keys = _unit_keys(staff_password)
        self.figures = TipFigures()

    def run(self, tips: list[SentTip]) -> TipFigures:
        stored = _stored_markers(self.escrow_private_key)
        figures = self.figures
        figures.tips_stored = sum(stored.values())
        for sent in tips:
            copies = stored.get(sent.marker, 0)
            figures.tips_stored_twice += max(0, copies - 1)
            if sent.receipt:
                self._check_tip(sent)
            elif copies:
                figures.tips_stored_receipt_unseen += 1
        return figures

    def _check_tip(self, sent: SentTip) -> None:
        from tipline.services import tip_open_with_receipt

        figures = self.figures
        figures.receipts_seen += 1
        assert sent.receipt is not None
        opened = tip_open_with_receipt(receipt_text=sent.receipt)
        if opened is None:
            figures.lost.append(sent.marker)
            figures.problems.append(f"{sent.marker}: the receipt opens no tip")
            return
        tip, data_key = opened
        figures.opened_with_receipt += 1
        self._check_keys(sent, tip, data_key)
        self._check_content(sent, tip, data_key)

    def _check_keys(self, sent: SentTip, tip: Any, data_key: bytes) -> None:
        import envelope
        from accounts.keys import vault_unit_key_name

        unit_key = self.unit_keys.get(vault_unit_key_name(tip.unit_keypair_id))
        try:
            if unit_key and envelope.open_tip_for_unit(tip, unit_private_key=unit_key) == data_key:
                self.figures.opened_for_unit += 1
            else:
                self.figures.problems.append(f"{sent.marker}: no unit member can open it")
            escrowed = envelope.open_tip_with_escrow(tip, escrow_private_key=self.escrow_private_key)
            if escrowed == data_key:
                self.figures.opened_with_escrow += 1
            else:
                self.figures.problems.append(f"{sent.marker}: the escrow copy is another key")
        except envelope.CryptoError:
            self.figures.problems.append(f"{sent.marker}: a sealed copy of the data key does not open")

    def _check_content(self, sent: SentTip, tip: Any, data_key: bytes) -> None:
        from tipline.models import Message
        from tipline.selectors import attachment_plaintext, tip_content

        figures = self.figures
        content = tip_content(tip=tip, data_key=data_key)
        if content.description == sent.description:
            figures.description_ok += 1
        else:
            figures.problems.append(f"{sent.marker}: the description decrypts to other text")
            figures.lost.append(sent.marker)
        by_message: dict[int | None, list[str]] = {}
        for attachment in tip.attachments.select_related("tip").order_by("pk"):
            _view, chunks = attachment_plaintext(attachment=attachment, data_key=data_key)
            by_message.setdefault(attachment.message_id, []).append(_sha256_of(chunks))
        self._count_files(sent.marker, sent.files, by_message.get(None, []))

        stored_replies = {
            message.public_id: message for message in tip.messages.filter(author_kind=Message.Author.WHISTLEBLOWER)
        }
        bodies = {view.public_id: view.body for view in content.messages if view.public_id in stored_replies}
        outcome = replies_outcome(sent.replies, bodies.values())
        figures.replies_accepted += sum(1 for reply in sent.replies if reply.accepted)
        figures.replies_found += outcome.found
        figures.replies_lost += outcome.lost
        figures.replies_repeated += outcome.repeated
        figures.replies_stored_unseen += outcome.unseen_stored
        if outcome.lost:
            figures.problems.append(f"{sent.marker}: {outcome.lost} accepted repl(ies) missing")
        for reply in sent.replies:
            if not reply.accepted:
                continue
            stored_files = [
                sha
                for public_id, body in bodies.items()
                if body == reply.body
                for sha in by_message.get(stored_replies[public_id].pk, [])
            ]
            # A reply stored twice carries its file twice: compare with one copy's worth.
            self._count_files(sent.marker, reply.files, stored_files[: len(reply.files)] if reply.files else [])

    def _count_files(self, marker: str, sent: list[SentFile], stored: list[str]) -> None:
        verified, wrong = files_match(sent, stored)
        self.figures.attachments_expected += len(sent)
        self.figures.attachments_verified += verified
        self.figures.attachments_wrong += wrong
        if wrong:
            self.figures.problems.append(f"{marker}: {wrong} file(s) missing or different")


# --- digests, roll-ups, store ---------------------------------------------------------------------------


def digest_check(mail_dir: Path, *more_dirs: Path, day: str) -> DigestOutcome:
    """Compare the summary mails in `mail_dir` and `more_dirs` with one per member of each unit for `day`."""
    from cases.digest import unit_digest_recipients
    from cases.models import DailyMailSent
    from org.models import Unit

    claimed_units = set(
        DailyMailSent.objects.filter(kind=DailyMailSent.Kind.UNIT_DIGEST, day=day).values_list("owner_id", flat=True)
    )
    expected: Counter[str] = Counter()
    claimed: set[str] = set()
    for unit in Unit.objects.order_by("pk"):
        recipients = unit_digest_recipients(unit=unit)
        expected.update(recipients)
        if unit.pk in claimed_units:
            claimed.update(recipients)
    received: Counter[str] = Counter(
        str(message["To"]) for directory in (mail_dir, *more_dirs) for message in mails_in(directory)
    )
    return digest_outcome(expected, received, claimed=claimed)


def rollup_snapshot() -> Snapshot:
    """Return every roll-up row and spike alert as sorted tuples without ids (trends/selectors.py)."""
    from trends.selectors import rollups_snapshot

    return rollups_snapshot()


class _Preview(Exception):
    """Raised to roll back a rebuild that was only computed to be compared."""


def rebuild_preview() -> Snapshot:
    """Return what a full rebuild would write, without keeping it (the transaction is rolled back)."""
    from django.db import transaction

    from trends.services import rollups_rebuild

    result: Snapshot = {}
    try:
        with transaction.atomic():
            rollups_rebuild()
            result = rollup_snapshot()
            raise _Preview
    except _Preview:
        pass
    return result


def store_orphans() -> int:
    """Return how many files in the attachment store no attachment row names (aborted uploads)."""
    from tipline import storage
    from tipline.models import Attachment

    named = set(Attachment.objects.values_list("storage_name", flat=True))
    # A partial file (a save cut short) is never named: it counts as an orphan too.
    return sum(1 for name in storage.file_names() if name not in named)
