"""Usage analytics for admins: who used the installation, and how much, over time."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import usage_analytics as analytics
from resolvers.context import RequestContext
from schema.dashboard import ReportRange
from schema.permissions import IsAdmin

__all__ = ["UsageQuery"]


@strawberry.enum(description="The size of a usage bucket (UTC calendar units; weeks start Monday).")
class UsageInterval(enum.Enum):
    HOUR = analytics.UsageInterval.HOUR.value
    DAY = analytics.UsageInterval.DAY.value
    WEEK = analytics.UsageInterval.WEEK.value


@strawberry.type(description="Activity counted from what AutoCRM records anyway.")
class UsageCounts:
    active_users: int = strawberry.field(
        description="Distinct users who signed in, refreshed a session, changed something "
        "(audit log), called AI or requested a job."
    )
    active_staff: int = strawberry.field(description="Of those, admins, agents and reviewers.")
    active_customers: int = strawberry.field(description="Of those, customer accounts.")
    active_api_keys: int = strawberry.field(
        description="Distinct API keys that changed something, called AI, or were last used then."
    )
    mutations: int = strawberry.field(description="Changes recorded in the audit log.")
    logins: int = strawberry.field(description="Sign-ins (sessions started).")
    ai_calls: int = strawberry.field(description="LLM gateway calls (attempts and cache hits).")
    jobs: int = strawberry.field(description="Background jobs requested.")

    @classmethod
    def from_counts(cls, counts: analytics.UsageCounts) -> UsageCounts:
        return cls(
            active_users=counts.active_users,
            active_staff=counts.active_staff,
            active_customers=counts.active_customers,
            active_api_keys=counts.active_api_keys,
            mutations=counts.mutations,
            logins=counts.logins,
            ai_calls=counts.ai_calls,
            jobs=counts.jobs,
        )


@strawberry.type(description="Usage in one bucket of time.")
class UsageBucket:
    starts_at: datetime = strawberry.field(description="Start, inclusive.")
    ends_at: datetime = strawberry.field(description="End, exclusive.")
    counts: UsageCounts = strawberry.field(description="What happened in it.")


@strawberry.type(description="How often one kind of change was made.")
class UsageAction:
    action: str = strawberry.field(
        description="The audited action, e.g. `createTicket`. "
        "Plain text: escape before rendering as HTML."
    )
    count: int = strawberry.field(description="Times it was recorded in the range.")


@strawberry.type(description="Usage of the installation over a range of time.")
class UsageAnalytics:
    range_from: datetime = strawberry.field(description="Start of the range, inclusive.")
    range_to: datetime = strawberry.field(description="End of the range, exclusive.")
    interval: UsageInterval = strawberry.field(description="The bucket size.")
    total: UsageCounts = strawberry.field(
        description="The whole range (a user active in several buckets counts once)."
    )
    buckets: list[UsageBucket] = strawberry.field(
        description="One per interval, oldest first, empty ones included."
    )
    top_actions: list[UsageAction] = strawberry.field(
        description=f"The {analytics.MAX_TOP_ACTIONS} most frequent audited changes, most first."
    )

    @classmethod
    def from_report(cls, report: analytics.UsageAnalytics) -> UsageAnalytics:
        return cls(
            range_from=report.range_from,
            range_to=report.range_to,
            interval=UsageInterval(report.interval.value),
            total=UsageCounts.from_counts(report.total),
            buckets=[
                UsageBucket(
                    starts_at=b.starts_at,
                    ends_at=b.ends_at,
                    counts=UsageCounts.from_counts(b.counts),
                )
                for b in report.buckets
            ],
            top_actions=[UsageAction(action=a, count=n) for a, n in report.top_actions],
        )


@strawberry.type
class UsageQuery:
    @strawberry.field(
        description="Active users, active API keys and operations over time (admins), read "
        "from the audit log, sessions, API keys' last use, AI calls and jobs; nothing is "
        f"tracked for it. At most {analytics.MAX_BUCKETS} buckets.",
        permission_classes=[IsAdmin],
    )
    async def usage_analytics(
        self,
        info: strawberry.Info[RequestContext],
        range: Annotated[ReportRange, strawberry.argument(description="The period to cover.")],
        interval: Annotated[
            UsageInterval, strawberry.argument(description="Bucket size (default DAY).")
        ] = UsageInterval.DAY,
    ) -> UsageAnalytics:
        report = await analytics.usage_analytics(
            info.context, range.from_, range.to, analytics.UsageInterval(interval.value)
        )
        return UsageAnalytics.from_report(report)
