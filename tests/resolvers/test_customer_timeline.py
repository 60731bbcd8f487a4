"""Customer.timeline, Customer.stats and Customer.tickets: order, paging, visibility and
the statements a page costs."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry import relay

from db.engine import Database
from tests.conftest import ApiClient, make_user
from tests.resolvers.timeline_data import SeededTimeline, seed_timeline

TIMELINE = """
query ($id: ID!, $first: Int, $after: String, $kinds: [TimelineItemKind!]) {
  customer(id: $id) {
    timeline(first: $first, after: $after, kinds: $kinds) {
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          __typename occurredAt kind
          ... on TicketOpenedItem { ticket { id subject } }
          ... on TicketSolvedItem { ticket { id } }
          ... on MessageItem { message { id bodyText authorName author { name } } }
          ... on InteractionItem { interaction { id subject internal author { name } } }
          ... on CustomerNoteItem { note { id bodyText } }
          ... on CsatRatingItem { feedback { id rating } }
          ... on FieldChangeItem { actorName changes { field before after } }
        }
      }
    }
  }
}
"""

STATS = """
query ($id: ID!) {
  customer(id: $id) {
    stats {
      openTickets totalTickets firstContactAt lastContactAt csatAverage csatCount
      medianFirstResponseSeconds
    }
  }
}
"""

CUSTOMER_TICKETS = """
query ($id: ID!, $filter: TicketFilter) {
  customer(id: $id) {
    tickets(first: 10, filter: $filter, orderBy: {field: CREATED_AT, direction: ASC}) {
      totalCount
      edges { node { subject status } }
    }
  }
}
"""


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def node_key(node: dict[str, Any]) -> tuple[str, str]:
    """(kind, row id) of an item, as the seed recorded it."""
    kind = node["kind"].lower()
    for field in ("ticket", "message", "interaction", "note", "feedback"):
        if field in node:
            return kind, str(relay.GlobalID.from_id(node[field]["id"]).node_id)
    return kind, "?"


async def walk(client: ApiClient, customer: uuid.UUID, size: int, **extra: Any) -> list[Any]:
    """Every node, page by page, following endCursor."""
    nodes: list[Any] = []
    after = None
    while True:
        data = await client.data(
            TIMELINE, {"id": gid("Customer", customer), "first": size, "after": after, **extra}
        )
        page = data["customer"]["timeline"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def staff_and_history(
    db: Database, customer_id: uuid.UUID, **counts: Any
) -> tuple[uuid.UUID, SeededTimeline]:
    staff = await make_user(db, role="agent", name="Sam Staff")
    return staff.id, await seed_timeline(db, customer_id, staff.id, **counts)


def customer_id_of(client: ApiClient) -> uuid.UUID:
    assert client.user is not None
    assert client.user.customer_id is not None
    return client.user.customer_id


async def test_staff_timeline_is_everything_newest_first(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    _, seeded = await staff_and_history(db, casey)

    nodes = await walk(agent, casey, 100)

    with_ids = [node_key(n) for n in nodes if n["kind"] != "FIELD_CHANGE"]
    expected = [item for item in seeded.newest_first() if item[0] != "field_change"]
    assert with_ids == expected
    assert len(nodes) == len(seeded.items)
    times = [n["occurredAt"] for n in nodes]
    assert times == sorted(times, reverse=True)


async def test_paging_across_kinds_has_no_duplicates_or_gaps(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    _, seeded = await staff_and_history(db, casey, tickets=6, interactions=5, notes=3)

    whole = await walk(agent, casey, 100)
    for size in (1, 3, 7):
        paged = await walk(agent, casey, size)
        assert [(n["kind"], n["occurredAt"]) for n in paged] == [
            (n["kind"], n["occurredAt"]) for n in whole
        ]
        assert [node_key(n) for n in paged] == [node_key(n) for n in whole]
    assert len(whole) == len(seeded.items)


async def test_cursor_stays_valid_when_newer_items_arrive(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    staff, seeded = await staff_and_history(db, casey)
    first = await agent.data(TIMELINE, {"id": gid("Customer", casey), "first": 5})
    cursor = first["customer"]["timeline"]["pageInfo"]["endCursor"]

    # Newer items than the whole page: they must not shift what comes after the cursor.
    await seed_timeline(
        db,
        casey,
        staff,
        tickets=2,
        interactions=2,
        notes=1,
        changes=1,
        start=seeded.items[-1][2].replace(year=2027),
    )
    rest = await agent.data(TIMELINE, {"id": gid("Customer", casey), "first": 100, "after": cursor})

    got = [node_key(e["node"]) for e in rest["customer"]["timeline"]["edges"]]
    expected = [k for k in seeded.newest_first()[5:] if k[0] != "field_change"]
    assert [k for k in got if k[0] != "field_change"] == expected


async def test_kinds_narrow_the_timeline(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    _, seeded = await staff_and_history(db, casey)

    nodes = await walk(agent, casey, 3, kinds=["INTERACTION", "CSAT_RATING"])

    assert [node_key(n) for n in nodes] == seeded.newest_first("interaction", "csat_rating")


async def test_customer_sees_only_the_public_part_of_their_timeline(
    customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    _, seeded = await staff_and_history(db, casey)

    nodes = await walk(customer, casey, 4)

    kinds = {n["kind"] for n in nodes}
    assert kinds == {
        "TICKET_OPENED",
        "TICKET_SOLVED",
        "MESSAGE",
        "INTERACTION",
        "CSAT_RATING",
        "FIELD_CHANGE",
    }
    interactions = [n["interaction"] for n in nodes if n["kind"] == "INTERACTION"]
    assert interactions
    assert all(not i["internal"] for i in interactions)
    public_calls = [k for k in seeded.of("interaction")]
    assert len(interactions) == len(public_calls) // 2
    # Staff appear by display name only.
    replies = [n["message"] for n in nodes if n["kind"] == "MESSAGE" and n["message"]["author"]]
    assert replies
    assert all(m["author"] == {"name": "Sam Staff"} for m in replies)
    expected_public = [
        k for k in seeded.newest_first("ticket_opened", "ticket_solved", "message", "csat_rating")
    ]
    assert [
        node_key(n)
        for n in nodes
        if n["kind"] in {"TICKET_OPENED", "TICKET_SOLVED", "MESSAGE", "CSAT_RATING"}
    ] == expected_public


async def test_customer_asking_for_staff_kinds_gets_nothing(
    customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    await staff_and_history(db, casey)

    data = await customer.data(
        TIMELINE,
        {"id": gid("Customer", casey), "kinds": ["INTERNAL_NOTE", "CUSTOMER_NOTE"]},
    )

    assert data["customer"]["timeline"]["edges"] == []


async def test_customer_field_changes_leave_out_staff_private_fields(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    from db.models import AuditEntry

    casey = customer_id_of(customer)
    async with db.transaction() as session:
        session.add_all(
            [
                AuditEntry(
                    actor_label="x",
                    action="deleteCustomer",
                    object_type="Customer",
                    object_id=str(casey),
                    changes={"deletedAt": {"before": None, "after": "2026-01-01"}},
                ),
                AuditEntry(
                    actor_label="x",
                    action="updateCustomer",
                    object_type="Customer",
                    object_id=str(casey),
                    changes={
                        "name": {"before": "C", "after": "Casey"},
                        "notes": {"before": "", "after": "secret"},
                    },
                ),
            ]
        )

    as_customer = await walk(customer, casey, 10)
    as_staff = await walk(agent, casey, 10)

    assert [n["changes"] for n in as_customer] == [
        [{"field": "name", "before": "C", "after": "Casey"}]
    ]
    assert len(as_staff) == 2


async def test_other_customers_timeline_is_not_reachable(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    other = await make_user(db, role="customer", name="Other Person")
    assert other.customer_id is not None
    await staff_and_history(db, other.customer_id)

    body = await customer.post(TIMELINE, {"id": gid("Customer", other.customer_id)})

    assert body["data"]["customer"] is None


async def test_a_bad_cursor_is_a_clear_error(agent: ApiClient, customer: ApiClient) -> None:
    body = await agent.post(
        TIMELINE, {"id": gid("Customer", customer_id_of(customer)), "after": "not-a-cursor"}
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_timeline_statements_do_not_grow_with_page_size(
    agent: ApiClient, customer: ApiClient, db: Database, count_statements: Any
) -> None:
    casey = customer_id_of(customer)
    await staff_and_history(db, casey, tickets=20, interactions=20, notes=20, changes=20)

    with count_statements() as small:
        short = await agent.data(TIMELINE, {"id": gid("Customer", casey), "first": 30})
    with count_statements() as large:
        long = await agent.data(TIMELINE, {"id": gid("Customer", casey), "first": 100})

    kinds = {e["node"]["kind"] for e in short["customer"]["timeline"]["edges"]}
    assert len(kinds) == 8  # every kind on both pages: each costs one batched load
    assert len(long["customer"]["timeline"]["edges"]) == 100
    # principal, customer, the UNION page, one load per kind, the staff users named.
    assert large.count == small.count <= 12, large.statements


async def test_stats_count_tickets_contacts_csat_and_first_response(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    _, _seeded = await staff_and_history(db, casey, tickets=4, interactions=4)

    stats = (await agent.data(STATS, {"id": gid("Customer", casey)}))["customer"]["stats"]

    assert stats["totalTickets"] == 4
    assert stats["openTickets"] == 2
    assert stats["csatAverage"] == 4.0
    assert stats["csatCount"] == 1
    assert stats["medianFirstResponseSeconds"] == 1800.0
    assert stats["firstContactAt"].startswith("2026-01-01T09:00:00")
    # Ticket 3 opened at 12:00 and was answered at 12:30, after the last call (12:20).
    assert stats["lastContactAt"].startswith("2026-01-01T12:30:00")


async def test_customer_stats_leave_out_internal_interactions(
    customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    staff = await make_user(db, role="agent")
    # Only interactions: the newest (i=3, 12:20) is public, i=2 (11:20) internal.
    await seed_timeline(db, casey, staff.id, tickets=0, interactions=3, notes=0, changes=0)

    stats = (await customer.data(STATS, {"id": gid("Customer", casey)}))["customer"]["stats"]

    # i=0 and i=2 are internal; only i=1 (10:20) counts for the customer.
    assert stats["firstContactAt"].startswith("2026-01-01T10:20:00")
    assert stats["lastContactAt"].startswith("2026-01-01T10:20:00")


async def test_customer_tickets_use_the_ticket_filters(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    casey = customer_id_of(customer)
    staff = await make_user(db, role="agent")
    await seed_timeline(db, casey, staff.id, tickets=3)
    other = await make_user(db, role="customer")
    assert other.customer_id is not None
    await seed_timeline(db, other.customer_id, staff.id, tickets=2)

    every = await agent.data(CUSTOMER_TICKETS, {"id": gid("Customer", casey)})
    solved = await customer.data(
        CUSTOMER_TICKETS, {"id": gid("Customer", casey), "filter": {"status": ["SOLVED"]}}
    )

    assert every["customer"]["tickets"]["totalCount"] == 3
    assert [e["node"]["subject"] for e in every["customer"]["tickets"]["edges"]] == [
        "Question 0",
        "Question 1",
        "Question 2",
    ]
    assert [e["node"]["subject"] for e in solved["customer"]["tickets"]["edges"]] == [
        "Question 0",
        "Question 2",
    ]
