"""Attachment bytes in an S3-compatible object store (AWS S3, MinIO, Cloudflare R2, Ceph …)
through aiobotocore, the asyncio build of the AWS SDK's botocore.

Installed with the `s3` extra (`pip install 'autocrm[s3]'`). Large uploads go up as a
multipart upload (parts of `part_bytes`), which S3 makes visible only once it completes, so
`put` stays all-or-nothing; a failed upload is aborted so no parts linger. Downloads can be
handed to the client as a short-lived presigned GET URL (`presigned_get`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import anyio
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from db.blobs import CHUNK_SIZE, BlobNotFound, check_key

__all__ = ["S3BlobStore", "S3Location"]

# S3's smallest part (except the last one).
MIN_PART_BYTES = 5 * 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where blobs go: a bucket and a key prefix (no leading or trailing slash)."""

    bucket: str
    prefix: str = ""

    def key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key


class S3BlobStore:
    """Blobs as objects under `location`. The client is created on first use, on the
    running event loop, and closed by `aclose` (the app's lifespan)."""

    def __init__(
        self,
        location: S3Location,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: Literal["auto", "path", "virtual"] = "auto",
        part_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        if part_bytes < MIN_PART_BYTES:
            raise ValueError(f"S3 parts must be at least {MIN_PART_BYTES} bytes")
        self.location = location
        self.part_bytes = part_bytes
        self._client_args: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "config": AioConfig(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                # Checksums only where S3 requires them: several S3-compatible servers
                # refuse the CRC headers newer botocore adds to every request by default.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        }
        self._stack: contextlib.AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:  # never the credentials
        return f"S3BlobStore(s3://{self.location.bucket}/{self.location.prefix})"

    async def _s3(self) -> Any:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    stack = contextlib.AsyncExitStack()
                    self._client = await stack.enter_async_context(
                        get_session().create_client("s3", **self._client_args)
                    )
                    self._stack = stack
        return self._client

    async def aclose(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def _object(self, key: str) -> dict[str, str]:
        return {"Bucket": self.location.bucket, "Key": self.location.key(check_key(key))}

    async def put(self, key: str, data: bytes | AsyncIterable[bytes]) -> None:
        s3 = await self._s3()
        target = self._object(key)
        if isinstance(data, bytes):
            await s3.put_object(**target, Body=data)
            return
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in data:
                buffer += chunk
                # Strictly more than a part: the last part is never empty.
                while len(buffer) > self.part_bytes:
                    if upload_id is None:
                        created = await s3.create_multipart_upload(**target)
                        upload_id = created["UploadId"]
                    parts.append(await self._part(s3, target, upload_id, len(parts) + 1, buffer))
            if upload_id is None:
                await s3.put_object(**target, Body=bytes(buffer))
                return
            parts.append(await self._part(s3, target, upload_id, len(parts) + 1, buffer))
            await s3.complete_multipart_upload(
                **target, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            if upload_id is not None:
                with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                    await s3.abort_multipart_upload(**target, UploadId=upload_id)
            raise

    async def _part(
        self, s3: Any, target: dict[str, str], upload_id: str, number: int, buffer: bytearray
    ) -> dict[str, Any]:
        body = bytes(buffer[: self.part_bytes])
        del buffer[: self.part_bytes]
        sent = await s3.upload_part(**target, UploadId=upload_id, PartNumber=number, Body=body)
        return {"ETag": sent["ETag"], "PartNumber": number}

    async def open(self, key: str) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        try:
            found = await s3.get_object(**self._object(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise BlobNotFound(key) from exc
            raise
        body = found["Body"]
        try:
            while chunk := await body.read(CHUNK_SIZE):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(**self._object(key))  # S3 deletes a missing key quietly

    async def exists(self, key: str) -> bool:
        s3 = await self._s3()
        try:
            await s3.head_object(**self._object(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise
        return True

    async def presigned_get(
        self, key: str, *, filename_header: str, content_type: str, seconds: int
    ) -> str:
        """A GET URL that works without credentials for `seconds`; S3 answers it with our
        Content-Disposition and Content-Type, whatever the object was stored with."""
        s3 = await self._s3()
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                **self._object(key),
                "ResponseContentDisposition": filename_header,
                "ResponseContentType": content_type,
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=seconds,
        )
        return url


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
