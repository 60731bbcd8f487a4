"""The support dashboard: the queue as it is now and how fast it has been worked lately.

Everything is aggregated in PostgreSQL, in three statements whatever the volume: one row
of counts, medians and CSAT, one row per agent with their open tickets, and one row of
customer metrics (new, active, at risk: see resolvers/customer_activity.py).

Definitions (all judged at `computed_at`):
- open tickets: new, open, pending or on hold (merged duplicates are closed);
- a first-response breach: the first public staff reply came (or is still missing) after
  its due time; a resolution breach: an open ticket past its resolution due time;
- median first response: first reply minus creation, over tickets first answered within
  the window; median resolution: solved minus created, over tickets solved within the
  window (merged duplicates excluded); CSAT: ratings given within the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, cast, desc, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from db.base import utcnow
from db.engine import Database
from db.models import Ticket, TicketFeedback, User
from db.models.tickets import OPEN_STATUSES, TicketPriority
from resolvers.context import RequestContext
from resolvers.customer_activity import CustomerMetrics, customer_metrics
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import ValidationFailed
from resolvers.tickets.common import AGENT_ROLES

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "MAX_WINDOW_DAYS",
    "AgentLoad",
    "DashboardNumbers",
    "check_window",
    "compute_dashboard",
    "dashboard",
]

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 366


@dataclass(frozen=True, slots=True)
class AgentLoad:
    user: User
    open_tickets: int
    breached_tickets: int


@dataclass(frozen=True, slots=True)
class DashboardNumbers:
    computed_at: datetime
    window_days: int
    open_by_status: dict[str, int]
    open_by_priority: dict[str, int]
    unassigned: int
    first_response_breaches: int
    resolution_breaches: int
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    csat_average: float | None
    csat_count: int
    agent_load: tuple[AgentLoad, ...]
    # New, active and at-risk customers over the window (resolvers/customer_activity.py).
    customers: CustomerMetrics = field(default_factory=lambda: CustomerMetrics(0, 0, 0))

    @property
    def window_start(self) -> datetime:
        return self.computed_at - timedelta(days=self.window_days)

    @property
    def open_tickets(self) -> int:
        return sum(self.open_by_status.values())


def check_window(window_days: int, field: str = "windowDays") -> None:
    if not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationFailed.one(
            field,
            f"The window is 1 to {MAX_WINDOW_DAYS} days, not {window_days}.",
            CommonErrorCode.INVALID,
        )


def _seconds(later: Any, earlier: Any) -> ColumnElement[Any]:
    return cast(func.extract("epoch", later - earlier), Float)


def _median(value: ColumnElement[Any]) -> Any:
    return func.percentile_cont(0.5).within_group(value)


def _breaches(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(first response, resolution) breached, for open tickets (see is_breached)."""
    first = Ticket.first_response_due_at < func.coalesce(Ticket.first_responded_at, now)
    resolution = Ticket.resolution_due_at < now
    return first, resolution


def _numbers_statement(now: datetime, since: datetime) -> Any:
    first_breach, resolution_breach = _breaches(now)
    counts = (
        select(
            *(func.count().filter(Ticket.status == s).label(f"status_{s}") for s in OPEN_STATUSES),
            *(
                func.count().filter(Ticket.priority == p.value).label(f"priority_{p.value}")
                for p in TicketPriority
            ),
            func.count().filter(Ticket.assignee_id.is_(None)).label("unassigned"),
            func.count().filter(first_breach).label("first_response_breaches"),
            func.count().filter(resolution_breach).label("resolution_breaches"),
        )
        .where(Ticket.status.in_(OPEN_STATUSES))
        .subquery("open_counts")
    )
    first_response = (
        select(_median(_seconds(Ticket.first_responded_at, Ticket.created_at)))
        .where(Ticket.first_responded_at >= since, Ticket.first_responded_at <= now)
        .scalar_subquery()
    )
    resolution = (
        select(_median(_seconds(Ticket.solved_at, Ticket.created_at)))
        .where(
            Ticket.solved_at >= since,
            Ticket.solved_at <= now,
            Ticket.merged_into_id.is_(None),
        )
        .scalar_subquery()
    )
    csat = (
        select(
            cast(func.avg(TicketFeedback.rating), Float).label("csat_average"),
            func.count().label("csat_count"),
        )
        .where(TicketFeedback.created_at >= since, TicketFeedback.created_at <= now)
        .subquery("csat")
    )
    return select(
        counts,
        csat,
        first_response.label("median_first_response"),
        resolution.label("median_resolution"),
    ).select_from(counts.join(csat, true()))  # one row each: the join is that row


def _agent_load_statement(now: datetime) -> Any:
    """Every active agent and admin (idle ones too), plus anyone else still holding open
    tickets (say, a deactivated agent whose queue needs redistributing)."""
    first_breach, resolution_breach = _breaches(now)
    open_count = func.count(Ticket.id)
    return (
        select(
            User,
            open_count.label("open_tickets"),
            func.count(Ticket.id).filter(or_(first_breach, resolution_breach)).label("breached"),
        )
        .outerjoin(Ticket, and_(Ticket.assignee_id == User.id, Ticket.status.in_(OPEN_STATUSES)))
        .where(or_(and_(User.role.in_(AGENT_ROLES), User.is_active), Ticket.id.is_not(None)))
        .group_by(User.id)
        .order_by(desc(open_count), func.lower(User.name), User.id)
    )


async def compute_dashboard(
    db: Database, window_days: int = DEFAULT_WINDOW_DAYS, now: datetime | None = None
) -> DashboardNumbers:
    """The numbers as of `now`; the caller has checked the window and who is asking."""
    now = now or utcnow()
    since = now - timedelta(days=window_days)
    async with db.sessions() as session:
        row = (await session.execute(_numbers_statement(now, since))).one()
        agents = (await session.execute(_agent_load_statement(now))).all()
    customers = await customer_metrics(db, since, now)
    values = row._mapping
    return DashboardNumbers(
        computed_at=now,
        window_days=window_days,
        open_by_status={s: int(values[f"status_{s}"]) for s in OPEN_STATUSES},
        open_by_priority={p.value: int(values[f"priority_{p.value}"]) for p in TicketPriority},
        unassigned=int(values["unassigned"]),
        first_response_breaches=int(values["first_response_breaches"]),
        resolution_breaches=int(values["resolution_breaches"]),
        median_first_response_seconds=_float(values["median_first_response"]),
        median_resolution_seconds=_float(values["median_resolution"]),
        csat_average=_float(values["csat_average"]),
        csat_count=int(values["csat_count"]),
        agent_load=tuple(
            AgentLoad(user=user, open_tickets=int(open_tickets), breached_tickets=int(breached))
            for user, open_tickets, breached in agents
        ),
        customers=customers,
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


async def dashboard(
    ctx: RequestContext, window_days: int = DEFAULT_WINDOW_DAYS
) -> DashboardNumbers:
    """The `dashboard` query: staff only."""
    ctx.require_staff()
    check_window(window_days)
    numbers = await compute_dashboard(ctx.db, window_days)
    for load in numbers.agent_load:
        ctx.loaders.user_by_id.prime(load.user.id, load.user)
    return numbers
