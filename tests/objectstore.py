"""The suite's S3-compatible object store: moto's standalone server, on loopback, for the session.

Started once per session, on first use, on a free port; stopped when the session
ends. Tests ask for `s3_store`, which makes a fresh bucket and points the attachment
store (the STORAGES alias, tipline/storage_s3.py) at it for that test. moto takes any
credentials: the fake ones are set here, for the tests only.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.conf import LazySettings

from tests.conftest import attachment_storage
from tipline import storage
from tipline.storage_s3 import AttachmentS3Storage

REGION = "us-east-1"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Start moto's S3 server on loopback for the session; yield its endpoint URL."""
    from moto.server import ThreadedMotoServer  # imported here: only the tests that use it pay for it

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log would fill every report

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    """A client of the test server (what an operator's `aws s3api` would be), outside the application."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        config=Config(s3={"addressing_style": "path"}),
    )


def s3_options(endpoint: str, bucket: str) -> dict[str, object]:
    """The STORAGES options config/settings.py makes of TIPLINE_S3_BUCKET, _ENDPOINT_URL and _REGION."""
    return {"bucket_name": bucket, "endpoint_url": endpoint, "region_name": REGION, **CREDENTIALS}


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """Make a fresh, empty bucket on the test server; return its name."""
    name = f"tipline-test-{uuid.uuid4().hex[:16]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_store(s3_endpoint: str, s3_bucket: str, tipline_settings: LazySettings) -> AttachmentS3Storage:
    """Keep this test's attachments in a fresh bucket of the test server; return the store."""
    tipline_settings.STORAGES = attachment_storage(
        "tipline.storage_s3.AttachmentS3Storage", **s3_options(s3_endpoint, s3_bucket)
    )
    store = storage.attachment_store()
    assert isinstance(store, AttachmentS3Storage)
    return store
