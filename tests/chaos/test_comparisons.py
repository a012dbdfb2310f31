"""The verifier's comparisons: files as multisets, replies, digest mails and roll-up snapshots."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from chaos import files as chaos_files
from chaos.ledger import SentReply
from chaos.verify import digest_outcome, files_match, mails_in, replies_outcome, snapshot_difference


def test_files_compare_by_the_bytes_the_server_must_keep() -> None:
    photo = chaos_files.jpeg(1, with_exif=True)
    note = chaos_files.text(2)
    assert photo.data != photo.expected
    assert files_match([photo, note], [note.expected_sha256, photo.expected_sha256]) == (2, 0)
    assert files_match([photo, note], [note.expected_sha256]) == (1, 1)
    assert files_match([photo], [photo.expected_sha256, photo.expected_sha256]) == (1, 0)


def test_replies_accepted_must_be_stored_others_are_counted_apart() -> None:
    kept = SentReply(body="uno", files=[], accepted=True)
    lost = SentReply(body="dos", files=[], accepted=True)
    unseen = SentReply(body="tres", files=[])
    outcome = replies_outcome([kept, lost, unseen], ["uno", "uno", "tres"])
    assert (outcome.found, outcome.lost, outcome.repeated, outcome.unseen_stored) == (1, 1, 1, 1)


def test_digest_mails_duplicates_missing_and_lost_mid_send() -> None:
    expected = Counter({"ana@example.org": 1, "luis@example.org": 1, "eva@example.org": 1})
    received = Counter({"ana@example.org": 2, "zoe@example.org": 1})
    outcome = digest_outcome(expected, received, claimed={"eva@example.org"})
    assert outcome.duplicated == {"ana@example.org": 1}
    assert outcome.missing == ["luis@example.org"]
    assert outcome.lost_mid_send == ["eva@example.org"]
    assert outcome.unexpected == ["zoe@example.org"]
    assert not outcome.at_most_once
    assert digest_outcome(expected, Counter(expected), claimed=set()).at_most_once


def test_mails_are_read_from_the_file_backend(tmp_path: Path) -> None:
    separator = "-" * 79
    (tmp_path / "20261127-1.log").write_text(
        f"Subject: [Tipline] Resumen\nTo: ana@example.org\n\nuno\n{separator}\n"
        f"Subject: [Tipline] Resumen\nTo: luis@example.org\n\ndos\n{separator}\n"
    )
    assert [str(m["To"]) for m in mails_in(tmp_path)] == ["ana@example.org", "luis@example.org"]


def test_snapshots_differ_by_the_rows_only_one_side_has() -> None:
    current = {"tips": [(1, "2026-11-23", 3), (2, "2026-11-23", 1)], "alerts": []}
    rebuilt = {"tips": [(1, "2026-11-23", 4), (2, "2026-11-23", 1)], "alerts": []}
    assert snapshot_difference(current, rebuilt) == {"tips": {"only_incremental": 1, "only_rebuild": 1}}
    assert snapshot_difference(rebuilt, rebuilt) == {}
