"""Customer.stats: a customer's engagement figures, in one statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, cast, extract, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from auth import policy
from db.models import Interaction, Ticket, TicketFeedback
from db.models.tickets import TicketStatus
from resolvers.context import RequestContext

__all__ = ["OPEN_STATUSES", "CustomerStats", "customer_stats"]

OPEN_STATUSES = (
    TicketStatus.NEW.value,
    TicketStatus.OPEN.value,
    TicketStatus.PENDING.value,
    TicketStatus.ON_HOLD.value,
)


@dataclass(frozen=True, slots=True)
class CustomerStats:
    open_tickets: int
    total_tickets: int
    first_contact_at: datetime | None
    last_contact_at: datetime | None
    csat_average: float | None
    csat_count: int
    median_first_response_seconds: float | None


async def customer_stats(ctx: RequestContext, customer_id: uuid.UUID) -> CustomerStats:
    """Contacts are tickets (opened, last message) and the interactions the caller may see
    (a customer: not the internal ones). The caller has checked the customer is visible."""
    principal = ctx.principal
    tickets = (
        select(Ticket)
        .where(Ticket.customer_id == customer_id, policy.ticket_scope(principal))
        .subquery()
    )
    interactions = (
        select(Interaction.occurred_at)
        .where(Interaction.customer_id == customer_id, policy.interaction_scope(principal))
        .subquery()
    )
    ratings = (
        select(TicketFeedback.rating)
        .join(Ticket, Ticket.id == TicketFeedback.ticket_id)
        .where(Ticket.customer_id == customer_id, policy.ticket_scope(principal))
        .subquery()
    )
    response_seconds = extract("epoch", tickets.c.first_responded_at - tickets.c.created_at)

    def scalar(expr: ColumnElement[Any], source: FromClause) -> ColumnElement[Any]:
        return select(expr).select_from(source).scalar_subquery()

    stmt = select(
        scalar(func.count().filter(tickets.c.status.in_(OPEN_STATUSES)), tickets),
        scalar(func.count(), tickets),
        scalar(func.min(tickets.c.created_at), tickets),
        scalar(func.max(func.coalesce(tickets.c.last_message_at, tickets.c.created_at)), tickets),
        scalar(func.min(interactions.c.occurred_at), interactions),
        scalar(func.max(interactions.c.occurred_at), interactions),
        scalar(cast(func.avg(ratings.c.rating), Float), ratings),
        scalar(func.count(), ratings),
        scalar(
            func.percentile_cont(0.5).within_group(response_seconds),
            tickets,
        ),
    )
    async with ctx.db.sessions() as session:
        row: Any = (await session.execute(stmt)).one()
    (open_, total, t_first, t_last, i_first, i_last, csat, csat_count, median) = row
    firsts = [t for t in (t_first, i_first) if t is not None]
    lasts = [t for t in (t_last, i_last) if t is not None]
    return CustomerStats(
        open_tickets=int(open_ or 0),
        total_tickets=int(total or 0),
        first_contact_at=min(firsts) if firsts else None,
        last_contact_at=max(lasts) if lasts else None,
        csat_average=round(float(csat), 2) if csat is not None else None,
        csat_count=int(csat_count or 0),
        median_first_response_seconds=float(median) if median is not None else None,
    )
