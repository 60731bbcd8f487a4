"""Listing messages: keyset pages, and a constant number of SQL statements however many
messages or tickets there are (authors, replies, revisions and last messages are batched)."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from db.models import User
from tests.conftest import ApiClient
from tests.resolvers.message_helpers import gid, make_message, make_ticket

PAGE = """
query Page($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Ticket {
      messages(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { bodyText } }
      }
    }
  }
}
"""

DETAILED = """
query Detailed($id: ID!) {
  node(id: $id) {
    ... on Ticket {
      messages(first: 100) {
        edges {
          node {
            bodyHtml authorName author { name } inReplyTo { id bodyText }
            revisions { bodyText editedBy { name } }
            ticket { id }
          }
        }
      }
      lastMessage { bodyText }
    }
  }
}
"""

# Revisions are staff-only.
CUSTOMER_DETAILED = DETAILED.replace("revisions { bodyText editedBy { name } }", "")

TICKETS_WITH_LAST_MESSAGE = """
query {
  tickets(first: 100) {
    edges { node { id lastMessage { bodyText authorName author { name } } } }
  }
}
"""


async def _thread(db: Database, customer: User, agent: User, count: int) -> Any:
    ticket = await make_ticket(db, customer)
    previous = None
    for index in range(count):
        author = customer if index % 2 == 0 else agent
        previous = await make_message(
            db,
            ticket,
            author,
            f"<p>message {index}</p>",
            visibility="internal" if index % 5 == 3 else "public",
            in_reply_to_id=previous.id if previous is not None else None,
        )
    return ticket


async def test_messages_are_paged_oldest_first_with_cursors(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    for index in range(5):
        await make_message(db, ticket, agent.user, f"m{index}")

    first = await agent.data(PAGE, {"id": gid("Ticket", ticket.id), "first": 2})
    cursor = first["node"]["messages"]["pageInfo"]["endCursor"]
    second = await agent.data(PAGE, {"id": gid("Ticket", ticket.id), "first": 2, "after": cursor})

    assert [e["node"]["bodyText"] for e in first["node"]["messages"]["edges"]] == ["m0", "m1"]
    assert [e["node"]["bodyText"] for e in second["node"]["messages"]["edges"]] == ["m2", "m3"]
    assert first["node"]["messages"]["totalCount"] == 5
    assert second["node"]["messages"]["pageInfo"]["hasNextPage"] is True


async def test_page_size_over_the_limit_is_a_bad_user_input(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    body = await agent.post(PAGE, {"id": gid("Ticket", ticket.id), "first": 101})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_message_listing_costs_the_same_statements_for_5_and_50_messages(
    db: Database, customer: ApiClient, agent: ApiClient, count_statements: Any
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    small = await _thread(db, customer.user, agent.user, 5)
    large = await _thread(db, customer.user, agent.user, 50)

    counts = {}
    for client in (agent, customer):
        for ticket in (small, large):
            query = DETAILED if client is agent else CUSTOMER_DETAILED
            with count_statements() as counter:
                data = await client.data(query, {"id": gid("Ticket", ticket.id)})
            nodes = [edge["node"] for edge in data["node"]["messages"]["edges"]]
            # authorName (read from the page's authors, loaded at once) names each author.
            assert {n["authorName"] for n in nodes} == {customer.user.name, agent.user.name}
            assert all(n["authorName"] == n["author"]["name"] for n in nodes)
            counts[(client.user.role if client.user else "", ticket is large)] = counter.count

    assert counts[("agent", False)] == counts[("agent", True)]
    assert counts[("customer", False)] == counts[("customer", True)]


async def test_ticket_list_with_last_message_costs_the_same_for_5_and_50_tickets(
    db: Database, customer: ApiClient, agent: ApiClient, count_statements: Any
) -> None:
    assert customer.user is not None
    assert agent.user is not None

    async def add_tickets(count: int) -> None:
        assert customer.user is not None
        assert agent.user is not None
        for index in range(count):
            ticket = await make_ticket(db, customer.user, subject=f"T{index}")
            await make_message(db, ticket, customer.user, f"question {index}")
            await make_message(db, ticket, agent.user, f"note {index}", visibility="internal")

    await add_tickets(5)
    with count_statements() as few:
        data = await agent.data(TICKETS_WITH_LAST_MESSAGE)
    assert len(data["tickets"]["edges"]) == 5
    await add_tickets(45)
    with count_statements() as many:
        data = await agent.data(TICKETS_WITH_LAST_MESSAGE)
    as_customer = await customer.data(TICKETS_WITH_LAST_MESSAGE)

    assert len(data["tickets"]["edges"]) == 50
    assert few.count == many.count
    assert {e["node"]["lastMessage"]["bodyText"][:4] for e in data["tickets"]["edges"]} == {"note"}
    assert {e["node"]["lastMessage"]["bodyText"][:8] for e in as_customer["tickets"]["edges"]} == {
        "question"
    }


CONVERSATION_WITHOUT_TOTAL = """
query ($id: ID!) {
  node(id: $id) { ... on Ticket { messages(first: 50) { edges { node { bodyText } } } } }
}
"""


async def test_conversation_without_total_count_runs_no_count(
    db: Database, customer: ApiClient, agent: ApiClient, count_statements: Any
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _thread(db, customer.user, agent.user, 6)

    with count_statements() as counter:
        data = await agent.data(CONVERSATION_WITHOUT_TOTAL, {"id": gid("Ticket", ticket.id)})

    assert len(data["node"]["messages"]["edges"]) == 6
    assert not [s for s in counter.statements if "count(" in s.lower()]
