"""Reading attachments: one ticket's files as a keyset-paginated page."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from auth import policy
from db.models import Attachment
from db.pagination import Column, Page, PageRequest, SortKey, fetch_page
from resolvers.attachments.access import customer_attachment_clause
from resolvers.context import RequestContext

__all__ = ["AttachmentCriteria", "AttachmentSort", "attachments_page"]


class AttachmentSort(enum.Enum):
    CREATED_AT = "created_at"
    FILENAME = "filename"
    SIZE = "size"


@dataclass(frozen=True, slots=True)
class AttachmentCriteria:
    content_types: tuple[str, ...] = ()
    # True: only files on a message; False: only uploads not linked yet.
    on_message: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


_SORTS: dict[AttachmentSort, tuple[Column, Callable[[Attachment], Any]]] = {
    AttachmentSort.CREATED_AT: (Attachment.created_at, lambda row: row.created_at),
    AttachmentSort.FILENAME: (func.lower(Attachment.filename), lambda row: row.filename.lower()),
    AttachmentSort.SIZE: (Attachment.size_bytes, lambda row: row.size_bytes),
}


async def attachments_page(
    ctx: RequestContext,
    ticket_id: uuid.UUID,
    criteria: AttachmentCriteria,
    sort: AttachmentSort,
    descending: bool,
    page: PageRequest,
) -> Page[Attachment]:
    """The caller may see the ticket; this decides which of its files they may see."""
    principal = ctx.require_principal()
    stmt = select(Attachment).where(Attachment.ticket_id == ticket_id)
    if not ctx.allows(policy.is_staff):
        stmt = stmt.where(customer_attachment_clause(principal))
    if criteria.content_types:
        stmt = stmt.where(Attachment.content_type.in_(criteria.content_types))
    if criteria.on_message is not None:
        stmt = stmt.where(
            Attachment.message_id.is_not(None)
            if criteria.on_message
            else Attachment.message_id.is_(None)
        )
    if criteria.created_after is not None:
        stmt = stmt.where(Attachment.created_at >= criteria.created_after)
    if criteria.created_before is not None:
        stmt = stmt.where(Attachment.created_at < criteria.created_before)
    expression, value = _SORTS[sort]
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session,
            stmt,
            SortKey(expression, value, descending=descending),
            Attachment.id,
            page,
            max_size=ctx.settings.max_page_size,
        )
    for row in result.rows:
        ctx.loaders.attachment_by_id.prime(row.id, row)
    return result
