"""Full-text search over ticket messages, as a subquery the ticket list can filter with."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.sql.elements import ColumnElement

from db.models.tickets import TicketMessage, Visibility

__all__ = ["ticket_ids_with_matching_messages"]


def ticket_ids_with_matching_messages(
    tsquery: ColumnElement[Any], *, public_only: bool
) -> Select[uuid.UUID]:
    """`SELECT ticket_id FROM ticket_messages WHERE search_vector @@ tsquery`.

    `tsquery` must use the 'simple' configuration, like the column (e.g.
    `func.to_tsquery('simple', 'word:*')`), so the GIN index applies. `public_only` is for
    customers: their search must never match words that only appear in internal notes.
    Use it as `Ticket.id.in_(ticket_ids_with_matching_messages(q, public_only=...))`.
    """
    stmt = select(TicketMessage.ticket_id).where(TicketMessage.search_vector.op("@@")(tsquery))
    if public_only:
        stmt = stmt.where(TicketMessage.visibility == Visibility.PUBLIC.value)
    return stmt
