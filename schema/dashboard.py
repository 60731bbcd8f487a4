"""Staff dashboard and reports: the `dashboard` and `ticketReport` queries and the live
`dashboardEvents` subscription (definitions of every number in resolvers/dashboard.py)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import dashboard as dashboard_use_case
from resolvers import reports
from resolvers.context import RequestContext
from resolvers.dashboard import DEFAULT_WINDOW_DAYS, DashboardNumbers
from resolvers.dashboard_feed import dashboard_stream
from schema.accounts import User
from schema.permissions import IsStaff
from schema.teams import Team
from schema.tickets import TicketChannel, TicketPriority, TicketStatus

__all__ = ["Dashboard", "DashboardQuery", "DashboardSubscription", "TicketReport"]


@strawberry.type(description="Customers over the dashboard's window.")
class CustomerMetrics:
    new_customers: int = strawberry.field(description="Customers created within the window.")
    active_customers: int = strawberry.field(
        description="Customers with an interaction, a ticket opened or a message on their "
        "tickets within the window."
    )
    at_risk_customers: int = strawberry.field(
        description="Customers with an open urgent ticket, or a CSAT rating of 2 or less "
        "given within the window."
    )


@strawberry.type(description="How many open tickets are in one status.")
class StatusCount:
    status: TicketStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Open tickets in it.")


@strawberry.type(description="How many open tickets have one priority.")
class PriorityCount:
    priority: TicketPriority = strawberry.field(description="The priority.")
    count: int = strawberry.field(description="Open tickets with it.")


@strawberry.type(description="An agent's open workload.")
class AgentLoad:
    user: User = strawberry.field(description="The agent (or admin).")
    open_tickets: int = strawberry.field(description="Open tickets assigned to them.")
    sla_breached_tickets: int = strawberry.field(
        description="Of those, how many missed a response or resolution target."
    )


@strawberry.type(description="The support queue now, and how fast it was worked lately.")
class Dashboard:
    computed_at: datetime = strawberry.field(description="When these numbers were computed.")
    window_days: int = strawberry.field(description="Days the medians and CSAT look back.")
    window_start: datetime = strawberry.field(
        description="Start of that window (computedAt minus windowDays)."
    )
    open_tickets: int = strawberry.field(
        description="Tickets that are new, open, pending or on hold."
    )
    open_by_status: list[StatusCount] = strawberry.field(
        description="Open tickets per status (every open status, zeros included)."
    )
    open_by_priority: list[PriorityCount] = strawberry.field(
        description="Open tickets per priority, low to urgent (zeros included)."
    )
    unassigned_tickets: int = strawberry.field(description="Open tickets nobody is assigned.")
    first_response_breaches: int = strawberry.field(
        description="Open tickets whose first public reply came, or is still due, too late."
    )
    resolution_breaches: int = strawberry.field(
        description="Open tickets past their resolution due time."
    )
    median_first_response_seconds: float | None = strawberry.field(
        description="Median time to the first public staff reply, over tickets first "
        "answered within the window (null when there were none)."
    )
    median_resolution_seconds: float | None = strawberry.field(
        description="Median time from opening to solved, over tickets solved within the "
        "window (merged duplicates excluded; null when there were none)."
    )
    csat_average: float | None = strawberry.field(
        description="Average CSAT rating (1 to 5) given within the window."
    )
    csat_count: int = strawberry.field(description="CSAT ratings given within the window.")
    agent_load: list[AgentLoad] = strawberry.field(
        description="Open tickets per active agent and admin (idle ones too, plus anyone "
        "else still holding open tickets), busiest first."
    )

    customers: CustomerMetrics = strawberry.field(
        description="New, active and at-risk customers over the window."
    )

    @classmethod
    def from_numbers(cls, numbers: DashboardNumbers) -> Dashboard:
        return cls(
            customers=CustomerMetrics(
                new_customers=numbers.customers.new_customers,
                active_customers=numbers.customers.active_customers,
                at_risk_customers=numbers.customers.at_risk_customers,
            ),
            computed_at=numbers.computed_at,
            window_days=numbers.window_days,
            window_start=numbers.window_start,
            open_tickets=numbers.open_tickets,
            open_by_status=[
                StatusCount(status=TicketStatus(s), count=n)
                for s, n in numbers.open_by_status.items()
            ],
            open_by_priority=[
                PriorityCount(priority=TicketPriority(p), count=n)
                for p, n in numbers.open_by_priority.items()
            ],
            unassigned_tickets=numbers.unassigned,
            first_response_breaches=numbers.first_response_breaches,
            resolution_breaches=numbers.resolution_breaches,
            median_first_response_seconds=numbers.median_first_response_seconds,
            median_resolution_seconds=numbers.median_resolution_seconds,
            csat_average=numbers.csat_average,
            csat_count=numbers.csat_count,
            agent_load=[
                AgentLoad(
                    user=User.from_row(load.user),
                    open_tickets=load.open_tickets,
                    sla_breached_tickets=load.breached_tickets,
                )
                for load in numbers.agent_load
            ],
        )


# --- reports -------------------------------------------------------------------------------


@strawberry.enum(description="The size of a report bucket (calendar units of the time zone).")
class ReportInterval(enum.Enum):
    DAY = reports.ReportInterval.DAY.value
    WEEK = reports.ReportInterval.WEEK.value
    MONTH = reports.ReportInterval.MONTH.value


@strawberry.enum(description="How to split each report bucket.")
class ReportGroupBy(enum.Enum):
    NONE = reports.ReportGroupBy.NONE.value
    PRIORITY = reports.ReportGroupBy.PRIORITY.value
    CHANNEL = reports.ReportGroupBy.CHANNEL.value
    TEAM = reports.ReportGroupBy.TEAM.value


@strawberry.input(description="A time range: from (inclusive) to (exclusive).")
class ReportRange:
    from_: datetime = strawberry.field(
        name="from", description="Start, inclusive (a time without offset is UTC)."
    )
    to: datetime = strawberry.field(description="End, exclusive; must be after `from`.")


@strawberry.type(description="One group of a report bucket (a priority, channel or team).")
class TicketReportGroup:
    created: int = strawberry.field(description="Tickets of this group opened in the bucket.")
    solved: int = strawberry.field(description="Tickets of this group solved in the bucket.")
    median_first_response_seconds: float | None = strawberry.field(
        description="Median first response of this group's tickets first answered in the "
        "bucket (null when none were)."
    )
    group_by: strawberry.Private[reports.ReportGroupBy]
    key: strawberry.Private[str | None]
    # Loaded once per report, not per group: a report has up to MAX_CELLS groups, and
    # one awaited loader call each cost seconds.
    team_value: strawberry.Private[Team | None] = None

    @strawberry.field(description="The priority, when grouped by PRIORITY.")
    def priority(self) -> TicketPriority | None:
        if self.group_by is not reports.ReportGroupBy.PRIORITY or self.key is None:
            return None
        return TicketPriority(self.key)

    @strawberry.field(description="The channel, when grouped by CHANNEL.")
    def channel(self) -> TicketChannel | None:
        if self.group_by is not reports.ReportGroupBy.CHANNEL or self.key is None:
            return None
        return TicketChannel(self.key)

    @strawberry.field(
        description="The team, when grouped by TEAM (null for tickets without a team)."
    )
    def team(self) -> Team | None:
        return self.team_value


@strawberry.type(description="One day, week or month of a report.")
class TicketReportBucket:
    starts_at: datetime = strawberry.field(description="Start of the bucket.")
    ends_at: datetime = strawberry.field(description="End of the bucket (exclusive).")
    created: int = strawberry.field(description="Tickets opened in the bucket.")
    solved: int = strawberry.field(
        description="Tickets solved in the bucket (merged duplicates excluded)."
    )
    median_first_response_seconds: float | None = strawberry.field(
        description="Median first response of tickets first answered in the bucket."
    )
    groups: list[TicketReportGroup] = strawberry.field(
        description="The same numbers per group (empty when not grouped); every group "
        "appears in every bucket, zeros included."
    )


@strawberry.type(description="Ticket volume and speed over time.")
class TicketReport:
    range_from: datetime = strawberry.field(name="from", description="Start of the range.")
    range_to: datetime = strawberry.field(name="to", description="End of the range.")
    interval: ReportInterval = strawberry.field(description="Bucket size.")
    group_by: ReportGroupBy = strawberry.field(description="How buckets are split.")
    time_zone: str = strawberry.field(
        description="Whose calendar the buckets follow."
        " Plain text: escape before rendering as HTML."
    )
    buckets: list[TicketReportBucket] = strawberry.field(
        description="Every bucket of the range in order, empty ones included."
    )

    @classmethod
    def from_report(
        cls, report: reports.TicketReport, teams: dict[str, Team] | None = None
    ) -> TicketReport:
        """`teams`: every team of a TEAM report by id (None for other groupings)."""
        teams = teams or {}
        return cls(
            range_from=report.range_from,
            range_to=report.range_to,
            interval=ReportInterval(report.interval.value),
            group_by=ReportGroupBy(report.group_by.value),
            time_zone=report.time_zone,
            buckets=[
                TicketReportBucket(
                    starts_at=bucket.starts_at,
                    ends_at=bucket.ends_at,
                    created=bucket.total.created,
                    solved=bucket.total.solved,
                    median_first_response_seconds=bucket.total.median_first_response_seconds,
                    groups=[
                        TicketReportGroup(
                            created=values.created,
                            solved=values.solved,
                            median_first_response_seconds=values.median_first_response_seconds,
                            group_by=report.group_by,
                            key=key,
                            team_value=teams.get(key) if key is not None else None,
                        )
                        for key, values in bucket.groups
                    ],
                )
                for bucket in report.buckets
            ],
        )


_WINDOW = strawberry.argument(
    description="Days the medians and CSAT look back (1 to 366; default 30)."
)


@strawberry.type
class DashboardQuery:
    @strawberry.field(
        description="Queue and performance numbers for the support team (staff only).",
        permission_classes=[IsStaff],
    )
    async def dashboard(
        self,
        info: strawberry.Info[RequestContext],
        window_days: Annotated[int, _WINDOW] = DEFAULT_WINDOW_DAYS,
    ) -> Dashboard:
        numbers = await dashboard_use_case.dashboard(info.context, window_days)
        return Dashboard.from_numbers(numbers)

    @strawberry.field(
        description="Tickets created and solved and the median first response per day, "
        "week or month, optionally per priority, channel or team (staff only). DAY covers "
        "at most 366 days, WEEK 3 years, MONTH 10 years, and a report holds at most "
        f"{reports.MAX_CELLS} rows (buckets times groups, each bucket's total included).",
        permission_classes=[IsStaff],
    )
    async def ticket_report(
        self,
        info: strawberry.Info[RequestContext],
        range: Annotated[ReportRange, strawberry.argument(description="The period to cover.")],
        interval: Annotated[
            ReportInterval, strawberry.argument(description="Bucket size (default DAY).")
        ] = ReportInterval.DAY,
        group_by: Annotated[
            ReportGroupBy, strawberry.argument(description="Split buckets (default NONE).")
        ] = ReportGroupBy.NONE,
        time_zone: Annotated[
            str, strawberry.argument(description="IANA time zone of the calendar (default UTC).")
        ] = "UTC",
    ) -> TicketReport:
        report = await reports.ticket_report(
            info.context,
            range.from_,
            range.to,
            reports.ReportInterval(interval.value),
            reports.ReportGroupBy(group_by.value),
            time_zone,
        )
        teams: dict[str, Team] = {}
        if report.group_by is reports.ReportGroupBy.TEAM and report.buckets:
            ids = [uuid.UUID(key) for key, _ in report.buckets[0].groups if key is not None]
            rows = await info.context.loaders.team_by_id.load_many(ids)
            teams = {str(row.id): Team.from_row(row) for row in rows if row is not None}
        return TicketReport.from_report(report, teams)


@strawberry.type
class DashboardSubscription:
    @strawberry.subscription(
        description="The dashboard now, then again whenever tickets change — at most once "
        "a second, a burst of changes ending with its final numbers (staff only).",
        permission_classes=[IsStaff],
    )
    async def dashboard_events(
        self,
        info: strawberry.Info[RequestContext],
        window_days: Annotated[int, _WINDOW] = DEFAULT_WINDOW_DAYS,
    ) -> AsyncIterator[Dashboard]:
        stream = await dashboard_stream(info.context, window_days)
        return _dashboards(stream)


async def _dashboards(
    stream: AsyncGenerator[DashboardNumbers, None],
) -> AsyncGenerator[Dashboard, None]:
    async with aclosing(stream) as numbers:
        async for value in numbers:
            yield Dashboard.from_numbers(value)
