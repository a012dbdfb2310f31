"""A bucket backs up and restores like any store: every object into the backup folder, then into a target bucket.

What an operator would check: the backup holds the bucket's objects (ciphertext,
no canary), the restore writes them into an empty target bucket where the tip's file
is byte for byte what the source held, and a target bucket that already holds objects is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from backups.database import BackupError, Database
from tests.backups.conftest import Canary, make_backup, restore_into
from tests.objectstore import s3_client, s3_options
from tipline import storage
from tipline.models import Attachment
from tipline.storage_s3 import AttachmentS3Storage

pytestmark = pytest.mark.django_db(transaction=True)


def target_bucket(endpoint: str, name: str) -> AttachmentS3Storage:
    s3_client(endpoint).create_bucket(Bucket=name)
    return AttachmentS3Storage(**s3_options(endpoint, name))


def test_a_bucket_is_backed_up_and_restored_into_an_empty_target_bucket(
    s3_store: AttachmentS3Storage, s3_endpoint: str, canary: Canary, target_database: Database, tmp_path: Path
) -> None:
    attachment = Attachment.objects.get()
    [name] = storage.file_names()
    assert name == attachment.storage_name

    backup = make_backup(tmp_path / "backup")

    copied = (backup.out_dir / "attachments" / name).read_bytes()
    assert copied == s3_store.open(name).read()
    assert canary.text.encode() not in copied
    assert backup.manifest.attachments == {"referenced": 1, "copied": 1, "unreferenced": 0, "skipped": 0}

    target = target_bucket(s3_endpoint, f"{s3_store.bucket_name}-restored")
    result = restore_into(backup.out_dir, target_database, target)

    assert result.attachment_files == 1
    assert storage.file_names(store=target) == [name]
    assert target.open(name).read() == copied  # the tip's file, byte for byte (decryption: test_round_trip.py)


def test_a_restore_into_a_bucket_that_holds_objects_is_refused(
    s3_store: AttachmentS3Storage, s3_endpoint: str, canary: Canary, target_database: Database, tmp_path: Path
) -> None:
    backup = make_backup(tmp_path / "backup")
    target = target_bucket(s3_endpoint, f"{s3_store.bucket_name}-busy")
    target.save(storage.new_storage_name(), ContentFile(b"left over"))

    with pytest.raises(BackupError, match=f"the target attachment store bucket {target.bucket_name!r} is not empty"):
        restore_into(backup.out_dir, target_database, target)
