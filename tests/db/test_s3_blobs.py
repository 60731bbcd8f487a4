"""The S3 blob store against a real S3-compatible server on loopback (moto's server mode),
through the real AWS SDK: round trips, multipart uploads, failures that leave nothing
behind, and presigned downloads fetched by a real HTTP client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from db.blobs import BlobNotFound, PresignedDownloads, blob_store
from db.s3_blobs import S3BlobStore
from settings import Settings
from tests.s3_server import S3Server

MIB = 1024 * 1024


@pytest.fixture
async def store(s3_server: S3Server, settings: Settings) -> AsyncIterator[S3BlobStore]:
    configured = settings.model_copy(update=s3_server.settings(s3_server.new_bucket()))
    made = blob_store(configured)
    assert isinstance(made, S3BlobStore)
    yield made
    await made.aclose()


async def pieces(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def pattern(size: int) -> bytes:
    """Bytes that differ from part to part, so a part stored twice or out of order shows."""
    block = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(2048))
    return (block * (size // len(block) + 1))[:size]


async def read_all(store: S3BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


async def test_blob_stored_under_the_prefix_reads_back_and_deletes(
    store: S3BlobStore, s3_server: S3Server
) -> None:
    await store.put("attachments/one", b"hello s3")

    assert s3_server.keys(store.location.bucket) == ["crm/attachments/one"]
    assert await read_all(store, "attachments/one") == b"hello s3"
    assert await store.exists("attachments/one")

    await store.delete("attachments/one")
    await store.delete("attachments/one")  # a second delete is not an error

    assert not await store.exists("attachments/one")
    assert s3_server.keys(store.location.bucket) == []


async def test_missing_blob_is_blob_not_found(store: S3BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        await read_all(store, "attachments/never-written")


async def test_large_stream_goes_up_as_a_multipart_upload(
    store: S3BlobStore, s3_server: S3Server
) -> None:
    data = pattern(11 * MIB + 123)  # parts of 5 MiB: 5 + 5 + 1 MiB and a bit

    await store.put("attachments/big", pieces(data))

    head = s3_server.client().head_object(Bucket=store.location.bucket, Key="crm/attachments/big")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")  # S3's mark of a 3-part upload
    assert await read_all(store, "attachments/big") == data


async def test_small_stream_is_one_plain_object(store: S3BlobStore, s3_server: S3Server) -> None:
    await store.put("attachments/small", pieces(b"x" * 300_000))

    head = s3_server.client().head_object(Bucket=store.location.bucket, Key="crm/attachments/small")
    assert "-" not in head["ETag"]
    assert head["ContentLength"] == 300_000


async def test_upload_failing_midway_leaves_no_object_and_no_parts(
    store: S3BlobStore, s3_server: S3Server
) -> None:
    async def breaks_after_two_parts() -> AsyncIterator[bytes]:
        async for chunk in pieces(pattern(12 * MIB)):
            yield chunk
        raise ValueError("File is larger than the limit.")

    with pytest.raises(ValueError, match="larger than the limit"):
        await store.put("attachments/refused", breaks_after_two_parts())

    bucket = store.location.bucket
    assert s3_server.keys(bucket) == []
    uploads = s3_server.client().list_multipart_uploads(Bucket=bucket)
    assert uploads.get("Uploads", []) == []


async def test_presigned_download_is_fetched_without_credentials(store: S3BlobStore) -> None:
    await store.put("attachments/report", b"%PDF-1.4 quarterly report")
    assert isinstance(store, PresignedDownloads)

    url = await store.presigned_get(
        "attachments/report",
        filename_header='attachment; filename="report.pdf"',
        content_type="application/pdf",
        seconds=60,
    )
    async with httpx.AsyncClient() as client:
        response = await client.get(url)

    assert "X-Amz-Signature=" in urlsplit(url).query
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 quarterly report"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="report.pdf"'


def test_blob_url_must_name_an_s3_bucket(settings: Settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="BLOB_URL must be s3://bucket"):
        Settings(blob_url="https://bucket.example.com/files", _env_file=None)  # type: ignore[call-arg]


def test_s3_secret_never_shows_in_settings_or_the_store(
    s3_server: S3Server, settings: Settings
) -> None:
    configured = settings.model_copy(update=s3_server.settings("bucket"))
    made = blob_store(configured)

    assert "autocrm-test-secret-access-key" not in repr(configured)
    assert "autocrm-test-secret-access-key" not in repr(made)
    assert repr(made) == "S3BlobStore(s3://bucket/crm)"
