"""Usage analytics for admins: active users, active API keys and operations over time.

Read only from what AutoCRM records anyway (the audit log, sign-in sessions, API keys'
last use, AI calls, jobs); nothing is tracked for it. Buckets are UTC calendar units.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    Text,
    distinct,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiCall, ApiKey, AuditEntry, AuthSession, Job, User
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = [
    "MAX_BUCKETS",
    "MAX_TOP_ACTIONS",
    "UsageAnalytics",
    "UsageBucket",
    "UsageCounts",
    "UsageInterval",
    "usage_analytics",
]

MAX_BUCKETS = 400
MAX_TOP_ACTIONS = 20
_STAFF_ROLES = ("admin", "agent", "reviewer")


class UsageInterval(enum.StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


_STEP = {
    UsageInterval.HOUR: timedelta(hours=1),
    UsageInterval.DAY: timedelta(days=1),
    UsageInterval.WEEK: timedelta(weeks=1),
}


@dataclass(frozen=True, slots=True)
class UsageCounts:
    active_users: int = 0
    active_staff: int = 0
    active_customers: int = 0
    active_api_keys: int = 0
    mutations: int = 0
    logins: int = 0
    ai_calls: int = 0
    jobs: int = 0


@dataclass(frozen=True, slots=True)
class UsageBucket:
    starts_at: datetime
    ends_at: datetime
    counts: UsageCounts


@dataclass(frozen=True, slots=True)
class UsageAnalytics:
    range_from: datetime
    range_to: datetime
    interval: UsageInterval
    total: UsageCounts
    buckets: list[UsageBucket]
    # The most frequent audited actions (mutations) in the range: (action, count).
    top_actions: list[tuple[str, int]]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _floor(moment: datetime, interval: UsageInterval) -> datetime:
    moment = moment.astimezone(UTC)
    if interval is UsageInterval.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval is UsageInterval.DAY:
        return day
    return day - timedelta(days=day.weekday())  # weeks start on Monday, as date_trunc's


def _starts(since: datetime, until: datetime, interval: UsageInterval) -> list[datetime]:
    starts: list[datetime] = []
    at = _floor(since, interval)
    while at < until and len(starts) <= MAX_BUCKETS:
        starts.append(at)
        at += _STEP[interval]
    return starts


def _check(since: datetime, until: datetime, interval: UsageInterval) -> list[datetime]:
    if until <= since:
        raise ValidationFailed.one(
            "range.to", "The end of the range must be after its start.", CommonErrorCode.INVALID
        )
    starts = _starts(since, until, interval)
    if len(starts) > MAX_BUCKETS:
        raise ValidationFailed(
            FieldProblem(
                "range",
                f"At most {MAX_BUCKETS} {interval.value} buckets: shorten the range or use a "
                "longer interval.",
                CommonErrorCode.INVALID,
            )
        )
    return starts


def _activity(since: datetime, until: datetime) -> Any:
    """Every recorded trace of use in the range: (at, user, API key, kind)."""

    def part(at: Any, user: Any, key: Any, kind: str) -> Select[Any]:
        return select(
            at.label("at"),
            user.label("user_id"),
            key.label("api_key_id"),
            literal(kind, Text).label("kind"),
        ).where(at >= since, at < until)

    no_id = null().cast(AuthSession.user_id.type)
    return union_all(
        part(
            AuditEntry.created_at, AuditEntry.actor_user_id, AuditEntry.actor_api_key_id, "mutation"
        ),
        part(AuthSession.created_at, AuthSession.user_id, no_id, "login"),
        part(AuthSession.last_used_at, AuthSession.user_id, no_id, "use"),
        part(ApiKey.last_used_at, no_id, ApiKey.id, "use"),
        part(AiCall.created_at, AiCall.user_id, AiCall.api_key_id, "ai_call"),
        part(Job.created_at, Job.requested_by_id, no_id, "job"),
    ).subquery("activity")


def _measures(activity: Any) -> list[Any]:
    def kind(name: str) -> Any:
        return func.count().filter(activity.c.kind == name)

    return [
        func.count(distinct(activity.c.user_id)).label("active_users"),
        func.count(distinct(activity.c.user_id))
        .filter(User.role.in_(_STAFF_ROLES))
        .label("active_staff"),
        func.count(distinct(activity.c.user_id))
        .filter(User.role == "customer")
        .label("active_customers"),
        func.count(distinct(activity.c.api_key_id)).label("active_api_keys"),
        kind("mutation").label("mutations"),
        kind("login").label("logins"),
        kind("ai_call").label("ai_calls"),
        kind("job").label("jobs"),
    ]


def _counts(row: Any) -> UsageCounts:
    return UsageCounts(
        active_users=row.active_users,
        active_staff=row.active_staff,
        active_customers=row.active_customers,
        active_api_keys=row.active_api_keys,
        mutations=row.mutations,
        logins=row.logins,
        ai_calls=row.ai_calls,
        jobs=row.jobs,
    )


async def _report(
    session: AsyncSession, since: datetime, until: datetime, interval: UsageInterval
) -> tuple[UsageCounts, dict[datetime, UsageCounts], list[tuple[str, int]]]:
    activity = _activity(since, until)
    with_role = activity.outerjoin(User, User.id == activity.c.user_id)
    bucket = func.date_trunc(
        literal(interval.value, Text), func.timezone("UTC", activity.c.at)
    ).label("bucket")
    per_bucket = select(bucket, *_measures(activity)).select_from(with_role).group_by(bucket)
    total = select(*_measures(activity)).select_from(with_role)
    actions = (
        select(AuditEntry.action, func.count().label("n"))
        .where(AuditEntry.created_at >= since, AuditEntry.created_at < until)
        .group_by(AuditEntry.action)
        .order_by(func.count().desc(), AuditEntry.action)
        .limit(MAX_TOP_ACTIONS)
    )
    buckets = {
        row.bucket.replace(tzinfo=UTC): _counts(row)
        for row in (await session.execute(per_bucket)).all()
    }
    totals = _counts((await session.execute(total)).one())
    top = [(action, n) for action, n in (await session.execute(actions)).all()]
    return totals, buckets, top


async def usage_analytics(
    ctx: RequestContext, since: datetime, until: datetime, interval: UsageInterval
) -> UsageAnalytics:
    ctx.require_admin()
    since, until = _aware(since), _aware(until)
    starts = _check(since, until, interval)
    async with ctx.db.sessions() as session:
        total, found, top = await _report(session, since, until, interval)
    step = _STEP[interval]
    buckets = [
        UsageBucket(
            starts_at=max(start, since),
            ends_at=min(start + step, until),
            counts=found.get(start, UsageCounts()),
        )
        for start in starts
    ]
    return UsageAnalytics(since, until, interval, total, buckets, top)
