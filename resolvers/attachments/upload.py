"""uploadAttachment and deleteAttachment.

Uploading comes first, as in Zendesk and Intercom: the file is checked and stored, and
the Attachment it returns is then linked to a reply by addMessage(attachmentIds). It can
also go straight onto an existing message of the caller's (messageId).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Attachment, Interaction, Ticket, TicketMessage
from db.models.tickets import Visibility
from resolvers.attachments.storage import UploadedFile, require_blobs, store_upload
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.error_codes import AttachmentErrorCode
from resolvers.errors import NotFound, ValidationFailed
from resolvers.tickets.common import load_ticket_for_update
from resolvers.tickets.transitions import ensure_accepts_messages

__all__ = [
    "attachment_snapshot",
    "delete_attachment",
    "upload_attachment",
    "upload_interaction_attachment",
]

_log = logging.getLogger("autocrm.attachments")


def attachment_snapshot(row: Attachment | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "ticket_id": row.ticket_id,
        "message_id": row.message_id,
        "interaction_id": row.interaction_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "uploaded_by_id": row.uploaded_by_id,
    }


async def _target(
    session: AsyncSession,
    principal: Principal,
    ticket_id: uuid.UUID,
    message_id: uuid.UUID | None,
    *,
    lock: bool,
) -> tuple[Ticket, TicketMessage | None]:
    """The ticket (and message) a file goes to, if the caller may add files there."""
    if lock:
        ticket = await load_ticket_for_update(session, principal, ticket_id, "ticketId")
    else:
        found = await session.get(Ticket, ticket_id)
        if found is None or not policy.can_see_ticket(principal, found):
            raise NotFound("ticketId", "ticket")
        ticket = found
    ensure_accepts_messages(ticket)
    if message_id is None:
        return ticket, None
    message = await session.get(TicketMessage, message_id)
    hidden = message is not None and (
        not policy.can_see_internal_messages(principal)
        and message.visibility != Visibility.PUBLIC.value
    )
    if message is None or message.ticket_id != ticket.id or hidden:
        raise NotFound("messageId", "message on this ticket")
    if not policy.may_file_on_message(principal, message):
        raise ValidationFailed.one(
            "messageId",
            "You can only add files to your own messages.",
            AttachmentErrorCode.FORBIDDEN,
        )
    return ticket, message


async def upload_attachment(
    tx: MutationTx,
    *,
    ticket_id: uuid.UUID,
    message_id: uuid.UUID | None,
    upload: UploadedFile,
) -> Attachment:
    ctx = tx.ctx
    principal = ctx.require_principal()
    blobs = require_blobs(ctx)
    # Refuse a ticket the caller cannot use before spending time on the file; the check is
    # repeated under the row lock below, where it counts.
    async with ctx.db.sessions() as session:
        await _target(session, principal, ticket_id, message_id, lock=False)
    stored = await store_upload(
        blobs,
        upload,
        max_bytes=ctx.settings.max_upload_bytes,
        allowed=ctx.settings.upload_allowed_types,
    )
    # No row, no blob: the file must not outlive a failed transaction.
    tx.on_rollback(blobs.delete, stored.key)
    ticket, message = await _target(tx.session, principal, ticket_id, message_id, lock=True)
    row = Attachment(
        id=uuid.uuid4(),
        ticket_id=ticket.id,
        message_id=message.id if message is not None else None,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by_id=principal.user_id,
        created_at=utcnow(),
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.audit("Attachment", row.id, diff({}, attachment_snapshot(row)))
    return row


async def upload_interaction_attachment(
    tx: MutationTx, *, interaction_id: uuid.UUID, upload: UploadedFile
) -> Attachment:
    """A file on a logged interaction: agents and admins, same checks as a ticket's file."""
    ctx = tx.ctx
    principal = ctx.require_principal()
    blobs = require_blobs(ctx)
    if not policy.may_log_interaction(principal):
        raise ValidationFailed.one(
            "interactionId",
            "Only agents and admins add files to interactions.",
            AttachmentErrorCode.FORBIDDEN,
        )
    async with ctx.db.sessions() as session:
        found = await session.get(Interaction, interaction_id)
    if not policy.can_see_interaction(principal, found):
        raise NotFound("interactionId", "interaction")
    stored = await store_upload(
        blobs,
        upload,
        max_bytes=ctx.settings.max_upload_bytes,
        allowed=ctx.settings.upload_allowed_types,
    )
    tx.on_rollback(blobs.delete, stored.key)
    locked = (
        await tx.session.execute(
            select(Interaction).where(Interaction.id == interaction_id).with_for_update()
        )
    ).scalar_one_or_none()
    if locked is None or not policy.can_see_interaction(principal, locked):
        raise NotFound("interactionId", "interaction")
    row = Attachment(
        id=uuid.uuid4(),
        ticket_id=None,
        interaction_id=interaction_id,
        message_id=None,
        filename=stored.filename,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        uploaded_by_id=principal.user_id,
        created_at=utcnow(),
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.audit("Attachment", row.id, diff({}, attachment_snapshot(row)))
    # The interaction gained a file (staff-only, so never a public change).
    record_change(
        tx, "Interaction", interaction_id, ChangeKind.UPDATED, customer_id=locked.customer_id
    )
    with contextlib.suppress(KeyError):  # strawberry's clear() raises for an unknown key
        tx.ctx.loaders.attachments_by_interaction_id.clear(interaction_id)
    return row


async def delete_attachment(tx: MutationTx, attachment_id: uuid.UUID) -> Attachment:
    """Agents and admins remove any file (e.g. one holding data that must not be kept);
    anyone else only their own upload that is not on a message yet."""
    ctx = tx.ctx
    principal = ctx.require_principal()
    blobs = require_blobs(ctx)
    session = tx.session
    row = (
        await session.execute(
            select(Attachment).where(Attachment.id == attachment_id).with_for_update()
        )
    ).scalar_one_or_none()
    ticket = await session.get(Ticket, row.ticket_id) if row is not None else None
    message = (
        await session.get(TicketMessage, row.message_id)
        if row is not None and row.message_id is not None
        else None
    )
    if row is None or not policy.can_see_attachment(principal, ticket, message, row):
        raise NotFound("attachmentId", "attachment")
    if not policy.may_delete_attachment(principal, row):
        raise ValidationFailed.one(
            "attachmentId",
            "Only agents and admins can remove a file that is already on a message.",
            AttachmentErrorCode.FORBIDDEN,
        )
    await session.delete(row)
    tx.audit("Attachment", row.id, diff(attachment_snapshot(row), {}))
    # Once the row is gone; a blob that cannot be removed is harmless and logged for cleanup.
    tx.after_commit(blobs.delete, row.storage_key)
    return row
