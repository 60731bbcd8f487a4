"""Loaders for ticket messages, their revisions, the last message per ticket, and CSAT."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import TicketFeedback, TicketMessage, TicketMessageRevision
from db.models.tickets import Visibility

__all__ = [
    "load_feedback_by_id",
    "load_feedback_by_ticket_id",
    "load_last_message_by_ticket_id",
    "load_messages_by_id",
    "load_revisions_by_message_id",
]


async def load_messages_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[TicketMessage | None]:
    return await by_key(db, TicketMessage, TicketMessage.id, keys)


async def load_last_message_by_ticket_id(
    db: Database, keys: Sequence[uuid.UUID], *, public_only: bool
) -> list[TicketMessage | None]:
    """The newest message of each ticket in one `DISTINCT ON` query; `public_only` for
    customers, so an internal note never shows up as a ticket's last message to them."""
    stmt = (
        select(TicketMessage)
        .where(TicketMessage.ticket_id.in_(set(keys)))
        .ext(distinct_on(TicketMessage.ticket_id))
        .order_by(TicketMessage.ticket_id, TicketMessage.created_at.desc(), TicketMessage.id.desc())
    )
    if public_only:
        stmt = stmt.where(TicketMessage.visibility == Visibility.PUBLIC.value)
    async with db.sessions() as session:
        rows = (await session.execute(stmt)).scalars().all()
    found = {row.ticket_id: row for row in rows}
    return [found.get(key) for key in keys]


async def load_revisions_by_message_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[TicketMessageRevision]]:
    return await lists_by_key(
        db,
        TicketMessageRevision,
        TicketMessageRevision.message_id,
        keys,
        TicketMessageRevision.created_at,
        TicketMessageRevision.id,
    )


async def load_feedback_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[TicketFeedback | None]:
    return await by_key(db, TicketFeedback, TicketFeedback.id, keys)


async def load_feedback_by_ticket_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[TicketFeedback | None]:
    return await by_key(db, TicketFeedback, TicketFeedback.ticket_id, keys)
