"""Reading interactions: a customer's, newest first, and by id through the policy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auth import policy
from db.models import Interaction
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.context import RequestContext

__all__ = ["InteractionCriteria", "interactions_page", "visible_interactions"]


@dataclass(frozen=True, slots=True)
class InteractionCriteria:
    types: tuple[str, ...] = ()
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None


async def interactions_page(
    ctx: RequestContext,
    customer_id: uuid.UUID,
    criteria: InteractionCriteria,
    page: PageRequest,
    *,
    count: bool,
) -> Page[Interaction]:
    """Newest first (ix_interactions_customer_occurred); customers: non-internal only."""
    stmt = select(Interaction).where(
        Interaction.customer_id == customer_id, policy.interaction_scope(ctx.principal)
    )
    if criteria.types:
        stmt = stmt.where(Interaction.type.in_(criteria.types))
    if criteria.occurred_after is not None:
        stmt = stmt.where(Interaction.occurred_at >= criteria.occurred_after)
    if criteria.occurred_before is not None:
        stmt = stmt.where(Interaction.occurred_at < criteria.occurred_before)
    async with ctx.db.sessions() as session:
        result: Page[Interaction] = await fetch_page(
            session,
            stmt,
            SortKey(Interaction.occurred_at, lambda row: row.occurred_at, descending=True),
            Interaction.id,
            page,
            count=count,
        )
    for row in result.rows:
        ctx.loaders.interaction_by_id.prime(row.id, row)
    return result


async def visible_interactions(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[Interaction | None]:
    """By id in key order; None where absent, deleted or not the caller's to see."""
    if ctx.principal is None:
        return [None] * len(ids)
    rows = await ctx.loaders.interaction_by_id.load_many([i for i in ids if i is not None])
    by_id = {row.id: row for row in rows if row is not None}
    return [
        row if policy.can_see_interaction(ctx.principal, row) else None
        for row in (by_id.get(i) if i is not None else None for i in ids)
    ]
