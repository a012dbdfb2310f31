"""The environment puts the attachment store in an S3-compatible bucket: a few named variables, nonsense refused.

An operator sets TIPLINE_S3_BUCKET (and, off AWS, TIPLINE_S3_ENDPOINT_URL and
TIPLINE_S3_REGION) with credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or
their _FILE; README "Attachments in object storage".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OWN = ("TIPLINE_ATTACHMENT", "TIPLINE_S3_", "AWS_")


def attachments_setting(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Return what settings.STORAGES["attachments"] becomes with this environment (in a fresh process)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(OWN)}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", TIPLINE_VAR_DIR=str(var_dir), **env)
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['attachments']))"
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_bucket_endpoint_region_and_credentials_file_make_the_s3_store(tmp_path: Path) -> None:
    secret = tmp_path / "s3-secret"
    secret.write_text("the-secret-key\n")
    result = attachments_setting(
        tmp_path / "var",
        TIPLINE_S3_BUCKET="tipline-attachments",
        TIPLINE_S3_ENDPOINT_URL="https://objects.example.internal:9000",
        TIPLINE_S3_REGION="garage",
        TIPLINE_S3_SERVER_SIDE_ENCRYPTION="AES256",
        AWS_ACCESS_KEY_ID="tipline-app",
        AWS_SECRET_ACCESS_KEY_FILE=str(secret),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "BACKEND": "tipline.storage_s3.AttachmentS3Storage",
        "OPTIONS": {
            "bucket_name": "tipline-attachments",
            "endpoint_url": "https://objects.example.internal:9000",
            "region_name": "garage",
            "access_key": "tipline-app",
            "secret_key": "the-secret-key",
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }


def test_without_a_bucket_the_store_stays_local_files(tmp_path: Path) -> None:
    result = attachments_setting(tmp_path / "var", TIPLINE_S3_ENDPOINT_URL="https://objects.example.internal")
    assert json.loads(result.stdout)["BACKEND"] == "tipline.storage.AttachmentFileSystemStorage"


def test_a_bucket_and_another_backend_together_are_refused(tmp_path: Path) -> None:
    result = attachments_setting(
        tmp_path / "var",
        TIPLINE_S3_BUCKET="tipline-attachments",
        TIPLINE_ATTACHMENT_STORAGE="storages.backends.s3.S3Storage",
    )
    assert result.returncode != 0
    assert "TIPLINE_S3_BUCKET and TIPLINE_ATTACHMENT_STORAGE are both set" in result.stderr


def test_an_unknown_server_side_encryption_is_refused(tmp_path: Path) -> None:
    result = attachments_setting(
        tmp_path / "var", TIPLINE_S3_BUCKET="tipline-attachments", TIPLINE_S3_SERVER_SIDE_ENCRYPTION="yes"
    )
    assert result.returncode != 0
    assert "TIPLINE_S3_SERVER_SIDE_ENCRYPTION must be empty, AES256 or aws:kms" in result.stderr
