"""The restore drill: it counts a lost tip as lost, passes a sound restore, and never touches test databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backups.drill import BASE_DIR, DrillFailed, refuse_test_name
from backups.drill_phases import populate, verify
from tipline import storage
from tipline.models import Attachment, Tip

TIPS = 3


@pytest.mark.django_db
def test_verify_opens_every_tip_three_ways(escrow_private_key: bytes) -> None:
    expectations = populate(tips=TIPS, seed=7)

    result = verify(expectations=expectations, escrow_private_key=escrow_private_key)

    assert (result.tips_expected, result.tips_restored, result.lost) == (TIPS, TIPS, 0)
    assert (result.for_unit, result.via_escrow, result.via_receipt) == (TIPS, TIPS, TIPS)
    assert result.attachments_verified == Attachment.objects.count()
    assert result.notes_verified == 1  # tip 0 gets a note (every fifth tip)
    assert result.failures == []


@pytest.mark.django_db
def test_verify_counts_a_tip_whose_attachment_is_gone_as_lost(escrow_private_key: bytes) -> None:
    expectations = populate(tips=TIPS, seed=7)
    damaged = Tip.objects.get(public_id=expectations.tips[1].public_id)
    storage.delete(damaged.attachments.first().storage_name)  # type: ignore[union-attr]

    result = verify(expectations=expectations, escrow_private_key=escrow_private_key)

    assert result.lost == 1
    assert (result.for_unit, result.via_escrow, result.via_receipt) == (TIPS - 1, TIPS - 1, TIPS - 1)
    assert all(str(damaged.public_id) in failure for failure in result.failures)
    assert len(result.failures) == 3


@pytest.mark.django_db
def test_verify_counts_a_tip_missing_from_the_restore_as_lost(escrow_private_key: bytes) -> None:
    expectations = populate(tips=TIPS, seed=7)
    expectations.tips[2].public_id = "00000000-0000-4000-8000-000000000000"

    result = verify(expectations=expectations, escrow_private_key=escrow_private_key)

    assert (result.tips_restored, result.lost) == (TIPS - 1, 1)
    assert result.failures == ["tip 00000000-0000-4000-8000-000000000000: not in the restored database"]


def test_the_drill_refuses_the_test_suites_databases() -> None:
    with pytest.raises(DrillFailed, match="names starting with 'test' belong to the test suite"):
        refuse_test_name("test_tipline")
    refuse_test_name("tipline_drill_src")


def drill_environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_"))}
    env.update(extra)
    return env


def test_the_drill_command_refuses_a_test_database_before_connecting() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "backups.drill", "--source-db", "test_restore"],
        cwd=BASE_DIR,
        env=drill_environment(DATABASE_URL="postgres://postgres@127.0.0.1:1/postgres"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "refusing database 'test_restore'" in completed.stderr


def test_the_drill_command_passes_on_sqlite_and_cleans_up(tmp_path: Path) -> None:
    workdir = tmp_path / "drill"
    completed = subprocess.run(
        [sys.executable, "-m", "backups.drill", "--tips", "4", "--workdir", str(workdir)],
        cwd=BASE_DIR,
        env=drill_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    figures = completed.stdout
    for label in ("tips in source", "tips restored", "decrypted for their unit", "decrypted via escrow"):
        assert re.search(rf"{label}\s+4\n", figures), figures
    assert re.search(r"opened by their receipt\s+4\n", figures)
    assert re.search(r"tips lost\s+0\n", figures)
    assert "equal in source, manifest and target" in figures
    assert "chain head equals the manifest" in figures
    assert re.search(r"plaintext or secrets in backup\s+none\n", figures)
    assert "Restore drill PASSED: 4 of 4 tips restored, 0 lost." in figures
    assert not workdir.exists()


def test_the_drill_with_attachments_in_s3_buckets_restores_every_file_into_the_target_bucket(tmp_path: Path) -> None:
    """`--object-store s3`: each instance keeps its files in its own bucket (a moto server the drill starts)."""
    workdir = tmp_path / "drill"
    completed = subprocess.run(
        [sys.executable, "-m", "backups.drill", "--tips", "3", "--workdir", str(workdir), "--object-store", "s3"],
        cwd=BASE_DIR,
        env={key: value for key, value in drill_environment().items() if not key.startswith("TIPLINE_S3_")},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    figures = completed.stdout
    assert "S3 buckets tipline-drill-source -> tipline-drill-target" in figures
    verified = re.search(r"attachments verified \(sha256\)\s+(\d+)\n", figures)
    assert verified, figures
    assert re.search(rf"objects in source, target bucket\s+{verified.group(1)}, {verified.group(1)}\n", figures)
    assert re.search(r"plaintext in the buckets\s+none\n", figures)
    assert "Restore drill PASSED: 3 of 3 tips restored, 0 lost." in figures
    assert not workdir.exists()
