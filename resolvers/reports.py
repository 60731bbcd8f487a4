"""ticketReport: tickets created and solved, and the median first response, per day, week
or month of a range, optionally per priority, channel or team.

One statement: `generate_series` lays out every bucket (so a quiet day reads as zero, not
as a gap), each group is crossed with every bucket, and GROUPING SETS give the bucket's
totals (a median of the whole bucket, which group medians cannot give) in the same pass.
Buckets follow the calendar of `time_zone` (a DAY is a local day; a WEEK starts on
Monday); events count in the bucket they happened in, and only within [from, to).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    null,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL

from db.models import Team, Ticket
from db.models.tickets import TicketChannel, TicketPriority
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = [
    "MAX_CELLS",
    "MAX_RANGE",
    "ReportBucket",
    "ReportGroupBy",
    "ReportInterval",
    "ReportValues",
    "TicketReport",
    "ticket_report",
]


class ReportInterval(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ReportGroupBy(enum.StrEnum):
    NONE = "none"
    PRIORITY = "priority"
    CHANNEL = "channel"
    TEAM = "team"


# The longest range per bucket size: a year by day, three years by week, ten by month,
# which also bounds the rows one request can produce (buckets times groups).
MAX_RANGE: dict[ReportInterval, timedelta] = {
    ReportInterval.DAY: timedelta(days=366),
    ReportInterval.WEEK: timedelta(days=3 * 366),
    ReportInterval.MONTH: timedelta(days=10 * 366),
}

# The most rows (buckets times groups, each bucket's total included) one report may hold:
# a year by day split into 25 teams, or ten years by month into 80. Every cell becomes
# objects in the response, so the query cost of a report is priced at this many.
MAX_CELLS = 10_000

# What each grouping groups by.
_KEY: dict[ReportGroupBy, Callable[[], Any]] = {
    ReportGroupBy.NONE: lambda: null().cast(Text),
    ReportGroupBy.PRIORITY: lambda: Ticket.priority,
    ReportGroupBy.CHANNEL: lambda: Ticket.channel,
    ReportGroupBy.TEAM: lambda: cast(Ticket.team_id, Text),
}
# Sorts the "no team" group after every team.
_LAST = 2**63 - 1
_FIXED_KEYS: dict[ReportGroupBy, list[str]] = {
    ReportGroupBy.PRIORITY: [p.value for p in TicketPriority],
    ReportGroupBy.CHANNEL: [c.value for c in TicketChannel],
}


@dataclass(frozen=True, slots=True)
class ReportValues:
    created: int
    solved: int
    median_first_response_seconds: float | None


@dataclass(slots=True)
class ReportBucket:
    starts_at: datetime
    ends_at: datetime
    total: ReportValues
    # (group key, values) in a stable order; the key is a priority, a channel or a team id
    # (None: tickets without a team). Empty when the report is not grouped.
    groups: list[tuple[str | None, ReportValues]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TicketReport:
    range_from: datetime
    range_to: datetime
    interval: ReportInterval
    group_by: ReportGroupBy
    time_zone: str
    buckets: list[ReportBucket]


def _aware(value: datetime) -> datetime:
    """A time without an offset is taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _check(
    range_from: datetime, range_to: datetime, interval: ReportInterval, time_zone: str
) -> None:
    problems: list[FieldProblem] = []
    if range_to <= range_from:
        problems.append(
            FieldProblem(
                "range.to", "The end of the range must be after its start.", CommonErrorCode.INVALID
            )
        )
    elif range_to - range_from > MAX_RANGE[interval]:
        problems.append(
            FieldProblem(
                "range",
                f"{interval.value.upper()} buckets cover at most "
                f"{MAX_RANGE[interval].days} days: shorten the range or use a longer interval.",
                CommonErrorCode.INVALID,
            )
        )
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            FieldProblem(
                "timeZone",
                f"Unknown time zone {time_zone!r}: use an IANA name such as Europe/Berlin or UTC.",
                CommonErrorCode.INVALID,
            )
        )
    if problems:
        raise ValidationFailed(*problems)


def _bucket_count(
    range_from: datetime, range_to: datetime, interval: ReportInterval, time_zone: str
) -> int:
    """How many buckets `_buckets` will lay out (the same calendar arithmetic)."""
    zone = ZoneInfo(time_zone)
    first = range_from.astimezone(zone).date()
    last = (range_to.astimezone(zone) - timedelta(microseconds=1)).date()
    if interval is ReportInterval.DAY:
        return (last - first).days + 1
    if interval is ReportInterval.WEEK:
        monday = first - timedelta(days=first.weekday())
        return (last - monday).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _check_size(buckets: int, groups: int, interval: ReportInterval) -> None:
    cells = buckets * groups
    if cells <= MAX_CELLS:
        return
    coarser = {ReportInterval.DAY: "WEEK or MONTH", ReportInterval.WEEK: "MONTH"}.get(interval)
    advice = "shorten the range" + (f", use {coarser} buckets" if coarser else "")
    raise ValidationFailed(
        FieldProblem(
            "range",
            f"This report would have {buckets} buckets of {groups} rows each ({cells} rows); "
            f"a report holds at most {MAX_CELLS}: {advice} or group by fewer values.",
            CommonErrorCode.INVALID,
        )
    )


async def _group_count(session: Any, group_by: ReportGroupBy) -> int:
    """Rows per bucket: its total plus one per group (every team, and "no team")."""
    if group_by is ReportGroupBy.NONE:
        return 1
    if group_by is ReportGroupBy.TEAM:
        teams = (await session.execute(select(func.count()).select_from(Team))).scalar_one()
        return 1 + int(teams) + 1
    return 1 + len(_FIXED_KEYS[group_by])


@dataclass(frozen=True, slots=True)
class _Params:
    """The request's values as typed SQL literals (bound parameters, never inlined)."""

    interval: ReportInterval
    time_zone: str
    range_from: datetime
    range_to: datetime

    def local(self, at: Any) -> Any:
        """A timestamptz as wall-clock time in the report's time zone."""
        return func.timezone(literal(self.time_zone, Text), at)

    def utc(self, local: Any) -> Any:
        return func.timezone(literal(self.time_zone, Text), local)

    def bucket(self, local: Any) -> Any:
        return func.date_trunc(literal(self.interval.value, Text), local)

    @property
    def step(self) -> Any:
        return cast(literal(f"1 {self.interval.value}", Text), INTERVAL)

    @property
    def start(self) -> Any:
        return literal(self.range_from, DateTime(timezone=True))

    @property
    def end(self) -> Any:
        return literal(self.range_to, DateTime(timezone=True))


def _buckets(p: _Params) -> Any:
    last = p.local(p.end) - cast(literal("1 microsecond", Text), INTERVAL)
    series = (
        func.generate_series(p.bucket(p.local(p.start)), last, p.step)
        .table_valued("local_start")
        .render_derived(name="series")
    )
    return select(
        series.c.local_start,
        p.utc(series.c.local_start).label("starts_at"),
        p.utc(series.c.local_start + p.step).label("ends_at"),
    ).cte("buckets")


def _groups(group_by: ReportGroupBy) -> Any:
    """The bucket total (is_total) and, when grouped, every group in display order."""
    total = select(
        true().label("is_total"),
        null().cast(Text).label("key"),
        literal(0, BigInteger).label("ord"),
    )
    if group_by is ReportGroupBy.NONE:
        return total.cte("report_groups")
    if group_by is ReportGroupBy.TEAM:
        teams = select(
            false(),
            cast(Team.id, Text),
            func.row_number().over(order_by=(func.lower(Team.name), Team.id)),
        )
        no_team = select(false(), null().cast(Text), literal(_LAST, BigInteger))
        return union_all(total, teams, no_team).cte("report_groups")
    fixed = (
        func.unnest(literal(_FIXED_KEYS[group_by], ARRAY(Text)))
        .table_valued("k", with_ordinality="o")
        .render_derived(name="fixed")
    )
    return union_all(total, select(false(), fixed.c.k, fixed.c.o)).cte("report_groups")


def _events(
    name: str, p: _Params, group_by: ReportGroupBy, at: Any, *where: Any, median: bool = False
) -> Any:
    """Per bucket: the total and (GROUPING SETS, same pass) each group's value, over the
    tickets whose `at` falls in the range."""
    columns = [p.bucket(p.local(at)).label("local_start"), _KEY[group_by]().label("key")]
    if median:
        seconds = cast(func.extract("epoch", at - Ticket.created_at), Float)
        columns.append(seconds.label("seconds"))
    inner = select(*columns).where(at >= p.start, at < p.end, *where).subquery()
    value = func.percentile_cont(0.5).within_group(inner.c.seconds) if median else func.count()
    return (
        select(
            inner.c.local_start,
            inner.c.key,
            (func.grouping(inner.c.key) == 1).label("is_total"),
            value.label("value"),
        )
        .group_by(
            func.grouping_sets(
                tuple_(inner.c.local_start), tuple_(inner.c.local_start, inner.c.key)
            )
        )
        .cte(name)
    )


def _report_statement(p: _Params, group_by: ReportGroupBy) -> Any:
    buckets, groups = _buckets(p), _groups(group_by)
    created = _events("created", p, group_by, Ticket.created_at)
    solved = _events("solved", p, group_by, Ticket.solved_at, Ticket.merged_into_id.is_(None))
    responded = _events("responded", p, group_by, Ticket.first_responded_at, median=True)
    joined = buckets.join(groups, true())
    for events in (created, solved, responded):
        joined = joined.outerjoin(
            events,
            and_(
                events.c.local_start == buckets.c.local_start,
                events.c.is_total == groups.c.is_total,
                events.c.key.is_not_distinct_from(groups.c.key),
            ),
        )
    return (
        select(
            buckets.c.starts_at,
            buckets.c.ends_at,
            groups.c.is_total,
            groups.c.key,
            func.coalesce(created.c.value, 0).label("created"),
            func.coalesce(solved.c.value, 0).label("solved"),
            responded.c.value.label("median_first_response"),
        )
        .select_from(joined)
        .order_by(buckets.c.local_start, groups.c.is_total.desc(), groups.c.ord)
    )


async def ticket_report(
    ctx: RequestContext,
    range_from: datetime,
    range_to: datetime,
    interval: ReportInterval = ReportInterval.DAY,
    group_by: ReportGroupBy = ReportGroupBy.NONE,
    time_zone: str = "UTC",
) -> TicketReport:
    """Staff only; a bad range or time zone, or a report of more than MAX_CELLS rows, is
    a BAD_USER_INPUT error naming the field (checked before the report is computed)."""
    ctx.require_staff()
    range_from, range_to = _aware(range_from), _aware(range_to)
    _check(range_from, range_to, interval, time_zone)
    params = _Params(interval, time_zone, range_from, range_to)
    buckets_wanted = _bucket_count(range_from, range_to, interval, time_zone)
    async with ctx.db.sessions() as session:
        _check_size(buckets_wanted, await _group_count(session, group_by), interval)
        rows = (await session.execute(_report_statement(params, group_by))).all()
    buckets: list[ReportBucket] = []
    for row in rows:
        values = ReportValues(
            created=int(row.created),
            solved=int(row.solved),
            median_first_response_seconds=(
                None if row.median_first_response is None else float(row.median_first_response)
            ),
        )
        if row.is_total:
            buckets.append(ReportBucket(row.starts_at, row.ends_at, values))
        else:
            buckets[-1].groups.append((row.key, values))
    return TicketReport(range_from, range_to, interval, group_by, time_zone, buckets)
