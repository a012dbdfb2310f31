"""Attachment files carry no exact time, and the orphan sweep still never takes a file a request is saving.

A reviewer's questions: does a stored file's modification or access time (or its
folder's) tell when a whistleblower sent it; and since every file of a day now
looks as old as that day's first second, can the nightly sweep delete a file
whose attachment row is about to be saved?
"""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import StaffMember
from org.models import Facility
from tests.factories import pdf_bytes, report_data
from tipline import storage
from tipline.models import Tip
from tipline.tasks import ORPHAN_AFTER_SECONDS, sweep_orphan_attachments

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def utc_midnight(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def local_path(name: str) -> Path:
    return Path(storage.attachment_store().path(name))


def orphan() -> str:
    name = storage.new_storage_name()
    storage.save(name, io.BytesIO(b"ciphertext of a request that died"))
    return name


def sweep_at(moment: datetime.datetime, monkeypatch: pytest.MonkeyPatch) -> int:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        return sweep_orphan_attachments()


def test_a_stored_file_and_its_folder_are_dated_midnight_utc_of_the_day(
    cast: dict[str, StaffMember], facilities: dict[str, Facility]
) -> None:
    before = utc_midnight(timezone.now())
    response = Client().post(
        "/report/",
        {**report_data(facilities["lurigancho"]), "attachments": [SimpleUploadedFile("a.pdf", pdf_bytes(900))]},
    )
    after = utc_midnight(timezone.now())
    assert response.status_code == 200

    path = local_path(Tip.objects.get().attachments.get().storage_name)
    days = {before.timestamp(), after.timestamp()}
    assert path.stat().st_mtime in days
    assert path.stat().st_atime in days
    assert path.parent.stat().st_mtime in days
    assert os.listdir(path.parent) == [path.name]  # no ".part" file left behind


def test_the_default_cut_off_outlasts_the_day_a_time_was_moved_back() -> None:
    # A file written at 23:59:59 is dated 00:00:00 of that day: it looks up to a day older than it is.
    margin = ORPHAN_AFTER_SECONDS - DAY.total_seconds()
    assert margin >= 60 * 60


def test_the_nightly_sweep_takes_yesterdays_orphan_and_keeps_todays(monkeypatch: pytest.MonkeyPatch) -> None:
    today = utc_midnight(timezone.now())
    yesterdays, todays = orphan(), orphan()
    os.utime(local_path(yesterdays), (today.timestamp() - DAY.total_seconds(),) * 2)
    assert local_path(todays).stat().st_mtime == today.timestamp()

    # The beat runs the sweep at 03:15 in Lima, 08:15 UTC.
    assert sweep_at(today + datetime.timedelta(hours=8, minutes=15), monkeypatch) == 1

    assert storage.file_names() == [todays]


def test_a_file_written_just_before_midnight_is_not_swept_just_after(monkeypatch: pytest.MonkeyPatch) -> None:
    today = utc_midnight(timezone.now())
    saving = orphan()  # its row is about to be saved, by a request that began at 23:59:59 yesterday
    os.utime(local_path(saving), (today.timestamp() - DAY.total_seconds(),) * 2)

    assert sweep_at(today + datetime.timedelta(seconds=5), monkeypatch) == 0

    assert storage.exists(saving)
