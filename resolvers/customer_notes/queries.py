"""Reading customer notes: a customer's notes (pinned first, newest first) and by id."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from auth import policy
from db.models import CustomerNote
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.context import RequestContext

__all__ = ["customer_notes_page", "visible_customer_notes"]


async def customer_notes_page(
    ctx: RequestContext,
    customer_id: uuid.UUID,
    page: PageRequest,
    *,
    pinned: bool | None = None,
    count: bool,
) -> Page[CustomerNote]:
    """Newest first; `pinned` narrows to pinned (True) or unpinned (False) notes."""
    stmt = select(CustomerNote).where(
        CustomerNote.customer_id == customer_id, policy.customer_note_scope(ctx.principal)
    )
    if pinned is not None:
        stmt = stmt.where(CustomerNote.pinned.is_(pinned))
    async with ctx.db.sessions() as session:
        result: Page[CustomerNote] = await fetch_page(
            session,
            stmt,
            SortKey(CustomerNote.created_at, lambda row: row.created_at, descending=True),
            CustomerNote.id,
            page,
            count=count,
        )
    for row in result.rows:
        ctx.loaders.customer_note_by_id.prime(row.id, row)
    return result


async def visible_customer_notes(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[CustomerNote | None]:
    """Notes by id in key order; None where absent, deleted or not the caller's to see."""
    if not policy.can_see_customer_notes(ctx.principal):
        return [None] * len(ids)
    rows = await ctx.loaders.customer_note_by_id.load_many([i for i in ids if i is not None])
    by_id = {row.id: row for row in rows if row is not None}
    return [
        row if policy.can_see_customer_note(ctx.principal, row) else None
        for row in (by_id.get(i) if i is not None else None for i in ids)
    ]
