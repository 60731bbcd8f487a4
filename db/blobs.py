"""Where attachment bytes live: a small blob-store interface, the local-folder store, and
`blob_store(settings)` which picks the store BLOB_URL names.

The database holds each attachment's metadata and its `storage_key`; the bytes sit in a
BlobStore. `LocalBlobStore` (a folder under settings.data_dir) is the default;
`db.s3_blobs.S3BlobStore` (S3, MinIO, R2 …: the `s3` extra) implements the same methods —
put as a (multipart) upload, open as a streamed GET, delete, exists as a HEAD — and can also
presign a download (`PresignedDownloads`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import anyio
import anyio.to_thread

from settings import Settings

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "BlobStoreUnavailable",
    "LocalBlobStore",
    "PresignedDownloads",
    "blob_store",
    "check_key",
    "new_attachment_key",
]

CHUNK_SIZE = 64 * 1024
# What a blob key may look like (see check_key).
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class BlobNotFound(LookupError):
    """No blob is stored under this key."""


class BlobStoreUnavailable(RuntimeError):
    """BLOB_URL names a store this installation cannot use; the message says what to do."""


def new_attachment_key() -> str:
    return f"attachments/{uuid.uuid4()}"


def check_key(key: str) -> str:
    """Keys are ours (never user input), but every store still refuses anything that could
    climb out of its folder or prefix."""
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"Not a valid blob key: {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    """Bytes by key. `put` is all-or-nothing: a reader never sees a half-written blob, and
    when the data iterator raises (e.g. an upload over the size limit) nothing is kept."""

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> None: ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes in chunks; raises BlobNotFound on first iteration if absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def aclose(self) -> None:
        """Release connections (the app's lifespan calls it at shutdown)."""
        ...


@runtime_checkable
class PresignedDownloads(Protocol):
    """A store whose clients can fetch a blob straight from it with a signed URL."""

    async def presigned_get(
        self, key: str, *, filename_header: str, content_type: str, seconds: int
    ) -> str: ...


class LocalBlobStore:
    """Blobs as files under `root` (settings.data_dir / "files" by default).

    Writes go to a temporary file in `root/.tmp` and are renamed into place, which is
    atomic on one filesystem: a crash leaves at most a stray temp file, never a torn blob.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".tmp"

    def path_for(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> None:
        target = self.path_for(key)
        await anyio.Path(self._tmp).mkdir(parents=True, exist_ok=True)
        await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
        temp = self._tmp / f"{uuid.uuid4().hex}.part"
        try:
            async with await anyio.open_file(temp, "xb") as out:
                if isinstance(data, bytes):
                    await out.write(data)
                else:
                    async for chunk in data:
                        await out.write(chunk)
                await out.flush()
                await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
            await anyio.Path(temp).rename(target)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.Path(temp).unlink(missing_ok=True)
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        try:
            handle = await anyio.open_file(path, "rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        async with handle:
            while chunk := await handle.read(CHUNK_SIZE):
                yield chunk

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_for(key)).unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self.path_for(key)).is_file()

    async def aclose(self) -> None:
        return None


def blob_store(settings: Settings) -> BlobStore:
    """The store BLOB_URL names (`s3://bucket/prefix`), else the data folder's `files/`."""
    if settings.blob_url is None:
        return LocalBlobStore(settings.data_dir / "files")
    try:
        from db.s3_blobs import S3BlobStore, S3Location
    except ImportError as exc:
        raise BlobStoreUnavailable(
            f"BLOB_URL is {settings.blob_url} but the S3 client is not installed "
            f"({exc.name} is missing): pip install 'autocrm[s3]'"
        ) from exc
    bucket, _, prefix = settings.blob_url.removeprefix("s3://").partition("/")
    secret = settings.s3_secret_access_key
    key_id = settings.s3_access_key_id
    return S3BlobStore(
        S3Location(bucket, prefix.strip("/")),
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=key_id.get_secret_value() if key_id else None,
        secret_access_key=secret.get_secret_value() if secret else None,
        addressing_style=settings.s3_addressing_style,
        part_bytes=settings.s3_part_bytes,
    )
