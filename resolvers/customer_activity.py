"""Customer engagement: what counts as activity, the dashboard's customer metrics, and
`customerReport` (new and active customers, interactions by type or channel, per bucket).

A customer is *active* in a period when something happened with them: an interaction
logged (not deleted), a ticket opened, or a message posted on one of their tickets. A
customer is *at risk* when they have an open urgent ticket, or gave a CSAT rating of 2 or
less within the window. Deleted customers count nowhere.

The report reuses ticketReport's calendar (resolvers/reports.py: buckets in a time zone,
range limits, the MAX_CELLS cap) and costs four statements whatever the range or volume.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, func, literal, or_, select, union_all

from db.engine import Database
from db.models import Customer, Interaction, Ticket, TicketFeedback, TicketMessage
from db.models.tickets import OPEN_STATUSES, TicketPriority
from resolvers.context import RequestContext
from resolvers.reports import (
    ReportInterval,
    _aware,
    _bucket_count,
    _buckets,
    _check,
    _check_size,
    _Params,
)

__all__ = [
    "LOW_CSAT",
    "CustomerMetrics",
    "CustomerReport",
    "CustomerReportBucket",
    "CustomerReportGroupBy",
    "customer_metrics",
    "customer_report",
]

# A rating at or below this (of 5) puts a customer at risk.
LOW_CSAT = 2


class CustomerReportGroupBy(enum.StrEnum):
    NONE = "none"
    TYPE = "type"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class CustomerMetrics:
    new_customers: int
    active_customers: int
    at_risk_customers: int


@dataclass(slots=True)
class CustomerReportBucket:
    starts_at: datetime
    ends_at: datetime
    new_customers: int = 0
    active_customers: int = 0
    interactions: int = 0
    # (type or channel, interactions) in a stable order; empty unless grouped.
    groups: list[tuple[str | None, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CustomerReport:
    range_from: datetime
    range_to: datetime
    interval: ReportInterval
    group_by: CustomerReportGroupBy
    time_zone: str
    buckets: list[CustomerReportBucket]


def _activity(start: Any, end: Any) -> Any:
    """(customer_id, at) of every activity in [start, end) of a live customer."""
    interactions = select(Interaction.customer_id, Interaction.occurred_at.label("at")).where(
        Interaction.deleted_at.is_(None),
        Interaction.occurred_at >= start,
        Interaction.occurred_at < end,
    )
    tickets = select(Ticket.customer_id, Ticket.created_at).where(
        Ticket.created_at >= start, Ticket.created_at < end
    )
    messages = (
        select(Ticket.customer_id, TicketMessage.created_at)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(TicketMessage.created_at >= start, TicketMessage.created_at < end)
    )
    every = union_all(interactions, tickets, messages).subquery("activity")
    live = select(Customer.id).where(Customer.deleted_at.is_(None))
    return select(every.c.customer_id, every.c.at).where(every.c.customer_id.in_(live))


async def customer_metrics(db: Database, since: datetime, now: datetime) -> CustomerMetrics:
    """The dashboard's customer numbers over [since, now], in one statement."""
    activity = _activity(since, now).subquery()
    new = select(func.count()).where(
        Customer.deleted_at.is_(None), Customer.created_at >= since, Customer.created_at <= now
    )
    active = select(func.count(func.distinct(activity.c.customer_id)))
    urgent = select(Ticket.customer_id).where(
        Ticket.status.in_(OPEN_STATUSES), Ticket.priority == TicketPriority.URGENT.value
    )
    unhappy = (
        select(Ticket.customer_id)
        .join(TicketFeedback, TicketFeedback.ticket_id == Ticket.id)
        .where(
            TicketFeedback.rating <= LOW_CSAT,
            TicketFeedback.created_at >= since,
            TicketFeedback.created_at <= now,
        )
    )
    at_risk = select(func.count()).where(
        Customer.deleted_at.is_(None), or_(Customer.id.in_(urgent), Customer.id.in_(unhappy))
    )
    async with db.sessions() as session:
        row = (
            await session.execute(
                select(
                    new.scalar_subquery().label("new"),
                    active.scalar_subquery().label("active"),
                    at_risk.scalar_subquery().label("at_risk"),
                )
            )
        ).one()
    return CustomerMetrics(int(row.new), int(row.active), int(row.at_risk))


def _interaction_key(group_by: CustomerReportGroupBy) -> Any:
    if group_by is CustomerReportGroupBy.TYPE:
        return Interaction.type
    if group_by is CustomerReportGroupBy.CHANNEL:
        return Interaction.channel
    return literal(None, Text)


async def customer_report(
    ctx: RequestContext,
    range_from: datetime,
    range_to: datetime,
    interval: ReportInterval = ReportInterval.DAY,
    group_by: CustomerReportGroupBy = CustomerReportGroupBy.NONE,
    time_zone: str = "UTC",
) -> CustomerReport:
    """Staff only; the same range, time-zone and size rules as ticketReport."""
    ctx.require_staff()
    range_from, range_to = _aware(range_from), _aware(range_to)
    _check(range_from, range_to, interval, time_zone)
    p = _Params(interval, time_zone, range_from, range_to)
    in_range = and_(
        Interaction.deleted_at.is_(None),
        Interaction.occurred_at >= p.start,
        Interaction.occurred_at < p.end,
    )
    async with ctx.db.sessions() as session:
        groups = 1
        if group_by is not CustomerReportGroupBy.NONE:
            distinct = select(func.count(func.distinct(_interaction_key(group_by)))).where(in_range)
            groups += int((await session.execute(distinct)).scalar_one()) + 1
        _check_size(_bucket_count(range_from, range_to, interval, time_zone), groups, interval)
        buckets = _buckets(p)
        laid_out = (
            await session.execute(
                select(buckets.c.local_start, buckets.c.starts_at, buckets.c.ends_at).order_by(
                    buckets.c.local_start
                )
            )
        ).all()
        activity = _activity(p.start, p.end).subquery()
        new_bucket = p.bucket(p.local(Customer.created_at))
        active_bucket = p.bucket(p.local(activity.c.at))
        counts = union_all(
            select(literal("new", Text), new_bucket, literal(None, Text), func.count())
            .where(
                Customer.deleted_at.is_(None),
                Customer.created_at >= p.start,
                Customer.created_at < p.end,
            )
            .group_by(new_bucket),
            select(
                literal("active", Text),
                active_bucket,
                literal(None, Text),
                func.count(func.distinct(activity.c.customer_id)),
            ).group_by(active_bucket),
            _interaction_counts(p, group_by, in_range),
        )
        rows = (await session.execute(counts)).all()
    by_start: dict[Any, CustomerReportBucket] = {}
    ordered: list[CustomerReportBucket] = []
    for local_start, starts_at, ends_at in laid_out:
        bucket = CustomerReportBucket(starts_at, ends_at)
        by_start[local_start] = bucket
        ordered.append(bucket)
    grouped: dict[Any, dict[str | None, int]] = defaultdict(dict)
    for what, local_start, key, value in rows:
        found = by_start.get(local_start)
        if found is None:
            continue
        if what == "new":
            found.new_customers = int(value)
        elif what == "active":
            found.active_customers = int(value)
        elif what == "interactions":
            found.interactions = int(value)
        else:
            grouped[local_start][key] = int(value)
    if group_by is not CustomerReportGroupBy.NONE:
        keys = sorted({k for g in grouped.values() for k in g}, key=lambda k: (k is None, k or ""))
        for local_start, bucket in by_start.items():
            bucket.groups = [(k, grouped[local_start].get(k, 0)) for k in keys]
    return CustomerReport(range_from, range_to, interval, group_by, time_zone, ordered)


def _interaction_counts(p: _Params, group_by: CustomerReportGroupBy, in_range: Any) -> Any:
    bucket = p.bucket(p.local(Interaction.occurred_at))
    key = _interaction_key(group_by)
    total = (
        select(literal("interactions", Text), bucket, literal(None, Text), func.count())
        .where(in_range)
        .group_by(bucket)
    )
    if group_by is CustomerReportGroupBy.NONE:
        return total
    split = (
        select(literal("group", Text), bucket, key, func.count())
        .where(in_range)
        .group_by(bucket, key)
    )
    return union_all(total, split)
