"""Reading tickets: filters, search, ordering and pages, who sees what, and no N+1."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from db.base import utcnow
from db.engine import Database
from db.models import Ticket, TicketMessage
from tests.conftest import ApiClient, make_user
from tests.resolvers.ticket_helpers import (
    create_ticket,
    fetch_ticket,
    gid,
    make_customer,
    make_team,
    row_id,
    staff_ticket,
)

TICKETS = """
query ($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String) {
  tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id subject } }
  }
}
"""

NODE = "query ($id: ID!) { node(id: $id) { ... on Ticket { id subject } } }"
TICKET = "query ($id: ID!) { ticket(id: $id) { id subject } }"


async def _subjects(
    client: ApiClient, filter: dict[str, Any] | None = None, order_by: dict[str, Any] | None = None
) -> list[str]:
    data = await client.data(TICKETS, {"filter": filter, "orderBy": order_by, "first": 100})
    return [edge["node"]["subject"] for edge in data["tickets"]["edges"]]


async def _add_message(db: Database, ticket_id: str, text: str, visibility: str) -> None:
    async with db.transaction() as session:
        session.add(
            TicketMessage(
                ticket_id=row_id(ticket_id),
                author_kind="user",
                visibility=visibility,
                body_html=f"<p>{text}</p>",
                body_text=text,
            )
        )


async def test_newest_tickets_come_first_by_default(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    for subject in ("one", "two", "three"):
        await staff_ticket(agent, acme.id, subject=subject)

    assert await _subjects(agent) == ["three", "two", "one"]
    assert await _subjects(agent, order_by={"field": "CREATED_AT", "direction": "ASC"}) == [
        "one",
        "two",
        "three",
    ]


async def test_pages_follow_the_cursor(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    for n in range(5):
        await staff_ticket(agent, acme.id, subject=f"t{n}")

    first = (await agent.data(TICKETS, {"first": 2}))["tickets"]
    second = (await agent.data(TICKETS, {"first": 2, "after": first["pageInfo"]["endCursor"]}))[
        "tickets"
    ]

    assert first["totalCount"] == 5
    assert [e["node"]["subject"] for e in first["edges"]] == ["t4", "t3"]
    assert [e["node"]["subject"] for e in second["edges"]] == ["t2", "t1"]
    assert second["pageInfo"]["hasNextPage"] is True


async def test_order_by_priority_puts_urgent_first(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    for priority in ("LOW", "URGENT", "NORMAL", "HIGH"):
        await staff_ticket(agent, acme.id, subject=priority.lower(), priority=priority)

    subjects = await _subjects(agent, order_by={"field": "PRIORITY", "direction": "DESC"})

    assert subjects == ["urgent", "high", "normal", "low"]


async def test_order_by_resolution_due_pages_through_everything(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    for priority in ("LOW", "URGENT", "HIGH"):
        await staff_ticket(agent, acme.id, subject=priority.lower(), priority=priority)
    order = {"field": "RESOLUTION_DUE", "direction": "ASC"}

    first = (await agent.data(TICKETS, {"orderBy": order, "first": 2}))["tickets"]
    rest = (
        await agent.data(
            TICKETS, {"orderBy": order, "first": 2, "after": first["pageInfo"]["endCursor"]}
        )
    )["tickets"]

    assert [e["node"]["subject"] for e in first["edges"] + rest["edges"]] == [
        "urgent",
        "high",
        "low",
    ]


async def test_filter_by_status_priority_channel_and_tags(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    await staff_ticket(agent, acme.id, subject="a", priority="HIGH", tags=["vip", "billing"])
    await staff_ticket(agent, acme.id, subject="b", priority="HIGH", tags=["vip"], channel="EMAIL")
    await staff_ticket(agent, acme.id, subject="c", priority="LOW", tags=["billing"])

    assert await _subjects(agent, {"priority": ["HIGH"]}) == ["b", "a"]
    assert await _subjects(agent, {"tags": ["VIP", "billing"]}) == ["a"]
    assert await _subjects(agent, {"channel": ["EMAIL"]}) == ["b"]
    assert await _subjects(agent, {"status": ["NEW", "OPEN"], "priority": ["LOW"]}) == ["c"]
    assert await _subjects(agent, {"status": ["SOLVED"]}) == []


async def test_filter_unassigned_mine_and_by_assignee(agent: ApiClient, db: Database) -> None:
    assert agent.user is not None
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    await staff_ticket(agent, acme.id, subject="mine", assigneeId=gid("User", agent.user.id))
    await staff_ticket(agent, acme.id, subject="ann's", assigneeId=gid("User", ann.id))
    await staff_ticket(agent, acme.id, subject="nobody's")

    assert await _subjects(agent, {"assignee": {"scope": "ME"}}) == ["mine"]
    assert await _subjects(agent, {"assignee": {"scope": "UNASSIGNED"}}) == ["nobody's"]
    assert await _subjects(agent, {"assignee": {"id": gid("User", ann.id)}}) == ["ann's"]


async def test_filter_by_team_and_customer(agent: ApiClient, db: Database) -> None:
    acme, globex = await make_customer(db, "Acme"), await make_customer(db, "Globex")
    team = await make_team(db, "Billing")
    await staff_ticket(agent, acme.id, subject="acme billing", teamId=gid("Team", team.id))
    await staff_ticket(agent, globex.id, subject="globex")

    assert await _subjects(agent, {"teamId": gid("Team", team.id)}) == ["acme billing"]
    assert await _subjects(agent, {"customerId": gid("Customer", globex.id)}) == ["globex"]


async def test_filter_by_created_and_updated_time(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    old = await staff_ticket(agent, acme.id, subject="old")
    await staff_ticket(agent, acme.id, subject="new")
    week_ago = utcnow() - timedelta(days=7)
    async with db.transaction() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == row_id(old["id"]))
            .values(created_at=week_ago, updated_at=week_ago)
        )
    yesterday = (utcnow() - timedelta(days=1)).isoformat()

    assert await _subjects(agent, {"createdAfter": yesterday}) == ["new"]
    assert await _subjects(agent, {"createdBefore": yesterday}) == ["old"]
    assert await _subjects(agent, {"updatedBefore": yesterday}) == ["old"]
    assert await _subjects(agent, {"updatedAfter": yesterday}) == ["new"]


async def test_filter_sla_breached(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    late = await staff_ticket(agent, acme.id, subject="late")
    await staff_ticket(agent, acme.id, subject="on time")
    async with db.transaction() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == row_id(late["id"]))
            .values(first_response_due_at=utcnow() - timedelta(minutes=5))
        )

    assert await _subjects(agent, {"slaBreached": True}) == ["late"]
    assert await _subjects(agent, {"slaBreached": False}) == ["on time"]
    data = await agent.data(
        "query ($id: ID!) { ticket(id: $id) { slaBreached } }", {"id": late["id"]}
    )
    assert data["ticket"]["slaBreached"] is True


async def test_search_finds_words_in_subject_and_messages(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    printer = await staff_ticket(agent, acme.id, subject="Printer on fire")
    invoice = await staff_ticket(agent, acme.id, subject="Question")
    await staff_ticket(agent, acme.id, subject="Unrelated")
    await _add_message(db, invoice["id"], "My invoice number is wrong", "public")

    assert await _subjects(agent, {"search": "print"}) == ["Printer on fire"]
    assert await _subjects(agent, {"search": "INVOICE wrong"}) == ["Question"]
    assert await _subjects(agent, {"search": "fire & | !:*"}) == ["Printer on fire"]
    assert printer["subject"] == "Printer on fire"


async def test_customer_search_does_not_match_internal_notes(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    ticket = await create_ticket(customer, subject="Help please")
    await _add_message(db, ticket["id"], "customer seems angry", "internal")
    await _add_message(db, ticket["id"], "thanks for waiting", "public")

    assert await _subjects(customer, {"search": "angry"}) == []
    assert await _subjects(customer, {"search": "waiting"}) == ["Help please"]
    assert await _subjects(agent, {"search": "angry"}) == ["Help please"]


async def test_customer_sees_only_their_own_tickets(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    globex = await make_customer(db, "Globex")
    await create_ticket(customer, subject="mine")
    await staff_ticket(agent, globex.id, subject="theirs")

    assert await _subjects(customer) == ["mine"]
    assert await _subjects(customer, {"customerId": gid("Customer", globex.id)}) == []


async def test_customer_cannot_read_other_customers_ticket(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    globex = await make_customer(db, "Globex")
    theirs = await staff_ticket(agent, globex.id, subject="theirs")

    by_node = await customer.data(NODE, {"id": theirs["id"]})
    by_id = await customer.data(TICKET, {"id": theirs["id"]})

    assert by_node == {"node": None}
    assert by_id == {"ticket": None}


async def test_customer_reads_their_own_ticket_by_node(customer: ApiClient) -> None:
    mine = await create_ticket(customer, subject="mine")

    data = await customer.data(NODE, {"id": mine["id"]})

    assert data == {"node": {"id": mine["id"], "subject": "mine"}}


async def test_customer_cannot_read_tags_or_followers(customer: ApiClient) -> None:
    mine = await create_ticket(customer)

    body = await customer.post("query ($id: ID!) { ticket(id: $id) { tags } }", {"id": mine["id"]})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_reviewer_reads_every_ticket(
    reviewer: ApiClient, agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    await staff_ticket(agent, acme.id, subject="any")

    assert await _subjects(reviewer) == ["any"]


async def test_anonymous_cannot_list_tickets(anonymous: ApiClient) -> None:
    body = await anonymous.post(TICKETS)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_merged_into_is_readable(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    source = await staff_ticket(agent, acme.id)
    target = await staff_ticket(agent, acme.id)
    await agent.data(
        """mutation ($s: ID!, $t: ID!) { mergeTickets(input: {sourceId: $s, targetId: $t}) {
             errors { code } } }""",
        {"s": source["id"], "t": target["id"]},
    )

    data = await agent.data(
        "query ($id: ID!) { ticket(id: $id) { status mergedInto { id } } }", {"id": source["id"]}
    )

    assert data["ticket"] == {"status": "CLOSED", "mergedInto": {"id": target["id"]}}
    assert (await fetch_ticket(db, source["id"])).closed_at is not None


LIST_WITH_RELATIONS = """
query {
  tickets(first: 100) {
    totalCount
    edges { node { id subject tags customer { id name } assignee { id name } team { id name } } }
  }
}
"""


async def _seed(db: Database, n: int, batch: str) -> None:
    ann = await make_user(db, role="agent", name=f"Ann {batch}")
    team = await make_team(db, f"Team {batch}", [ann])
    customers = [await make_customer(db, f"C{i}") for i in range(3)]
    async with db.transaction() as session:
        for i in range(n):
            session.add(
                Ticket(
                    customer_id=customers[i % 3].id,
                    subject=f"t{i}",
                    assignee_id=ann.id if i % 2 else None,
                    team_id=team.id,
                    tags=["a", "b"],
                )
            )


async def test_ticket_list_statement_count_does_not_grow_with_tickets(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    await _seed(db, 5, "small")
    with count_statements() as small:
        data = await agent.data(LIST_WITH_RELATIONS)
    assert data["tickets"]["totalCount"] == 5

    await _seed(db, 45, "large")
    with count_statements() as large:
        data = await agent.data(LIST_WITH_RELATIONS)
    assert data["tickets"]["totalCount"] == 50

    assert large.count == small.count


INBOX_PAGE = """
query {
  tickets(first: 50, orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node {
      id number subject status priority tags updatedAt
      customer { name }
      assignee { name }
      team { name }
      lastMessage { bodyText createdAt }
    } }
  }
}
"""
INBOX_PAGE_WITHOUT_TOTAL = """
query { tickets(first: 50) { edges { node { id customer { name } } } } }
"""
INBOX_PAGE_WITH_FRAGMENT = """
query { tickets(first: 50) { ...Page } }
fragment Page on TicketConnection { edges { node { ...Row } } }
fragment Row on Ticket { subject customer { name } assignee { name } team { name } }
"""


async def _seed_with_messages(db: Database, n: int) -> None:
    await _seed(db, n, "inbox")
    async with db.transaction() as session:
        rows = (await session.execute(select(Ticket))).scalars().all()
        session.add_all(
            TicketMessage(
                ticket_id=row.id,
                author_kind="customer",
                visibility="public",
                body_html=f"<p>About {row.subject}</p>",
                body_text=f"About {row.subject}",
            )
            for row in rows
        )


async def test_inbox_page_of_fifty_costs_two_statements(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    await _seed_with_messages(db, 50)

    with count_statements() as counter:
        data = await agent.data(INBOX_PAGE)

    edges = data["tickets"]["edges"]
    assert len(edges) == 50
    assert {e["node"]["lastMessage"]["bodyText"][:6] for e in edges} == {"About "}
    assert {e["node"]["team"]["name"] for e in edges} == {"Team inbox"}
    assert data["tickets"]["totalCount"] == 50
    # The session check, then the page with its related rows and its count in one.
    assert counter.count <= 2, counter.statements


PAGED_COUNT = """
query ($after: String) {
  tickets(first: 2, after: $after, orderBy: {field: NUMBER, direction: ASC}) {
    totalCount
    pageInfo { endCursor hasNextPage }
    edges { node { subject customer { name } } }
  }
}
"""


async def test_total_count_is_the_whole_filter_on_later_and_empty_pages(
    agent: ApiClient, db: Database
) -> None:
    await _seed(db, 5, "paged")
    seen: list[str] = []
    after = None
    while True:
        page = (await agent.data(PAGED_COUNT, {"after": after}))["tickets"]
        # Every page, the last one (one ticket) included, counts all five.
        assert page["totalCount"] == 5
        seen += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["t0", "t1", "t2", "t3", "t4"]

    # A page past the end has no row to carry the count: it is counted on its own.
    past = (await agent.data(PAGED_COUNT, {"after": page["pageInfo"]["endCursor"]}))["tickets"]
    assert past["edges"] == []
    assert past["totalCount"] == 5


async def test_total_count_is_not_counted_when_not_asked_for(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    await _seed(db, 3, "uncounted")

    with count_statements() as counter:
        data = await agent.data(INBOX_PAGE_WITHOUT_TOTAL)

    assert len(data["tickets"]["edges"]) == 3
    assert not [s for s in counter.statements if "count(" in s.lower()]


async def test_inbox_page_through_fragments_shows_customer_assignee_and_team(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    await _seed(db, 4, "fragments")

    with count_statements() as counter:
        data = await agent.data(INBOX_PAGE_WITH_FRAGMENT)

    nodes = [e["node"] for e in data["tickets"]["edges"]]
    assert {n["customer"]["name"] for n in nodes} == {"C0", "C1", "C2"}
    assert sorted(str(n["assignee"]) for n in nodes) == [
        "None",
        "None",
        "{'name': 'Ann fragments'}",
        "{'name': 'Ann fragments'}",
    ]
    assert {n["team"]["name"] for n in nodes} == {"Team fragments"}
    assert counter.count <= 2, counter.statements


CUSTOMER_INBOX = """
query { tickets(first: 50) { edges { node {
  subject
  assignee { name email role }
  requester { name }
  team { name }
  lastMessage { bodyText visibility }
} } } }
"""


async def test_customers_page_shows_staff_as_a_name_and_no_internal_note(
    customer: ApiClient, db: Database
) -> None:
    mine = await create_ticket(customer, subject="mine")
    ann = await make_user(db, role="agent", name="Ann Agent")
    team = await make_team(db, "Billing", [ann])
    async with db.transaction() as session:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == row_id(mine["id"]))
            .values(assignee_id=ann.id, team_id=team.id)
        )
    await _add_message(db, mine["id"], "We are on it", "public")
    await _add_message(db, mine["id"], "Customer is grumpy", "internal")

    data = await customer.data(CUSTOMER_INBOX)
    body = await customer.post("query { tickets(first: 50) { edges { node { subject tags } } } }")

    (node,) = [edge["node"] for edge in data["tickets"]["edges"]]
    assert node["assignee"] == {"name": "Ann Agent", "email": None, "role": None}
    assert node["requester"] == {"name": customer.user.name if customer.user else None}
    assert node["team"] is None
    assert node["lastMessage"] == {"bodyText": "We are on it", "visibility": "PUBLIC"}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["tickets", "edges", 0, "node", "tags"]


async def test_a_page_served_to_an_agent_is_not_reused_for_a_customer(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    """Page statements are kept per caller: the same document, asked by an agent and then
    by a customer, still scopes the customer to their tickets and public messages."""
    mine = await create_ticket(customer, subject="mine")
    await _seed(db, 3, "others")
    await _add_message(db, mine["id"], "We are on it", "public")
    await _add_message(db, mine["id"], "Customer is grumpy", "internal")
    query = """
    query { tickets(first: 50) { totalCount edges { node { subject lastMessage { bodyText } } } } }
    """

    staff_view = (await agent.data(query))["tickets"]
    customer_view = (await customer.data(query))["tickets"]
    again = (await agent.data(query))["tickets"]

    assert staff_view["totalCount"] == 4
    staff_mine = next(e["node"] for e in staff_view["edges"] if e["node"]["subject"] == "mine")
    assert staff_mine["lastMessage"] == {"bodyText": "Customer is grumpy"}
    assert customer_view["totalCount"] == 1
    assert [e["node"] for e in customer_view["edges"]] == [
        {"subject": "mine", "lastMessage": {"bodyText": "We are on it"}}
    ]
    assert again == staff_view
