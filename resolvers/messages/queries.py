"""Reading messages: one ticket's log as a keyset-paginated page, and single messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from db.models import TicketMessage
from db.models.tickets import Visibility
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.context import RequestContext
from resolvers.messages.access import can_see_message, customer_only_public

__all__ = ["MessageFilter", "messages_page", "visible_messages"]


@dataclass(frozen=True, slots=True)
class MessageFilter:
    visibility: str | None = None
    author_kinds: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None


async def messages_page(
    ctx: RequestContext,
    ticket_id: uuid.UUID,
    f: MessageFilter,
    page: PageRequest,
    *,
    newest_first: bool = False,
    count: bool = True,
) -> Page[TicketMessage]:
    """The caller has already been allowed to see the ticket; this decides which messages
    (`count`: whether the connection's totalCount was asked for)."""
    principal = ctx.require_principal()
    stmt = select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
    if customer_only_public(principal):
        stmt = stmt.where(TicketMessage.visibility == Visibility.PUBLIC.value)
    if f.visibility is not None:
        stmt = stmt.where(TicketMessage.visibility == f.visibility)
    if f.author_kinds:
        stmt = stmt.where(TicketMessage.author_kind.in_(f.author_kinds))
    if f.created_after is not None:
        stmt = stmt.where(TicketMessage.created_at >= f.created_after)
    if f.created_before is not None:
        stmt = stmt.where(TicketMessage.created_at < f.created_before)
    sort = SortKey(TicketMessage.created_at, lambda row: row.created_at, descending=newest_first)
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session,
            stmt,
            sort,
            TicketMessage.id,
            page,
            max_size=ctx.settings.max_page_size,
            count=count,
        )
    for row in result.rows:
        ctx.loaders.message_by_id.prime(row.id, row)
    return result


async def visible_messages(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[TicketMessage | None]:
    """Messages by id in key order; None where absent or not the caller's to see."""
    principal = ctx.principal
    if principal is None:
        return [None] * len(ids)
    keys = [key for key in ids if key is not None]
    rows = await ctx.loaders.message_by_id.load_many(keys)
    by_id = {row.id: row for row in rows if row is not None}
    ticket_ids = list({row.ticket_id for row in by_id.values()})
    tickets = await ctx.loaders.ticket_by_id.load_many(ticket_ids)
    ticket_by_id = {t.id: t for t in tickets if t is not None}
    visible: list[TicketMessage | None] = []
    for key in ids:
        row = by_id.get(key) if key is not None else None
        ticket = ticket_by_id.get(row.ticket_id) if row is not None else None
        ok = row is not None and ticket is not None and can_see_message(principal, ticket, row)
        visible.append(row if ok else None)
    return visible
