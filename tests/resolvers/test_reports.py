"""ticketReport: time-series buckets (empty ones as zeros), grouping, calendars of a time
zone, input validation and who may read it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from db.engine import Database
from db.models import Customer, Team, Ticket
from tests.conftest import ApiClient

REPORT = """
query ($range: ReportRange!, $interval: ReportInterval! = DAY, $groupBy: ReportGroupBy! = NONE,
       $timeZone: String! = "UTC") {
  ticketReport(range: $range, interval: $interval, groupBy: $groupBy, timeZone: $timeZone) {
    from to interval groupBy timeZone
    buckets {
      startsAt endsAt created solved medianFirstResponseSeconds
      groups { priority channel team { name } created solved medianFirstResponseSeconds }
    }
  }
}
"""

MARCH = {"from": "2024-03-01T00:00:00Z", "to": "2024-03-05T00:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def add(
    db: Database,
    created: str,
    *,
    priority: str = "normal",
    channel: str = "web",
    team: Team | None = None,
    responded_after: timedelta | None = None,
    solved: str | None = None,
    merged_into: uuid.UUID | None = None,
) -> Ticket:
    async with db.transaction() as session:
        customer = Customer(name="Acme")
        session.add(customer)
        await session.flush()
        start = at(created)
        ticket = Ticket(
            customer_id=customer.id,
            subject="Report me",
            status="solved" if solved else "open",
            priority=priority,
            channel=channel,
            team_id=team.id if team else None,
            created_at=start,
            updated_at=start,
            first_responded_at=start + responded_after if responded_after else None,
            solved_at=at(solved) if solved else None,
            merged_into_id=merged_into,
        )
        session.add(ticket)
    return ticket


async def report(client: ApiClient, **variables: Any) -> dict[str, Any]:
    data = await client.data(REPORT, variables)
    result: dict[str, Any] = data["ticketReport"]
    return result


def column(result: dict[str, Any], name: str) -> list[Any]:
    return [bucket[name] for bucket in result["buckets"]]


async def test_daily_report_has_every_day_with_empty_days_as_zero(
    db: Database, agent: ApiClient
) -> None:
    # given: two tickets on the 1st (answered in 10 and 30 minutes), one on the 3rd,
    # solved on the 3rd; and tickets outside the range on both sides
    first = await add(db, "2024-03-01T09:00:00Z", responded_after=timedelta(minutes=10))
    await add(
        db,
        "2024-03-01T17:00:00Z",
        responded_after=timedelta(minutes=30),
        solved="2024-03-03T10:00:00Z",
    )
    await add(db, "2024-03-03T12:00:00Z")
    await add(db, "2024-02-29T23:59:59Z", solved="2024-03-05T00:00:00Z")
    await add(db, "2024-03-03T08:00:00Z", solved="2024-03-03T09:00:00Z", merged_into=first.id)

    # when
    result = await report(agent, range=MARCH)

    # then
    assert column(result, "startsAt") == [
        "2024-03-01T00:00:00+00:00",
        "2024-03-02T00:00:00+00:00",
        "2024-03-03T00:00:00+00:00",
        "2024-03-04T00:00:00+00:00",
    ]
    assert result["buckets"][-1]["endsAt"] == "2024-03-05T00:00:00+00:00"
    assert column(result, "created") == [2, 0, 2, 0]
    assert column(result, "solved") == [0, 0, 1, 0]  # the merged duplicate is no solve
    assert column(result, "medianFirstResponseSeconds") == [1200.0, None, None, None]
    assert all(bucket["groups"] == [] for bucket in result["buckets"])
    assert (result["interval"], result["groupBy"], result["timeZone"]) == ("DAY", "NONE", "UTC")


async def test_report_grouped_by_priority_lists_every_priority_in_every_bucket(
    db: Database, agent: ApiClient
) -> None:
    await add(db, "2024-03-01T09:00:00Z", priority="urgent", responded_after=timedelta(minutes=5))
    await add(db, "2024-03-01T10:00:00Z", priority="urgent", responded_after=timedelta(minutes=15))
    await add(db, "2024-03-01T11:00:00Z", priority="low", responded_after=timedelta(hours=2))
    await add(db, "2024-03-02T11:00:00Z", priority="high")

    result = await report(agent, range=MARCH, groupBy="PRIORITY")

    day1, day2, day3, _ = result["buckets"]
    assert [
        (g["priority"], g["created"], g["medianFirstResponseSeconds"]) for g in day1["groups"]
    ] == [
        ("LOW", 1, 7200.0),
        ("NORMAL", 0, None),
        ("HIGH", 0, None),
        ("URGENT", 2, 600.0),
    ]
    # the bucket's own median is over all its tickets: 5 min, 15 min, 2 h → 15 min
    assert (day1["created"], day1["medianFirstResponseSeconds"]) == (3, 900.0)
    assert [g["created"] for g in day2["groups"]] == [0, 0, 1, 0]
    assert [g["created"] for g in day3["groups"]] == [0, 0, 0, 0]
    assert all(g["team"] is None and g["channel"] is None for g in day1["groups"])


async def test_report_grouped_by_team_names_each_team_and_the_unteamed(
    db: Database, admin: ApiClient
) -> None:
    async with db.transaction() as session:
        billing, alpha = Team(name="Billing"), Team(name="Alpha")
        session.add_all([billing, alpha])
    await add(db, "2024-03-01T09:00:00Z", team=billing)
    await add(db, "2024-03-01T10:00:00Z", team=billing, solved="2024-03-02T10:00:00Z")
    await add(db, "2024-03-02T10:00:00Z")

    result = await report(admin, range=MARCH, groupBy="TEAM")

    day1, day2 = result["buckets"][:2]
    assert [(g["team"], g["created"], g["solved"]) for g in day1["groups"]] == [
        ({"name": "Alpha"}, 0, 0),
        ({"name": "Billing"}, 2, 0),
        (None, 0, 0),
    ]
    assert [(g["team"], g["created"], g["solved"]) for g in day2["groups"]] == [
        ({"name": "Alpha"}, 0, 0),
        ({"name": "Billing"}, 0, 1),
        (None, 1, 0),
    ]


async def test_report_grouped_by_channel(db: Database, agent: ApiClient) -> None:
    await add(db, "2024-03-01T09:00:00Z", channel="email")
    await add(db, "2024-03-01T09:00:00Z", channel="email")
    await add(db, "2024-03-01T09:00:00Z", channel="chat")

    result = await report(agent, range=MARCH, groupBy="CHANNEL")

    assert [(g["channel"], g["created"]) for g in result["buckets"][0]["groups"]] == [
        ("WEB", 0),
        ("EMAIL", 2),
        ("API", 0),
        ("CHAT", 1),
    ]


async def test_weekly_buckets_start_on_monday(db: Database, agent: ApiClient) -> None:
    await add(db, "2024-03-01T09:00:00Z")  # a Friday
    await add(db, "2024-03-04T09:00:00Z")  # the Monday after

    result = await report(
        agent,
        range={"from": "2024-03-01T00:00:00Z", "to": "2024-03-15T00:00:00Z"},
        interval="WEEK",
    )

    assert column(result, "startsAt") == [
        "2024-02-26T00:00:00+00:00",
        "2024-03-04T00:00:00+00:00",
        "2024-03-11T00:00:00+00:00",
    ]
    assert column(result, "created") == [1, 1, 0]


async def test_monthly_buckets_follow_the_calendar_of_the_time_zone(
    db: Database, agent: ApiClient
) -> None:
    # 23:30 UTC on 31 January is already 1 February in Berlin
    await add(db, "2024-01-31T23:30:00Z")

    result = await report(
        agent,
        range={"from": "2024-01-01T00:00:00+01:00", "to": "2024-03-01T00:00:00+01:00"},
        interval="MONTH",
        timeZone="Europe/Berlin",
    )

    assert column(result, "startsAt") == [
        "2023-12-31T23:00:00+00:00",
        "2024-01-31T23:00:00+00:00",
    ]
    assert column(result, "created") == [0, 1]


async def test_range_ending_before_it_starts_is_refused(admin: ApiClient) -> None:
    body = await admin.post(REPORT, {"range": {"from": MARCH["to"], "to": MARCH["from"]}})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "end of the range must be after its start" in body["errors"][0]["message"]


async def test_daily_report_longer_than_a_year_is_refused_but_monthly_is_fine(
    admin: ApiClient,
) -> None:
    long_range = {"from": "2023-01-01T00:00:00Z", "to": "2024-03-01T00:00:00Z"}

    daily = await admin.post(REPORT, {"range": long_range, "interval": "DAY"})
    monthly = await report(admin, range=long_range, interval="MONTH")

    assert daily["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "DAY buckets cover at most 366 days" in daily["errors"][0]["message"]
    assert len(monthly["buckets"]) == 14


async def test_unknown_time_zone_is_refused(admin: ApiClient) -> None:
    body = await admin.post(REPORT, {"range": MARCH, "timeZone": "Mars/Olympus_Mons"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Unknown time zone" in body["errors"][0]["message"]


async def test_report_is_one_statement_whatever_the_volume(
    db: Database, admin: ApiClient, count_statements: Any
) -> None:
    await add(db, "2024-03-01T09:00:00Z")
    with count_statements() as small:
        await report(admin, range=MARCH, groupBy="PRIORITY")
    for hour in range(30):
        await add(
            db,
            f"2024-03-02T{hour % 24:02d}:00:00Z",
            priority="high",
            responded_after=timedelta(minutes=hour + 1),
        )

    with count_statements() as large:
        result = await report(admin, range=MARCH, groupBy="PRIORITY")

    assert column(result, "created") == [1, 30, 0, 0]
    assert large.count == small.count


async def test_customer_may_not_read_reports(customer: ApiClient) -> None:
    body = await customer.post(REPORT, {"range": MARCH})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_anonymous_may_not_read_reports(db: Database, anonymous: ApiClient) -> None:
    body = await anonymous.post(REPORT, {"range": MARCH})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_report_with_too_many_rows_is_refused_with_how_to_narrow_it(
    db: Database, admin: ApiClient
) -> None:
    async with db.transaction() as session:
        session.add_all(Team(name=f"Team {i:02d}") for i in range(30))
    year = {"from": "2024-01-01T00:00:00Z", "to": "2024-12-31T00:00:00Z"}

    daily = await admin.post(REPORT, {"range": year, "interval": "DAY", "groupBy": "TEAM"})
    weekly = await report(admin, range=year, interval="WEEK", groupBy="TEAM")

    error = daily["errors"][0]
    assert daily["data"] is None
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # 365 days, each with its total, 30 teams and "no team".
    assert "365 buckets of 32 rows each (11680 rows)" in error["message"]
    assert "use WEEK or MONTH buckets" in error["message"]
    assert len(weekly["buckets"]) == 53
    assert len(weekly["buckets"][0]["groups"]) == 31
