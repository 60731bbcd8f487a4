"""The staff dashboard: exact numbers on a small known data set (timestamps written straight
to the database so medians are exact), a statement count that does not grow with volume,
and who may read it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.base import utcnow
from db.engine import Database
from db.models import Customer, Ticket, TicketFeedback, User
from tests.conftest import ApiClient, make_user

DASHBOARD = """
query ($windowDays: Int! = 30) {
  dashboard(windowDays: $windowDays) {
    windowDays openTickets unassignedTickets
    openByStatus { status count }
    openByPriority { priority count }
    firstResponseBreaches resolutionBreaches
    medianFirstResponseSeconds medianResolutionSeconds
    csatAverage csatCount
    agentLoad { user { name } openTickets slaBreachedTickets }
  }
}
"""

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass
class Staff:
    alan: User
    bea: User
    dan: User


async def add_ticket(
    db: Database,
    customer_id: uuid.UUID,
    *,
    age: timedelta,
    status: str,
    priority: str = "normal",
    assignee: User | None = None,
    first_response_after: timedelta | None = None,
    first_response_due_after: timedelta = 8 * HOUR,
    resolution_due_after: timedelta = 30 * DAY,
    solved_after: timedelta | None = None,
    rating: tuple[int, timedelta] | None = None,
    merged_into: uuid.UUID | None = None,
) -> Ticket:
    """A ticket created `age` ago; other times are offsets from its creation."""
    created = utcnow() - age

    def at(offset: timedelta | None) -> datetime | None:
        return None if offset is None else created + offset

    async with db.transaction() as session:
        ticket = Ticket(
            customer_id=customer_id,
            subject=f"{status} {priority}",
            status=status,
            priority=priority,
            assignee_id=assignee.id if assignee else None,
            created_at=created,
            updated_at=created,
            first_responded_at=at(first_response_after),
            first_response_due_at=at(first_response_due_after),
            resolution_due_at=at(resolution_due_after),
            solved_at=at(solved_after),
            closed_at=at(solved_after) if status == "closed" else None,
            merged_into_id=merged_into,
        )
        session.add(ticket)
        await session.flush()
        if rating is not None:
            stars, given_ago = rating
            session.add(
                TicketFeedback(
                    ticket_id=ticket.id,
                    rating=stars,
                    created_at=utcnow() - given_ago,
                    updated_at=utcnow() - given_ago,
                )
            )
    return ticket


async def known_data_set(db: Database) -> Staff:
    """Five open tickets, three solved or closed in the last 30 days (one a merged
    duplicate), and one solved two months ago."""
    alan = await make_user(db, role="agent", name="Alan Agent")
    bea = await make_user(db, role="agent", name="Bea Agent")
    dan = await make_user(db, role="agent", name="Dan Departed")
    await make_user(db, role="reviewer", name="Rita Reviewer")  # reviewers hold no tickets
    async with db.transaction() as session:
        acme = Customer(name="Acme")
        session.add(acme)
    async with db.transaction() as session:
        gone = await session.get(User, dan.id)
        assert gone is not None
        gone.is_active = False
    c = acme.id
    # open: new (unassigned), open (answered in 10 min, resolution overdue), pending (never
    # answered, response overdue), on hold (answered in 20 min, 10 min late), open (urgent,
    # held by an agent who has left)
    await add_ticket(db, c, age=HOUR, status="new")
    t2 = await add_ticket(
        db,
        c,
        age=2 * DAY,
        status="open",
        priority="high",
        assignee=alan,
        first_response_after=10 * MINUTE,
        resolution_due_after=DAY,
    )
    await add_ticket(
        db,
        c,
        age=3 * DAY,
        status="pending",
        priority="urgent",
        assignee=alan,
        first_response_due_after=HOUR,
        resolution_due_after=3 * DAY + HOUR,
    )
    await add_ticket(
        db,
        c,
        age=4 * DAY,
        status="on_hold",
        priority="low",
        assignee=bea,
        first_response_after=20 * MINUTE,
        first_response_due_after=10 * MINUTE,
    )
    await add_ticket(db, c, age=30 * MINUTE, status="open", priority="urgent", assignee=dan)
    # solved within the window: answered in 1 h / 30 min, solved after 2 h / 4 h
    await add_ticket(
        db,
        c,
        age=5 * DAY,
        status="solved",
        assignee=bea,
        first_response_after=HOUR,
        solved_after=2 * HOUR,
        rating=(5, 4 * DAY),
    )
    await add_ticket(
        db,
        c,
        age=10 * DAY,
        status="closed",
        first_response_after=30 * MINUTE,
        solved_after=4 * HOUR,
        rating=(2, 9 * DAY),
    )
    # a duplicate merged yesterday: closed in a minute, which is no resolution
    await add_ticket(db, c, age=DAY, status="closed", solved_after=MINUTE, merged_into=t2.id)
    # two months ago: outside the default window
    await add_ticket(
        db,
        c,
        age=60 * DAY,
        status="closed",
        first_response_after=99999 * SECOND,
        solved_after=DAY,
        rating=(1, 58 * DAY),
    )
    return Staff(alan=alan, bea=bea, dan=dan)


async def test_dashboard_shows_the_queue_and_exact_medians(db: Database, admin: ApiClient) -> None:
    # given
    await known_data_set(db)

    # when
    data = await admin.data(DASHBOARD)

    # then
    board = data["dashboard"]
    assert board["windowDays"] == 30
    assert board["openTickets"] == 5
    assert board["openByStatus"] == [
        {"status": "NEW", "count": 1},
        {"status": "OPEN", "count": 2},
        {"status": "PENDING", "count": 1},
        {"status": "ON_HOLD", "count": 1},
    ]
    assert board["openByPriority"] == [
        {"priority": "LOW", "count": 1},
        {"priority": "NORMAL", "count": 1},
        {"priority": "HIGH", "count": 1},
        {"priority": "URGENT", "count": 2},
    ]
    assert board["unassignedTickets"] == 1
    assert board["firstResponseBreaches"] == 2  # pending never answered, on hold late
    assert board["resolutionBreaches"] == 1  # the open one overdue
    # first responses in the window: 10, 20, 30 and 60 minutes → (20 + 30) / 2 minutes
    assert board["medianFirstResponseSeconds"] == 1500.0
    # resolutions in the window: 2 h and 4 h (the merged duplicate does not count)
    assert board["medianResolutionSeconds"] == 3 * 3600.0
    assert (board["csatAverage"], board["csatCount"]) == (3.5, 2)


async def test_dashboard_lists_every_agents_load_busiest_first(
    db: Database, admin: ApiClient
) -> None:
    await known_data_set(db)

    data = await admin.data(DASHBOARD)

    # Dan has left but still holds a ticket; Ada (admin) and idle agents show as zero;
    # the reviewer and customers hold no tickets and are not listed.
    assert data["dashboard"]["agentLoad"] == [
        {"user": {"name": "Alan Agent"}, "openTickets": 2, "slaBreachedTickets": 2},
        {"user": {"name": "Bea Agent"}, "openTickets": 1, "slaBreachedTickets": 1},
        {"user": {"name": "Dan Departed"}, "openTickets": 1, "slaBreachedTickets": 0},
        {"user": {"name": "Ada Admin"}, "openTickets": 0, "slaBreachedTickets": 0},
    ]


async def test_a_longer_window_takes_older_tickets_into_the_medians(
    db: Database, agent: ApiClient
) -> None:
    await known_data_set(db)

    data = await agent.data(DASHBOARD, {"windowDays": 90})

    board = data["dashboard"]
    # 10, 20, 30, 60 minutes and 99999 s → the middle one, 30 minutes
    assert board["medianFirstResponseSeconds"] == 1800.0
    # 2 h, 4 h and a day → 4 h
    assert board["medianResolutionSeconds"] == 4 * 3600.0
    assert (board["csatAverage"], board["csatCount"]) == (8 / 3, 3)


async def test_empty_helpdesk_has_zeros_and_no_medians(reviewer: ApiClient) -> None:
    data = await reviewer.data(DASHBOARD)

    board = data["dashboard"]
    assert board["openTickets"] == 0
    assert [row["count"] for row in board["openByStatus"]] == [0, 0, 0, 0]
    assert board["medianFirstResponseSeconds"] is None
    assert board["medianResolutionSeconds"] is None
    assert (board["csatAverage"], board["csatCount"]) == (None, 0)
    assert board["agentLoad"] == []


async def test_dashboard_statement_count_does_not_grow_with_tickets_or_agents(
    db: Database, admin: ApiClient, count_statements: Any
) -> None:
    # given: a small data set, measured; then three times the tickets and more agents
    staff = await known_data_set(db)
    with count_statements() as small:
        await admin.data(DASHBOARD)
    async with db.transaction() as session:
        acme = Customer(name="Bigco")
        session.add(acme)
    for n in range(20):
        extra = await make_user(db, role="agent", name=f"Extra {n}")
        await add_ticket(
            db,
            acme.id,
            age=n * HOUR,
            status="open",
            assignee=extra,
            first_response_after=MINUTE * (n + 1),
        )
        await add_ticket(
            db,
            acme.id,
            age=n * HOUR,
            status="solved",
            assignee=staff.bea,
            first_response_after=MINUTE,
            solved_after=HOUR,
            rating=(4, HOUR),
        )

    # when
    with count_statements() as large:
        data = await admin.data(DASHBOARD)

    # then
    assert data["dashboard"]["openTickets"] == 25
    assert len(data["dashboard"]["agentLoad"]) == 24
    assert large.count == small.count
    assert small.count <= 5  # credentials (2) + numbers + agent load + customer metrics


async def test_bad_window_is_a_bad_user_input_error(admin: ApiClient) -> None:
    body = await admin.post(DASHBOARD, {"windowDays": 0})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "1 to 366 days" in body["errors"][0]["message"]


async def test_customer_may_not_see_the_dashboard(customer: ApiClient) -> None:
    body = await customer.post(DASHBOARD)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_anonymous_may_not_see_the_dashboard(db: Database, anonymous: ApiClient) -> None:
    body = await anonymous.post(DASHBOARD)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
