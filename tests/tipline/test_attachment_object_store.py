"""Attachments in an S3-compatible bucket (tipline/storage_s3.py), against a real S3 server (moto's, tests/objectstore.py).

A reviewer's questions: does a report's file land in the bucket as ciphertext only,
and open for staff and with the receipt; does an upload stream in parts, holding
about one part at a time, and leave nothing (no object, no unfinished upload) when
it is abandoned; does the nightly sweep delete an old orphan object and abort an old
unfinished upload but keep a tip's file; and do /healthz and the start-up check say
so, quickly, when the bucket cannot be reached?
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from envelope import primitives as crypto
from org.models import Facility
from tests.conftest import attachment_storage, staff_client
from tests.factories import receipt_from, report_data
from tests.objectstore import free_port, s3_client, s3_options
from tipline import storage
from tipline.models import Attachment, Tip
from tipline.storage_s3 import PART_BYTES, AttachmentS3Storage, MultipartCiphertextWriter
from tipline.tasks import ORPHAN_AFTER_SECONDS, sweep_orphan_attachments

pytestmark = pytest.mark.django_db

# Plain text: stored as sent, so its words would show in the object if anything were stored in the clear.
CANARY = b"CANARIO-DEL-BUCKET la lista de visitas del domingo\n"
EVIDENCE = CANARY * 2000


def bucket_keys(store: AttachmentS3Storage) -> list[str]:
    listing = s3_client(store.endpoint_url).list_objects_v2(Bucket=store.bucket_name)
    return sorted(entry["Key"] for entry in listing.get("Contents", ()))


def unfinished_uploads(store: AttachmentS3Storage) -> list[dict[str, Any]]:
    uploads: list[dict[str, Any]] = (
        s3_client(store.endpoint_url).list_multipart_uploads(Bucket=store.bucket_name).get("Uploads", [])
    )
    return uploads


def object_bytes(store: AttachmentS3Storage, key: str) -> bytes:
    body: bytes = s3_client(store.endpoint_url).get_object(Bucket=store.bucket_name, Key=key)["Body"].read()
    return body


def test_a_reports_file_lands_in_the_bucket_as_ciphertext_and_opens_for_staff_and_with_the_receipt(
    s3_store: AttachmentS3Storage, cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    public = Client()
    response = public.post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("lista.txt", EVIDENCE)]},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    receipt = receipt_from(response.content.decode())
    tip = Tip.objects.get()
    attachment = tip.attachments.get()

    assert bucket_keys(s3_store) == [attachment.storage_name]
    stored = object_bytes(s3_store, attachment.storage_name)
    assert len(stored) > len(EVIDENCE)  # the whole file, encrypted
    assert CANARY[:24] not in stored
    assert unfinished_uploads(s3_store) == []

    staff = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert staff.status_code == 200
    assert b"".join(staff.streaming_content) == EVIDENCE

    assert public.post("/followup/", {"receipt": receipt}).status_code == 302
    whistleblower = public.get(f"/followup/files/{attachment.public_id}/")
    assert whistleblower.status_code == 200
    assert b"".join(whistleblower.streaming_content) == EVIDENCE


def test_a_writer_closed_without_commit_leaves_no_object_and_no_unfinished_upload(
    s3_store: AttachmentS3Storage,
) -> None:
    small, large = storage.new_storage_name(), storage.new_storage_name()
    with storage.open_for_writing(small) as writer:
        writer.write(os.urandom(1000))
    with storage.open_for_writing(large) as writer:
        writer.write(os.urandom(PART_BYTES + 1000))  # one part already sent
        assert len(unfinished_uploads(s3_store)) == 1
    with pytest.raises(RuntimeError), storage.open_for_writing(storage.new_storage_name()) as writer:
        writer.write(os.urandom(PART_BYTES))
        raise RuntimeError("the request died")

    assert bucket_keys(s3_store) == []
    assert unfinished_uploads(s3_store) == []


def test_a_12_mib_file_goes_up_in_several_parts_holding_about_one_part_at_a_time(
    s3_store: AttachmentS3Storage,
) -> None:
    name = storage.new_storage_name()
    chunk = 64 * 1024  # what Django hands an upload handler at a time
    ciphertext = os.urandom(12 * 1024 * 1024)
    writer = storage.open_for_writing(name)
    assert isinstance(writer, MultipartCiphertextWriter)
    for start in range(0, len(ciphertext), chunk):
        writer.write(ciphertext[start : start + chunk])
    (upload,) = unfinished_uploads(s3_store)
    sent = s3_client(s3_store.endpoint_url).list_parts(
        Bucket=s3_store.bucket_name, Key=name, UploadId=upload["UploadId"]
    )
    assert [part["Size"] for part in sent["Parts"]] == [PART_BYTES, PART_BYTES]
    assert not storage.exists(name)  # nothing under its name before commit

    writer.commit()

    assert writer.most_buffered == PART_BYTES  # one part at a time, never the file
    assert bucket_keys(s3_store) == [name]
    assert storage.read_bytes(name) == ciphertext
    assert unfinished_uploads(s3_store) == []


def test_the_sweep_deletes_an_old_orphan_and_aborts_an_old_unfinished_upload_but_keeps_a_tips_file(
    s3_store: AttachmentS3Storage,
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    eager_celery: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("lista.txt", EVIDENCE)]},
    )
    assert response.status_code == 200
    kept = Attachment.objects.get().storage_name
    orphan = storage.new_storage_name()
    with storage.open_for_writing(orphan) as writer:
        writer.write(bytes([crypto.V_STREAM]) + os.urandom(100))
        writer.commit()
    killed = storage.new_storage_name()  # a worker killed mid-upload: neither commit nor close ran
    storage.open_for_writing(killed).write(os.urandom(PART_BYTES))
    assert len(unfinished_uploads(s3_store)) == 1

    # The nightly sweep, two days on. (moto dates every multipart upload in 2010, so only the real clock of
    # a real server can show a young upload kept; young objects are kept: test_attachment_store.py.)
    later = timezone.now() + timedelta(seconds=ORPHAN_AFTER_SECONDS + 60)
    monkeypatch.setattr(storage.timezone, "now", lambda: later)
    assert sweep_orphan_attachments.delay().get() == 2

    assert bucket_keys(s3_store) == [kept]
    assert unfinished_uploads(s3_store) == []


def test_the_sweep_lists_a_bucket_of_more_than_one_page(s3_store: AttachmentS3Storage) -> None:
    client = s3_client(s3_store.endpoint_url)
    names = sorted(storage.new_storage_name() for _ in range(1005))  # a listing page holds 1000
    for name in names:
        client.put_object(Bucket=s3_store.bucket_name, Key=name, Body=b"x")

    assert storage.file_names() == names
    assert sorted(storage.files_older_than(-60)) == names


def test_healthz_answers_503_when_the_bucket_is_unreachable_and_200_when_it_is_back(
    s3_store: AttachmentS3Storage, s3_endpoint: str, cast: dict[str, StaffMember], settings: Any
) -> None:
    assert Client().get("/healthz").json()["checks"]["attachments"] == "ok"

    settings.STORAGES = attachment_storage(
        "tipline.storage_s3.AttachmentS3Storage", **s3_options(f"http://127.0.0.1:{free_port()}", "tipline-gone")
    )
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["attachments"] == "error"


def test_the_store_check_names_an_unreachable_endpoint_in_one_line(settings: Any) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    settings.STORAGES = attachment_storage(
        "tipline.storage_s3.AttachmentS3Storage", **s3_options(endpoint, "tipline-attachments")
    )
    with pytest.raises(storage.StoreUnavailable) as unavailable:
        storage.store_check()

    message = str(unavailable.value)
    assert message.startswith(f"the attachment store's bucket 'tipline-attachments' at {endpoint} is unreachable")
    assert "\n" not in message


def test_the_store_check_tries_a_broken_endpoint_once_without_retrying(settings: Any) -> None:
    """A start-up check must fail fast: one connection, not boto3's retries with back-off."""
    connections = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.2)

        def hang_up() -> None:  # a broken endpoint: takes the connection and closes it unanswered
            while not done.is_set():
                with contextlib.suppress(TimeoutError):
                    connection, _address = listener.accept()
                    connections.append(connection)
                    connection.close()

        done = threading.Event()
        thread = threading.Thread(target=hang_up)
        thread.start()
        try:
            endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
            settings.STORAGES = attachment_storage(
                "tipline.storage_s3.AttachmentS3Storage", **s3_options(endpoint, "tipline-attachments")
            )
            with pytest.raises(storage.StoreUnavailable, match="is unreachable"):
                storage.store_check()
        finally:
            done.set()
            thread.join()
    assert len(connections) == 1


def test_the_store_check_names_a_missing_bucket(s3_store: AttachmentS3Storage, s3_endpoint: str, settings: Any) -> None:
    settings.STORAGES = attachment_storage(
        "tipline.storage_s3.AttachmentS3Storage", **s3_options(s3_endpoint, "tipline-never-made")
    )
    with pytest.raises(storage.StoreUnavailable, match="bucket 'tipline-never-made' at .* does not exist"):
        storage.store_check()


def test_healthz_answers_503_when_the_local_attachment_directory_cannot_be_made(
    cast: dict[str, StaffMember], settings: Any, tmp_path: Path
) -> None:
    assert Client().get("/healthz").json()["checks"]["attachments"] == "ok"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.STORAGES = attachment_storage("tipline.storage.AttachmentFileSystemStorage", location=str(blocker / "x"))

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["attachments"] == "error"
    with pytest.raises(storage.StoreUnavailable, match=f"the attachment directory {blocker / 'x'} cannot be made"):
        storage.store_check()


def test_the_nightly_sweep_redates_the_days_uploads_once_keeping_their_bytes(s3_store: AttachmentS3Storage) -> None:
    """An object keeps the second it was uploaded (LastModified): the nightly run rewrites it with the run's time."""
    from django.core.cache import cache

    client, bucket = s3_store.client, s3_store.bucket_name
    names = [storage.new_storage_name() for _ in range(2)]
    for name in names:
        with storage.open_for_writing(name) as writer:
            writer.write(b"ciphertext of " + name.encode())
            writer.commit()
    uploaded = max(client.head_object(Bucket=bucket, Key=name)["LastModified"] for name in names)
    cache.set(storage.TIMES_BLURRED_KEY, uploaded - timedelta(days=1), timeout=None)  # the last night's run

    assert storage.upload_times_blur() == 2
    for name in names:
        assert storage.read_bytes(name) == b"ciphertext of " + name.encode()
        assert client.head_object(Bucket=bucket, Key=name)["ContentType"] == "application/octet-stream"
    assert cache.get(storage.TIMES_BLURRED_KEY) >= uploaded
    assert storage.upload_times_blur() == 0  # the next night copies nothing that was not written since


def test_nothing_written_before_the_mark_is_copied(s3_store: AttachmentS3Storage) -> None:
    from django.core.cache import cache

    with storage.open_for_writing(storage.new_storage_name()) as writer:
        writer.write(b"ciphertext")
        writer.commit()
    cache.set(storage.TIMES_BLURRED_KEY, timezone.now() + timedelta(days=1), timeout=None)

    assert storage.upload_times_blur() == 0


def test_without_its_mark_the_redating_covers_the_last_day_and_then_stops(s3_store: AttachmentS3Storage) -> None:
    from django.core.cache import cache

    cache.delete(storage.TIMES_BLURRED_KEY)
    name = storage.new_storage_name()
    with storage.open_for_writing(name) as writer:
        writer.write(b"ciphertext")
        writer.commit()

    assert sweep_orphan_attachments() == 0  # no orphan; the upload is redated
    assert cache.get(storage.TIMES_BLURRED_KEY) is not None
    assert storage.upload_times_blur() == 0
    assert storage.read_bytes(name) == b"ciphertext"
