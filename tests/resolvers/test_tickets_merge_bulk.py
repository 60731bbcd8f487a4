"""Merging duplicates and bulk updates: both all-or-nothing, both audited per ticket."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from db.engine import Database
from db.models import Attachment, TicketFollower, TicketMessage
from tests.conftest import ApiClient, make_user
from tests.resolvers.ticket_helpers import (
    audit_entries,
    change_status,
    fetch_ticket,
    gid,
    make_customer,
    make_team,
    staff_ticket,
)

MERGE = """
mutation ($input: MergeTicketsInput!) {
  mergeTickets(input: $input) {
    source { id status mergedInto { id } }
    target { id status }
    errors { field code message }
  }
}
"""

BULK = """
mutation ($input: BulkUpdateTicketsInput!) {
  bulkUpdateTickets(input: $input) {
    tickets { id status priority tags assignee { id } }
    errors { field code message }
  }
}
"""


async def _follow(db: Database, ticket_id: str, user_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        session.add(
            TicketFollower(ticket_id=(await fetch_ticket(db, ticket_id)).id, user_id=user_id)
        )


async def test_merge_moves_history_and_closes_the_duplicate(
    agent: ApiClient, admin: ApiClient, db: Database
) -> None:
    assert agent.user is not None
    assert admin.user is not None
    acme = await make_customer(db)
    source = await staff_ticket(agent, acme.id, body="<p>first report</p>")
    target = await staff_ticket(agent, acme.id, body="<p>second report</p>")
    source_row = await fetch_ticket(db, source["id"])
    async with db.transaction() as session:
        session.add(
            Attachment(
                ticket_id=source_row.id,
                filename="log.txt",
                content_type="text/plain",
                size_bytes=3,
                sha256="0" * 64,
                storage_key="k",
            )
        )
    await _follow(db, source["id"], admin.user.id)
    await _follow(db, source["id"], agent.user.id)
    await _follow(db, target["id"], agent.user.id)

    data = await agent.data(MERGE, {"input": {"sourceId": source["id"], "targetId": target["id"]}})

    payload = data["mergeTickets"]
    assert payload["errors"] == []
    assert payload["source"] == {
        "id": source["id"],
        "status": "CLOSED",
        "mergedInto": {"id": target["id"]},
    }
    assert payload["target"]["status"] == "NEW"
    target_id = (await fetch_ticket(db, target["id"])).id
    async with db.sessions() as session:
        messages = list(
            (
                await session.execute(
                    select(
                        TicketMessage.ticket_id, TicketMessage.visibility, TicketMessage.body_text
                    ).order_by(TicketMessage.created_at, TicketMessage.body_text)
                )
            ).all()
        )
        attachments = list((await session.execute(select(Attachment.ticket_id))).scalars())
        followers = set(
            (await session.execute(select(TicketFollower.ticket_id, TicketFollower.user_id))).all()
        )
    moved = [m for m in messages if m.visibility == "public"]
    assert [m.ticket_id for m in moved] == [target_id, target_id]
    notes = [m for m in messages if m.visibility == "internal"]
    assert {n.ticket_id for n in notes} == {source_row.id, target_id}
    assert attachments == [target_id]
    assert followers == {(target_id, admin.user.id), (target_id, agent.user.id)}
    assert {e.object_id for e in await audit_entries(db, "mergeTickets")} == {
        str(source_row.id),
        str(target_id),
    }


async def test_tickets_of_different_customers_cannot_be_merged(
    agent: ApiClient, db: Database
) -> None:
    acme, globex = await make_customer(db, "Acme"), await make_customer(db, "Globex")
    source = await staff_ticket(agent, acme.id, body="<p>a</p>")
    target = await staff_ticket(agent, globex.id)

    data = await agent.data(MERGE, {"input": {"sourceId": source["id"], "targetId": target["id"]}})

    assert [(e["field"], e["code"]) for e in data["mergeTickets"]["errors"]] == [
        ("targetId", "INVALID")
    ]
    row = await fetch_ticket(db, source["id"])
    assert (row.status, row.merged_into_id) == ("new", None)
    async with db.sessions() as session:
        owners = set((await session.execute(select(TicketMessage.ticket_id))).scalars())
    assert owners == {row.id}


async def test_a_ticket_cannot_be_merged_into_itself(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(MERGE, {"input": {"sourceId": ticket["id"], "targetId": ticket["id"]}})

    assert [(e["field"], e["code"]) for e in data["mergeTickets"]["errors"]] == [
        ("targetId", "INVALID")
    ]


async def test_nothing_merges_into_a_closed_ticket(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    source = await staff_ticket(agent, acme.id)
    target = await staff_ticket(agent, acme.id)
    await change_status(agent, target["id"], "SOLVED")
    await change_status(agent, target["id"], "CLOSED")

    data = await agent.data(MERGE, {"input": {"sourceId": source["id"], "targetId": target["id"]}})

    assert [(e["field"], e["code"]) for e in data["mergeTickets"]["errors"]] == [
        ("targetId", "INVALID_STATE")
    ]
    assert (await fetch_ticket(db, source["id"])).status == "new"
    assert await audit_entries(db, "mergeTickets") == []


async def test_bulk_update_changes_every_ticket(agent: ApiClient, db: Database) -> None:
    assert agent.user is not None
    acme = await make_customer(db)
    first = await staff_ticket(agent, acme.id, tags=["billing", "old"])
    second = await staff_ticket(agent, acme.id)

    data = await agent.data(
        BULK,
        {
            "input": {
                "ids": [first["id"], second["id"]],
                "status": "PENDING",
                "priority": "HIGH",
                "assigneeId": gid("User", agent.user.id),
                "addTags": ["VIP"],
                "removeTags": ["old"],
            }
        },
    )

    payload = data["bulkUpdateTickets"]
    assert payload["errors"] == []
    me = {"id": gid("User", agent.user.id)}
    assert payload["tickets"] == [
        {
            "id": first["id"],
            "status": "PENDING",
            "priority": "HIGH",
            "tags": ["billing", "vip"],
            "assignee": me,
        },
        {
            "id": second["id"],
            "status": "PENDING",
            "priority": "HIGH",
            "tags": ["vip"],
            "assignee": me,
        },
    ]
    assert len(await audit_entries(db, "bulkUpdateTickets")) == 2


async def test_bulk_update_with_one_missing_ticket_changes_nothing(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    first = await staff_ticket(agent, acme.id)
    second = await staff_ticket(agent, acme.id)
    missing = gid("Ticket", uuid.uuid4())

    data = await agent.data(
        BULK,
        {
            "input": {
                "ids": [first["id"], missing, second["id"]],
                "status": "PENDING",
                "addTags": ["x"],
            }
        },
    )

    assert data["bulkUpdateTickets"]["tickets"] == []
    assert [(e["field"], e["code"]) for e in data["bulkUpdateTickets"]["errors"]] == [
        ("ids.1", "NOT_FOUND")
    ]
    for ticket in (first, second):
        row = await fetch_ticket(db, ticket["id"])
        assert (row.status, row.tags) == ("new", [])
    assert await audit_entries(db, "bulkUpdateTickets") == []


async def test_bulk_update_with_one_illegal_transition_changes_nothing(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    open_ticket = await staff_ticket(agent, acme.id)
    closed = await staff_ticket(agent, acme.id)
    await change_status(agent, closed["id"], "SOLVED")
    await change_status(agent, closed["id"], "CLOSED")

    data = await agent.data(
        BULK, {"input": {"ids": [open_ticket["id"], closed["id"]], "status": "PENDING"}}
    )

    assert [(e["field"], e["code"]) for e in data["bulkUpdateTickets"]["errors"]] == [
        ("ids.1", "INVALID_STATE")
    ]
    assert (await fetch_ticket(db, open_ticket["id"])).status == "new"


async def test_bulk_assignee_outside_a_tickets_team_changes_nothing(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    olga = await make_user(db, role="agent", name="Olga")
    team = await make_team(db, "Billing", [ann])
    loose = await staff_ticket(agent, acme.id)
    teamed = await staff_ticket(agent, acme.id, teamId=gid("Team", team.id))

    data = await agent.data(
        BULK, {"input": {"ids": [loose["id"], teamed["id"]], "assigneeId": gid("User", olga.id)}}
    )

    assert [(e["field"], e["code"]) for e in data["bulkUpdateTickets"]["errors"]] == [
        ("ids.1", "INVALID")
    ]
    assert (await fetch_ticket(db, loose["id"])).assignee_id is None


async def test_bulk_update_of_more_than_100_tickets_is_refused(agent: ApiClient) -> None:
    ids = [gid("Ticket", uuid.uuid4()) for _ in range(101)]

    data = await agent.data(BULK, {"input": {"ids": ids, "status": "OPEN"}})

    assert [(e["field"], e["code"]) for e in data["bulkUpdateTickets"]["errors"]] == [
        ("ids", "INVALID")
    ]


async def test_bulk_update_reports_malformed_ids_by_position(agent: ApiClient) -> None:
    data = await agent.data(BULK, {"input": {"ids": ["nope"], "status": "OPEN"}})

    assert [(e["field"], e["code"]) for e in data["bulkUpdateTickets"]["errors"]] == [
        ("ids.0", "INVALID_ID")
    ]


async def test_reviewer_cannot_bulk_update(reviewer: ApiClient) -> None:
    body = await reviewer.post(BULK, {"input": {"ids": [gid("Ticket", uuid.uuid4())]}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
