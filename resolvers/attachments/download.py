"""Downloading a file over plain HTTP (`GET /files/{id}`): who is asking, whether they may
see it, and the headers that make a browser save it instead of rendering it.

The caller is named by the signed `?token=` of the attachment's downloadUrl, or by the
usual Authorization / X-Api-Key header. A bad or expired credential is 401; an attachment
that does not exist or is not the caller's to see is 404 (the two look the same).

With an S3 store (and S3_DOWNLOADS=redirect) an authorised caller is redirected to a
presigned URL that lives S3_LINK_SECONDS: the bytes never pass through the API servers, yet
every download is still decided here, when it is clicked.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

from strawberry import relay

from auth import policy
from auth.authenticate import authenticate, credentials_from_header
from auth.download_tokens import (
    decode_download_token,
    issue_download_token,
    principal_for_download,
)
from auth.principal import Principal
from auth.tokens import TokenError
from db.blobs import BlobNotFound, BlobStore, PresignedDownloads
from db.engine import Database
from db.models import Attachment, Ticket, TicketMessage
from resolvers.context import RequestContext

__all__ = ["Download", "DownloadRefused", "download_url", "open_download"]

_log = logging.getLogger("autocrm.attachments")


class DownloadRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Download:
    headers: dict[str, str]
    content_type: str
    chunks: AsyncIterator[bytes] | None
    # A presigned URL at the object store to send the client to instead of `chunks`.
    redirect: str | None = None


def download_url(ctx: RequestContext, attachment: Attachment) -> str | None:
    """A link that works for the caller, for settings.download_link_minutes."""
    principal = ctx.principal
    if principal is None or (principal.user_id is None and principal.api_key_id is None):
        return None
    token = issue_download_token(
        attachment_id=attachment.id,
        principal=principal,
        key=ctx.secret_key,
        minutes=ctx.settings.download_link_minutes,
    )
    base = ctx.settings.public_url.rstrip("/")
    return f"{base}/files/{attachment.id}?token={token}"


def _attachment_id(raw: str) -> uuid.UUID | None:
    """The row UUID (what downloadUrl uses) or the Attachment's global ID."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        pass
    try:
        gid = relay.GlobalID.from_id(raw)
        return uuid.UUID(gid.node_id) if gid.type_name == "Attachment" else None
    except (ValueError, relay.GlobalIDValueError):
        return None


async def _principal(
    db: Database,
    secret_key: str,
    attachment_id: uuid.UUID | None,
    token: str | None,
    authorization: str | None,
    api_key: str | None,
) -> Principal:
    try:
        if token is not None:
            claims = decode_download_token(token, key=secret_key)
            if claims.attachment_id != attachment_id:
                raise TokenError("This download link is for another file.")
            return await principal_for_download(db, claims)
        credentials = credentials_from_header(authorization, api_key)
        if credentials is None:
            raise DownloadRefused(
                401, "Log in first: use the file's downloadUrl or send 'Authorization: Bearer'."
            )
        return await authenticate(db, secret_key, credentials)
    except TokenError as exc:
        raise DownloadRefused(401, str(exc)) from exc


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback for old clients and the exact UTF-8 name (RFC 5987)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def open_download(
    db: Database,
    blobs: BlobStore,
    secret_key: str,
    raw_id: str,
    *,
    token: str | None,
    authorization: str | None,
    api_key: str | None,
    presign_seconds: int | None = None,
) -> Download:
    """`presign_seconds`: answer with a presigned URL of that lifetime when the store can
    sign one (None streams the bytes through this server)."""
    attachment_id = _attachment_id(raw_id)
    principal = await _principal(db, secret_key, attachment_id, token, authorization, api_key)
    if attachment_id is None:
        raise DownloadRefused(404, "No such file.")
    async with db.sessions() as session:
        row = await session.get(Attachment, attachment_id)
        ticket = (
            await session.get(Ticket, row.ticket_id)
            if row is not None and row.ticket_id is not None
            else None
        )
        message = (
            await session.get(TicketMessage, row.message_id)
            if row is not None and row.message_id is not None
            else None
        )
    if row is None or not policy.can_see_attachment(principal, ticket, message, row):
        raise DownloadRefused(404, "No such file.")
    if presign_seconds is not None and isinstance(blobs, PresignedDownloads):
        url = await blobs.presigned_get(
            row.storage_key,
            filename_header=content_disposition(row.filename),
            content_type=row.content_type,
            seconds=presign_seconds,
        )
        # The redirect carries a credential as well: not cached, not sent on as Referer.
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        return Download(headers=headers, content_type=row.content_type, chunks=None, redirect=url)
    chunks = blobs.open(row.storage_key)
    try:
        first = await anext(chunks)
    except (BlobNotFound, StopAsyncIteration) as exc:
        _log.error("attachment %s has no stored bytes (%s)", row.id, row.storage_key)
        raise DownloadRefused(404, "No such file.") from exc

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return Download(
        content_type=row.content_type,
        chunks=body(),
        headers={
            "Content-Disposition": content_disposition(row.filename),
            "Content-Length": str(row.size_bytes),
            "X-Content-Type-Options": "nosniff",
            # The URL carries a credential: keep it out of caches and Referer headers, and
            # never let the file run as a page even if a browser were told to show it.
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "ETag": f'"{row.sha256}"',
        },
    )
