"""customerReport and the dashboard's customer metrics, on a known data set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from db.base import utcnow
from db.engine import Database
from db.models import Customer, Interaction, Ticket, TicketFeedback, TicketMessage
from tests.conftest import ApiClient

REPORT = """
query ($range: ReportRange!, $interval: ReportInterval! = DAY,
       $groupBy: CustomerReportGroupBy! = NONE, $timeZone: String! = "UTC") {
  customerReport(range: $range, interval: $interval, groupBy: $groupBy, timeZone: $timeZone) {
    interval timeZone
    buckets { startsAt newCustomers activeCustomers interactions groups { key interactions } }
  }
}"""
DASHBOARD = """
query { dashboard(windowDays: 7) { customers { newCustomers activeCustomers atRiskCustomers } } }
"""
MARCH = {"from": "2024-03-01T00:00:00Z", "to": "2024-03-04T00:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def customer(
    db: Database, name: str, created: datetime, *, deleted: bool = False
) -> Customer:
    async with db.transaction() as session:
        row = Customer(
            name=name,
            created_at=created,
            updated_at=created,
            deleted_at=created if deleted else None,
        )
        session.add(row)
    return row


async def interaction(
    db: Database, who: Customer, when: datetime, type: str = "call", channel: str | None = None
) -> None:
    async with db.transaction() as session:
        session.add(
            Interaction(
                customer_id=who.id,
                type=type,
                direction="inbound",
                channel=channel,
                occurred_at=when,
                subject="Talked",
            )
        )


async def ticket(
    db: Database,
    who: Customer,
    when: datetime,
    *,
    priority: str = "normal",
    status: str = "open",
    rating: int | None = None,
    reply_at: datetime | None = None,
) -> None:
    async with db.transaction() as session:
        row = Ticket(
            customer_id=who.id,
            subject="Help",
            status=status,
            priority=priority,
            channel="web",
            created_at=when,
            updated_at=when,
        )
        session.add(row)
        await session.flush()
        if rating is not None:
            session.add(
                TicketFeedback(ticket_id=row.id, rating=rating, created_at=when, updated_at=when)
            )
        if reply_at is not None:
            session.add(
                TicketMessage(
                    ticket_id=row.id,
                    author_kind="customer",
                    body_html="<p>hi</p>",
                    body_text="hi",
                    visibility="public",
                    created_at=reply_at,
                )
            )


async def report(client: ApiClient, **variables: Any) -> dict[str, Any]:
    data = await client.data(REPORT, variables)
    result: dict[str, Any] = data["customerReport"]
    return result


def column(result: dict[str, Any], name: str) -> list[Any]:
    return [bucket[name] for bucket in result["buckets"]]


async def test_daily_report_counts_new_and_active_customers_and_interactions(
    db: Database, agent: ApiClient
) -> None:
    # given: Ann new on the 1st with two calls that day; Bob new before the range, with a
    # ticket on the 2nd and a reply on it on the 3rd; a deleted customer counts nowhere
    ann = await customer(db, "Ann", at("2024-03-01T08:00:00Z"))
    bob = await customer(db, "Bob", at("2024-02-20T08:00:00Z"))
    gone = await customer(db, "Gone", at("2024-03-02T08:00:00Z"), deleted=True)
    await interaction(db, ann, at("2024-03-01T09:00:00Z"), "call", "phone")
    await interaction(db, ann, at("2024-03-01T10:00:00Z"), "meeting", None)
    await interaction(db, gone, at("2024-03-02T10:00:00Z"))
    await ticket(db, bob, at("2024-03-02T09:00:00Z"), reply_at=at("2024-03-03T09:00:00Z"))
    await interaction(db, bob, at("2024-03-04T00:00:00Z"))  # the range's end is exclusive

    result = await report(agent, range=MARCH)

    assert column(result, "startsAt") == [
        "2024-03-01T00:00:00+00:00",
        "2024-03-02T00:00:00+00:00",
        "2024-03-03T00:00:00+00:00",
    ]
    assert column(result, "newCustomers") == [1, 0, 0]
    assert column(result, "activeCustomers") == [1, 1, 1]
    # The deleted customer's call still happened: interactions count every logged one.
    assert column(result, "interactions") == [2, 1, 0]
    assert column(result, "groups") == [[], [], []]


async def test_interactions_split_by_type_and_by_channel(db: Database, agent: ApiClient) -> None:
    ann = await customer(db, "Ann", at("2024-03-01T08:00:00Z"))
    await interaction(db, ann, at("2024-03-01T09:00:00Z"), "call", "phone")
    await interaction(db, ann, at("2024-03-01T10:00:00Z"), "call", "whatsapp")
    await interaction(db, ann, at("2024-03-02T10:00:00Z"), "meeting", None)

    by_type = await report(agent, range=MARCH, groupBy="TYPE")
    by_channel = await report(agent, range=MARCH, groupBy="CHANNEL")

    assert column(by_type, "groups")[:2] == [
        [{"key": "call", "interactions": 2}, {"key": "meeting", "interactions": 0}],
        [{"key": "call", "interactions": 0}, {"key": "meeting", "interactions": 1}],
    ]
    assert column(by_channel, "groups")[0] == [
        {"key": "phone", "interactions": 1},
        {"key": "whatsapp", "interactions": 1},
        {"key": None, "interactions": 0},
    ]


async def test_weekly_buckets_follow_the_time_zone(db: Database, agent: ApiClient) -> None:
    # 23:30 UTC on Sunday 3 March is Monday 4 March in Berlin: the next week there.
    await customer(db, "Ann", at("2024-03-03T23:30:00Z"))

    result = await report(
        agent,
        range={"from": "2024-02-26T00:00:00+01:00", "to": "2024-03-11T00:00:00+01:00"},
        interval="WEEK",
        timeZone="Europe/Berlin",
    )

    assert column(result, "newCustomers") == [0, 1]


async def test_report_refuses_a_range_too_long_and_customers(
    agent: ApiClient, customer: ApiClient
) -> None:
    too_long = await agent.post(
        REPORT, {"range": {"from": "2020-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}}
    )
    as_customer = await customer.post(REPORT, {"range": MARCH})

    assert too_long["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_dashboard_counts_new_active_and_at_risk_customers(
    db: Database, admin: ApiClient
) -> None:
    now = utcnow()
    day = timedelta(days=1)
    fresh = await customer(db, "Fresh", now - day)  # new, and active (an interaction)
    await interaction(db, fresh, now - day)
    urgent = await customer(db, "Urgent", now - 30 * day)  # open urgent ticket: at risk
    await ticket(db, urgent, now - 20 * day, priority="urgent")
    unhappy = await customer(db, "Unhappy", now - 30 * day)  # rated 1 this week: at risk
    await ticket(db, unhappy, now - 2 * day, status="solved", rating=1)
    happy = await customer(db, "Happy", now - 30 * day)  # rated 5: active, not at risk
    await ticket(db, happy, now - 2 * day, status="solved", rating=5)
    old = await customer(db, "Old", now - 30 * day)  # rated 1 a month ago: not at risk
    await ticket(db, old, now - 25 * day, status="solved", rating=1)
    solved_urgent = await customer(db, "Calm", now - 30 * day)
    await ticket(db, solved_urgent, now - 20 * day, priority="urgent", status="solved")

    data = await admin.data(DASHBOARD)

    assert data["dashboard"]["customers"] == {
        "newCustomers": 1,
        "activeCustomers": 3,  # Fresh, Unhappy and Happy (tickets opened this week)
        "atRiskCustomers": 2,
    }
