"""Putting uploaded files on a message: addMessage(attachmentIds) calls link_attachments
inside its own transaction, so a bad id refuses the whole reply."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from auth import policy
from auth.principal import Principal
from db.models import Attachment, Ticket, TicketMessage
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import AttachmentErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["MAX_ATTACHMENTS_PER_MESSAGE", "link_attachments"]

MAX_ATTACHMENTS_PER_MESSAGE = 20


async def link_attachments(
    tx: MutationTx,
    principal: Principal,
    ticket: Ticket,
    message: TicketMessage,
    attachment_ids: Sequence[uuid.UUID],
    field: str = "attachmentIds",
) -> list[Attachment]:
    """Each id must be an upload on this ticket that is not on a message yet; customers
    (and anyone but staff) may only link files they uploaded themselves."""
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return []
    if len(ids) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationFailed.one(
            field,
            f"A message has at most {MAX_ATTACHMENTS_PER_MESSAGE} files.",
            AttachmentErrorCode.INVALID,
        )
    rows = (
        await tx.session.execute(
            select(Attachment)
            .where(Attachment.id.in_(ids))
            .order_by(Attachment.id)
            .with_for_update()
        )
    ).scalars()
    found = {row.id: row for row in rows}
    problems: list[FieldProblem] = []
    for index, key in enumerate(attachment_ids):
        row = found.get(key)
        mine = row is not None and policy.may_attach_upload(principal, row)
        if row is None or row.ticket_id != ticket.id or not mine:
            problems.append(
                FieldProblem(
                    f"{field}.{index}",
                    "No upload on this ticket with this ID.",
                    AttachmentErrorCode.NOT_FOUND,
                )
            )
        elif row.message_id is not None and row.message_id != message.id:
            problems.append(
                FieldProblem(
                    f"{field}.{index}",
                    "This file is already on another message.",
                    AttachmentErrorCode.INVALID_STATE,
                )
            )
    if problems:
        raise ValidationFailed(*problems)
    linked = [found[key] for key in ids]
    for row in linked:
        if row.message_id != message.id:
            row.message_id = message.id
            tx.audit("Attachment", row.id, diff({"message_id": None}, {"message_id": message.id}))
    return linked
