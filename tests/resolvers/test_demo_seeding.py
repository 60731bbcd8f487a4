"""`autocrm seed-demo` fills a realistic helpdesk: what a first look at the demo shows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import Team, TeamMember, Ticket, TicketFeedback, TicketMessage
from db.models.tickets import TicketPriority, TicketStatus
from resolvers.maintenance import seed_demo_data
from tests.conftest import ApiClient

DASHBOARD = """
query {
  dashboard {
    openTickets unassignedTickets csatAverage csatCount medianFirstResponseSeconds
    agentLoad { openTickets }
  }
}"""


async def _seed(database_url: str, seed: int = 11) -> None:
    await seed_demo_data(database_url, customers=60, tickets=48, seed=seed)


async def _ticket_facts(db: Database) -> list[tuple[Any, ...]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(Ticket.subject, Ticket.status, Ticket.priority, Ticket.tags).order_by(
                Ticket.number
            )
        )
        return [tuple(row) for row in rows]


async def test_seeded_helpdesk_has_tickets_in_every_status_and_priority(
    db: Database, database_url: str
) -> None:
    await _seed(database_url)

    async with db.sessions() as session:
        pairs = Counter(
            (status, priority)
            for status, priority in await session.execute(select(Ticket.status, Ticket.priority))
        )

    assert sum(pairs.values()) == 48
    assert {status for status, _ in pairs} == {s.value for s in TicketStatus}
    assert {priority for _, priority in pairs} == {p.value for p in TicketPriority}


async def test_seeded_tickets_have_conversations_notes_assignees_and_ratings(
    db: Database, database_url: str
) -> None:
    await _seed(database_url)

    async with db.sessions() as session:
        counted = await session.execute(
            select(TicketMessage.visibility, func.count()).group_by(TicketMessage.visibility)
        )
        by_visibility = {visibility: count for visibility, count in counted}
        assigned = await session.scalar(select(func.count()).where(Ticket.assignee_id.is_not(None)))
        ratings = (await session.execute(select(TicketFeedback.ticket_id))).scalars().all()
        rated_statuses = set(
            (await session.execute(select(Ticket.status).where(Ticket.id.in_(ratings)))).scalars()
        )
        teams = await session.scalar(select(func.count()).select_from(Team))
        members = await session.scalar(select(func.count()).select_from(TeamMember))

    assert by_visibility["public"] > 48  # replies beyond each ticket's opening message
    assert by_visibility["internal"] > 0
    assert assigned
    assert ratings
    assert rated_statuses <= {"solved", "closed"}
    assert teams == 3
    assert members is not None
    assert members >= 6


async def test_dashboard_of_a_seeded_helpdesk_shows_the_work(
    db: Database, database_url: str, admin: ApiClient
) -> None:
    await _seed(database_url)

    numbers = (await admin.data(DASHBOARD))["dashboard"]

    assert numbers["openTickets"] > 0
    assert numbers["unassignedTickets"] > 0
    assert numbers["csatCount"] > 0
    assert 1 <= numbers["csatAverage"] <= 5
    assert numbers["medianFirstResponseSeconds"] > 0
    assert any(load["openTickets"] > 0 for load in numbers["agentLoad"])


async def test_same_seed_gives_the_same_helpdesk(db: Database, database_url: str) -> None:
    await _seed(database_url, seed=5)
    first = await _ticket_facts(db)
    async with db.engine.begin() as conn:
        for table in ("ticket_feedback", "ticket_messages", "tickets"):
            await conn.exec_driver_sql(f"DELETE FROM {table}")

    await _seed(database_url, seed=5)

    assert await _ticket_facts(db) == first


async def test_seeding_twice_adds_no_second_set_of_tickets(db: Database, database_url: str) -> None:
    await _seed(database_url)

    await _seed(database_url)

    async with db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 48
