"""Opening tickets and their life: SLA due times, the status state machine, who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.engine import Database
from db.models import Ticket, TicketMessage
from tests.conftest import ApiClient
from tests.resolvers.ticket_helpers import (
    ASSIGN_TICKET,
    CREATE_TICKET,
    audit_entries,
    change_status,
    count,
    create_ticket,
    fetch_ticket,
    gid,
    make_customer,
    staff_ticket,
)


def _minutes_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)) / timedelta(minutes=1)


async def test_customer_opens_a_ticket_for_themselves(customer: ApiClient, db: Database) -> None:
    assert customer.user is not None

    ticket = await create_ticket(customer, subject="  My   order is late ", body="<p>Order 12</p>")

    assert ticket["subject"] == "My order is late"
    assert ticket["status"] == "NEW"
    assert ticket["priority"] == "NORMAL"
    assert ticket["channel"] == "WEB"
    assert ticket["number"] >= 1
    assert ticket["customer"]["id"] == gid("Customer", customer.user.customer_id)  # type: ignore[arg-type]
    assert ticket["requester"]["id"] == gid("User", customer.user.id)
    assert await count(db, TicketMessage) == 1


async def test_first_message_is_stored_sanitised_and_is_not_a_reply(
    customer: ApiClient, db: Database
) -> None:
    ticket = await create_ticket(customer, body='<p onclick="x()">Help<script>1</script></p>')

    row = await fetch_ticket(db, ticket["id"])
    async with db.sessions() as session:
        message = (
            await session.execute(
                TicketMessage.__table__.select().where(TicketMessage.ticket_id == row.id)
            )
        ).one()
    assert message.body_html == "<p>Help</p>"
    assert message.author_kind == "customer"
    assert message.visibility == "public"
    assert row.first_responded_at is None
    assert row.last_message_at is not None


async def test_sla_due_times_follow_the_priority(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)

    urgent = await staff_ticket(agent, acme.id, priority="URGENT")
    low = await staff_ticket(agent, acme.id, priority="LOW")

    assert _minutes_between(urgent["createdAt"], urgent["firstResponseDueAt"]) == 60
    assert _minutes_between(urgent["createdAt"], urgent["resolutionDueAt"]) == 4 * 60
    assert _minutes_between(low["createdAt"], low["firstResponseDueAt"]) == 24 * 60
    assert urgent["slaBreached"] is False


UPDATE_TICKET = """
mutation ($input: UpdateTicketInput!) {
  updateTicket(input: $input) {
    ticket { id priority subject tags customFields firstResponseDueAt resolutionDueAt createdAt
             followers { id } team { id } }
    errors { field code message }
  }
}
"""


async def test_changing_priority_recomputes_sla_due_times(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(UPDATE_TICKET, {"input": {"id": ticket["id"], "priority": "HIGH"}})

    updated = data["updateTicket"]["ticket"]
    assert data["updateTicket"]["errors"] == []
    assert _minutes_between(updated["createdAt"], updated["firstResponseDueAt"]) == 4 * 60
    assert _minutes_between(updated["createdAt"], updated["resolutionDueAt"]) == 24 * 60


async def test_admin_edited_sla_policy_applies_to_new_tickets(
    admin: ApiClient, agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    data = await admin.data(
        """mutation ($input: UpdateSlaPolicyInput!) { updateSlaPolicy(input: $input) {
             slaPolicy { priority firstResponseMinutes resolutionMinutes }
             errors { field code } } }""",
        {"input": {"priority": "NORMAL", "firstResponseMinutes": 30, "resolutionMinutes": 90}},
    )
    assert data["updateSlaPolicy"]["errors"] == []

    ticket = await staff_ticket(agent, acme.id)

    assert _minutes_between(ticket["createdAt"], ticket["firstResponseDueAt"]) == 30
    assert _minutes_between(ticket["createdAt"], ticket["resolutionDueAt"]) == 90
    policies = (await agent.data("{ slaPolicies { priority firstResponseMinutes } }"))[
        "slaPolicies"
    ]
    assert policies[0] == {"priority": "URGENT", "firstResponseMinutes": 60}
    assert {"priority": "NORMAL", "firstResponseMinutes": 30} in policies


async def test_sla_policy_with_response_after_resolution_is_refused(admin: ApiClient) -> None:
    data = await admin.data(
        """mutation ($input: UpdateSlaPolicyInput!) { updateSlaPolicy(input: $input) {
             slaPolicy { priority } errors { field code } } }""",
        {"input": {"priority": "HIGH", "firstResponseMinutes": 100, "resolutionMinutes": 50}},
    )

    assert data["updateSlaPolicy"] == {
        "slaPolicy": None,
        "errors": [{"field": "firstResponseMinutes", "code": "INVALID"}],
    }


async def test_staff_must_say_which_customer(agent: ApiClient, db: Database) -> None:
    data = await agent.data(CREATE_TICKET, {"input": {"subject": "Hello"}})

    assert data["createTicket"]["ticket"] is None
    assert [(e["field"], e["code"]) for e in data["createTicket"]["errors"]] == [
        ("customerId", "REQUIRED")
    ]
    assert await count(db, Ticket) == 0


async def test_customer_cannot_set_staff_only_fields(customer: ApiClient, db: Database) -> None:
    data = await customer.data(
        CREATE_TICKET, {"input": {"subject": "Hello", "priority": "URGENT", "tags": ["vip"]}}
    )

    assert [(e["field"], e["code"]) for e in data["createTicket"]["errors"]] == [
        ("priority", "FORBIDDEN"),
        ("tags", "FORBIDDEN"),
    ]
    assert await count(db, Ticket) == 0


async def test_blank_or_long_subject_is_refused(customer: ApiClient, db: Database) -> None:
    blank = await customer.data(CREATE_TICKET, {"input": {"subject": "   "}})
    long = await customer.data(CREATE_TICKET, {"input": {"subject": "x" * 301}})

    assert blank["createTicket"]["errors"][0]["code"] == "REQUIRED"
    assert long["createTicket"]["errors"][0]["code"] == "TOO_LONG"
    assert await count(db, Ticket) == 0


async def test_reviewer_cannot_open_tickets(reviewer: ApiClient, db: Database) -> None:
    acme = await make_customer(db)

    body = await reviewer.post(
        CREATE_TICKET, {"input": {"subject": "x", "customerId": gid("Customer", acme.id)}}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, Ticket) == 0


async def test_anonymous_cannot_open_tickets(anonymous: ApiClient) -> None:
    body = await anonymous.post(CREATE_TICKET, {"input": {"subject": "x"}})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_ticket_lifecycle_from_new_to_closed(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    assert agent.user is not None
    ticket = await create_ticket(customer, body="<p>It broke</p>")

    assigned = await agent.data(
        ASSIGN_TICKET,
        {"input": {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}},
    )
    opened = await change_status(agent, ticket["id"], "OPEN")
    pending = await change_status(agent, ticket["id"], "PENDING")
    solved = await change_status(agent, ticket["id"], "SOLVED")
    closed = await change_status(agent, ticket["id"], "CLOSED")

    assert assigned["assignTicket"]["ticket"]["assignee"] == {"id": gid("User", agent.user.id)}
    assert [p["errors"] for p in (opened, pending, solved, closed)] == [[], [], [], []]
    assert [p["ticket"]["status"] for p in (opened, pending, solved, closed)] == [
        "OPEN",
        "PENDING",
        "SOLVED",
        "CLOSED",
    ]
    assert solved["ticket"]["solvedAt"] is not None
    assert closed["ticket"]["closedAt"] is not None
    row = await fetch_ticket(db, ticket["id"])
    assert (row.status, row.assignee_id) == ("closed", agent.user.id)


async def test_closed_is_final(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)
    await change_status(agent, ticket["id"], "SOLVED")
    await change_status(agent, ticket["id"], "CLOSED")

    reopened = await change_status(agent, ticket["id"], "OPEN")

    assert reopened["ticket"] is None
    assert reopened["errors"][0]["field"] == "status"
    assert reopened["errors"][0]["code"] == "INVALID_STATE"
    assert "closed, which is final" in reopened["errors"][0]["message"]
    assert (await fetch_ticket(db, ticket["id"])).status == "closed"


async def test_illegal_transition_names_the_allowed_targets(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    result = await change_status(agent, ticket["id"], "CLOSED")

    assert result["errors"] == [
        {
            "field": "status",
            "code": "INVALID_STATE",
            "message": f"Ticket #{ticket['number']} is new: it can move to open, pending, "
            "on hold, solved, not closed.",
        }
    ]
    assert (await fetch_ticket(db, ticket["id"])).status == "new"


async def test_reopening_a_solved_ticket_clears_solved_at(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)
    await change_status(agent, ticket["id"], "SOLVED")

    reopened = await change_status(agent, ticket["id"], "OPEN")

    assert reopened["ticket"]["status"] == "OPEN"
    assert reopened["ticket"]["solvedAt"] is None


async def test_customer_may_solve_and_then_close_their_own_ticket(customer: ApiClient) -> None:
    ticket = await create_ticket(customer)

    solved = await change_status(customer, ticket["id"], "SOLVED")
    closed = await change_status(customer, ticket["id"], "CLOSED")

    assert solved["ticket"]["status"] == "SOLVED"
    assert closed["ticket"]["status"] == "CLOSED"


async def test_customer_may_not_put_a_ticket_on_hold(customer: ApiClient, db: Database) -> None:
    ticket = await create_ticket(customer)

    result = await change_status(customer, ticket["id"], "ON_HOLD")

    assert result["errors"][0]["code"] == "INVALID_STATE"
    assert "it can move to solved" in result["errors"][0]["message"]
    assert (await fetch_ticket(db, ticket["id"])).status == "new"


async def test_customer_cannot_change_another_customers_ticket(
    customer: ApiClient, agent: ApiClient, db: Database
) -> None:
    other = await make_customer(db, "Globex")
    ticket = await staff_ticket(agent, other.id)

    result = await change_status(customer, ticket["id"], "SOLVED")

    assert result["errors"] == [
        {"field": "ticketId", "code": "NOT_FOUND", "message": "No ticket with this ID."}
    ]
    assert (await fetch_ticket(db, ticket["id"])).status == "new"


async def test_reviewer_cannot_change_status(
    reviewer: ApiClient, agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    body = await reviewer.post(
        CHANGE_STATUS_DOC, {"input": {"ticketId": ticket["id"], "status": "OPEN"}}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await fetch_ticket(db, ticket["id"])).status == "new"


CHANGE_STATUS_DOC = """
mutation ($input: ChangeTicketStatusInput!) {
  changeTicketStatus(input: $input) { ticket { id } errors { field code } }
}
"""


async def test_status_change_is_audited(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    await change_status(agent, ticket["id"], "PENDING")

    (entry,) = await audit_entries(db, "changeTicketStatus")
    assert entry.object_type == "Ticket"
    assert entry.object_id == str((await fetch_ticket(db, ticket["id"])).id)
    assert entry.changes["status"] == {"before": "new", "after": "pending"}
    created = await audit_entries(db, "createTicket")
    assert created[0].changes["subject"] == {"before": None, "after": "Printer on fire"}


async def test_update_ticket_changes_tags_fields_and_followers(
    agent: ApiClient, admin: ApiClient, db: Database
) -> None:
    assert admin.user is not None
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(
        UPDATE_TICKET,
        {
            "input": {
                "id": ticket["id"],
                "subject": "Printer still on fire",
                "tags": ["Hardware", "hardware", " urgent "],
                "customFields": {"order": 42},
                "addFollowerIds": [gid("User", admin.user.id)],
            }
        },
    )

    updated = data["updateTicket"]
    assert updated["errors"] == []
    assert updated["ticket"]["subject"] == "Printer still on fire"
    assert updated["ticket"]["tags"] == ["hardware", "urgent"]
    assert updated["ticket"]["customFields"] == {"order": 42}
    assert updated["ticket"]["followers"] == [{"id": gid("User", admin.user.id)}]
    (entry,) = await audit_entries(db, "updateTicket")
    assert entry.changes["followers"] == {"before": [], "after": [str(admin.user.id)]}


async def test_customer_cannot_follow_tickets(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(
        UPDATE_TICKET,
        {"input": {"id": ticket["id"], "addFollowerIds": [gid("User", customer.user.id)]}},
    )

    assert [(e["field"], e["code"]) for e in data["updateTicket"]["errors"]] == [
        ("addFollowerIds.0", "NOT_FOUND")
    ]
    assert await audit_entries(db, "updateTicket") == []


async def test_customer_cannot_update_ticket_fields(customer: ApiClient) -> None:
    ticket = await create_ticket(customer)

    body = await customer.post(UPDATE_TICKET, {"input": {"id": ticket["id"], "subject": "x"}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_api_key_opens_tickets_on_the_api_channel(
    http: object, admin: ApiClient, db: Database
) -> None:
    from tests.conftest import ApiClient as Client

    acme = await make_customer(db)
    created = await admin.data(
        """mutation { createApiKey(input: {name: "gateway", role: AGENT}) {
             key errors { code } } }"""
    )
    key = created["createApiKey"]["key"]
    integration = Client(http=admin.http, headers={"X-API-Key": key})

    ticket = await staff_ticket(integration, acme.id, body="<p>From the form</p>")

    assert ticket["channel"] == "API"
    assert ticket["requester"] is None
