"""The attachment store is the STORAGES alias "attachments": swapping its backend is configuration only.

A reviewer's questions: do uploads, downloads and the nightly sweep work unchanged
with another Django storage (InMemoryStorage here, S3 in a deployment); does the
sweep delete an old orphan and keep a referenced file; does the default local
backend keep its files to the owner and never show a half-written file under its
final name; and does the environment choose the backend, refusing nonsense?
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import InMemoryStorage, Storage, memory, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from envelope import primitives as crypto
from org.models import Facility
from tests.conftest import staff_client
from tests.factories import report_data
from tipline import storage
from tipline.models import Attachment, Tip
from tipline.storage import AttachmentFileSystemStorage
from tipline.tasks import ORPHAN_AFTER_SECONDS, sweep_orphan_attachments

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Plain text: stored as sent (a PDF would be rewritten without its metadata, tipline/metadata.py).
EVIDENCE = b"la lista de visitas del domingo\n" * 5000


@contextmanager
def written_days_ago(days: int) -> Iterator[None]:
    """Let InMemoryStorage stamp the files written in this block as `days` old (its clock, nothing else)."""
    real_now = memory.now
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory, "now", lambda: real_now() - timedelta(days=days))
        yield


def send_report(facility: Facility) -> Tip:
    response = Client().post(
        "/report/", {**report_data(facility), "attachments": [SimpleUploadedFile("lista.txt", EVIDENCE)]}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return Tip.objects.get()


def download(tip: Tip) -> bytes:
    attachment = tip.attachments.get()
    response = staff_client("lima_investigator").get(f"/staff/tips/{tip.public_id}/files/{attachment.public_id}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def orphan() -> str:
    name = storage.new_storage_name()
    with storage.open_for_writing(name) as writer:
        writer.write(bytes([crypto.V_STREAM]) + os.urandom(100))
        writer.commit()
    return name


def test_upload_download_and_sweep_work_with_an_in_memory_store(
    memory_store: Storage,
    cast: dict[str, StaffMember],
    facilities: dict[str, Facility],
    tmp_path: Path,
    eager_celery: None,
) -> None:
    assert isinstance(memory_store, InMemoryStorage)
    assert storage.attachment_store() is storages["attachments"] is memory_store

    tip = send_report(facilities["lurigancho"])
    stored = tip.attachments.get().storage_name

    assert storage.file_names() == [stored]
    assert EVIDENCE[:64] not in memory_store.open(stored).read()  # ciphertext only
    assert download(tip) == EVIDENCE
    assert sweep_orphan_attachments.delay().get() == 0  # the file is referenced, and young
    assert storage.file_names() == [stored]
    assert download(tip) == EVIDENCE
    assert not (tmp_path / "attachments").exists()  # the tests' local store was never touched


def test_the_sweep_deletes_an_old_orphan_and_keeps_a_referenced_file(
    memory_store: Storage, cast: dict[str, StaffMember], facilities: dict[str, Facility], eager_celery: None
) -> None:
    with written_days_ago(2):
        tip = send_report(facilities["lurigancho"])
        old_orphan = orphan()
    young_orphan = orphan()
    referenced = tip.attachments.get().storage_name
    cutoff = timezone.now() - timedelta(seconds=ORPHAN_AFTER_SECONDS)
    assert memory_store.get_modified_time(referenced) < cutoff
    assert memory_store.get_modified_time(old_orphan) < cutoff

    assert sweep_orphan_attachments.delay().get() == 1

    assert storage.file_names() == sorted([referenced, young_orphan])
    assert not storage.exists(old_orphan)
    assert Attachment.objects.get().storage_name == referenced
    assert download(tip) == EVIDENCE


# --- the default backend: local files -------------------------------------------------------------------


def test_the_default_store_keeps_local_files_to_the_owner(
    cast: dict[str, StaffMember], facilities: dict[str, Facility], tmp_path: Path
) -> None:
    store = storage.attachment_store()
    assert isinstance(store, AttachmentFileSystemStorage)

    stored = send_report(facilities["lurigancho"]).attachments.get().storage_name

    directory = tmp_path / "attachments"
    assert Path(store.path(stored)) == directory / stored
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / stored).stat().st_mode) == 0o600
    assert [path.name for path in directory.iterdir()] == [stored]


class Watched(File):
    """Ciphertext whose reading lets the test look into the store while it is being saved."""

    def __init__(self, data: bytes, look: Callable[[], None]) -> None:
        super().__init__(ContentFile(data))
        self.look = look

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for number, chunk in enumerate(super().chunks(chunk_size=1024)):
            if number == 1:
                self.look()
            yield chunk


def test_a_local_file_appears_under_its_name_only_once_complete(tmp_path: Path) -> None:
    store = AttachmentFileSystemStorage(location=tmp_path / "store")
    name = storage.new_storage_name()
    seen: list[list[str]] = []

    store.save(name, Watched(os.urandom(4096), lambda: seen.append(sorted(os.listdir(tmp_path / "store")))))

    assert seen == [[name + storage.PARTIAL_SUFFIX]]
    assert os.listdir(tmp_path / "store") == [name]


def test_a_local_save_that_fails_leaves_nothing(tmp_path: Path) -> None:
    store = AttachmentFileSystemStorage(location=tmp_path / "store")

    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.save(storage.new_storage_name(), Watched(os.urandom(4096), fail))
    assert os.listdir(tmp_path / "store") == []


# --- configuration ----------------------------------------------------------------------------------------


def attachments_setting(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Return what settings.STORAGES["attachments"] becomes with this environment (in a fresh process)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TIPLINE_ATTACHMENT")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", TIPLINE_VAR_DIR=str(var_dir), **env)
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['attachments']))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_environment_chooses_the_backend_and_its_options(tmp_path: Path) -> None:
    default = attachments_setting(tmp_path / "var", TIPLINE_ATTACHMENT_DIR=str(tmp_path / "files"))
    assert json.loads(default.stdout) == {
        "BACKEND": "tipline.storage.AttachmentFileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")},
    }
    options = tmp_path / "options.json"
    options.write_text('{"bucket_name": "tipline-attachments", "location": "store"}')
    swapped = attachments_setting(
        tmp_path / "var",
        TIPLINE_ATTACHMENT_STORAGE="storages.backends.s3.S3Storage",
        TIPLINE_ATTACHMENT_STORAGE_OPTIONS_FILE=str(options),
    )
    assert json.loads(swapped.stdout) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "tipline-attachments", "location": "store"},
    }


@pytest.mark.parametrize("value", ["not json", '["a", "list"]'])
def test_options_that_are_not_a_json_object_are_refused(tmp_path: Path, value: str) -> None:
    result = attachments_setting(tmp_path / "var", TIPLINE_ATTACHMENT_STORAGE_OPTIONS=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: TIPLINE_ATTACHMENT_STORAGE_OPTIONS" in result.stderr
    assert value not in result.stderr
