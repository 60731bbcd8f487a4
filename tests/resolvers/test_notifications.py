"""E-mail notifications about tickets, delivered through a real aiosmtpd server: who gets
which mail, the per-user switches, and the cases that must send nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app import Runtime
from db.engine import Database
from db.models import Customer, CustomerEmail, OutboxMail, User
from settings import Settings
from tests.conftest import ApiClient, client_for
from tests.resolvers.ticket_helpers import (
    ASSIGN_TICKET,
    audit_entries,
    create_ticket,
    gid,
    make_customer,
    make_team,
    staff_ticket,
)
from tests.smtp import SmtpServer

ADD_MESSAGE = """
mutation ($input: AddMessageInput!) {
  addMessage(input: $input) { message { id } errors { field code message } }
}
"""
CHANGE_STATUS = """
mutation ($input: ChangeTicketStatusInput!) {
  changeTicketStatus(input: $input) { ticket { id status } errors { field code message } }
}
"""
BULK = """
mutation ($input: BulkUpdateTicketsInput!) {
  bulkUpdateTickets(input: $input) { tickets { id } errors { field code message } }
}
"""
AUTO_ASSIGN = """
mutation ($input: AutoAssignTicketInput!) {
  autoAssignTicket(input: $input) { ticket { id } errors { field code message } }
}
"""
VIEWER_PREFERENCES = """
query {
  viewer { email notificationPreferences { ticketReply ticketSolved ticketAssigned customerReply } }
}
"""
USER_PREFERENCES = """
query ($id: ID!) {
  node(id: $id) { ... on User { email notificationPreferences { ticketReply } } }
}
"""
UPDATE_PREFERENCES = """
mutation ($input: UpdateNotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    notificationPreferences { ticketReply ticketSolved ticketAssigned customerReply }
    errors { field code message }
  }
}
"""


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(smtp_server.url)})


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    # Let a delivery started by the test finish before its tables are truncated.
    if runtime.jobs is not None:
        await runtime.jobs.stop()


async def outbox(db: Database) -> list[OutboxMail]:
    async with db.sessions() as session:
        stmt = select(OutboxMail).order_by(OutboxMail.created_at, OutboxMail.id)
        return list((await session.execute(stmt)).scalars())


async def mutate(client: ApiClient, query: str, input: dict[str, Any]) -> dict[str, Any]:
    data = await client.data(query, {"input": input})
    (payload,) = data.values()
    assert payload["errors"] == [], payload["errors"]
    result: dict[str, Any] = payload
    return result


async def reply(client: ApiClient, ticket_id: str, text: str, visibility: str = "PUBLIC") -> None:
    await mutate(
        client,
        ADD_MESSAGE,
        {"ticketId": ticket_id, "bodyHtml": f"<p>{text}</p>", "visibility": visibility},
    )


async def switch_off(client: ApiClient, **kinds: bool) -> None:
    await mutate(client, UPDATE_PREFERENCES, kinds)


# --- to the customer -----------------------------------------------------------------------


async def test_customer_gets_an_email_with_the_reply_when_staff_answer(
    agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    # given
    ticket = await create_ticket(customer, subject="Printer on fire")

    # when
    await reply(agent, ticket["id"], "Unplug it and step back.")

    # then
    assert customer.user is not None
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [customer.user.email]
    assert mail.subject == f"[#{ticket['number']}] New reply: Printer on fire"
    assert "Alan Agent replied" in mail.body
    assert "Unplug it and step back." in mail.body
    assert f"http://testserver/tickets/{ticket['number']}" in mail.body


async def test_internal_note_sends_no_email(
    db: Database, agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    # given
    ticket = await create_ticket(customer)

    # when
    await reply(agent, ticket["id"], "Courier lost it again", visibility="INTERNAL")

    # then: nothing queued, so nothing can ever be sent
    assert await outbox(db) == []
    await reply(agent, ticket["id"], "It is on its way.")
    mail = await smtp_server.mailbox.next()  # the first mail is the public reply
    assert "It is on its way." in mail.body
    assert [row.kind for row in await outbox(db)] == ["ticket_reply"]


async def test_customer_without_an_account_gets_the_reply_at_their_first_address(
    db: Database, agent: ApiClient, smtp_server: SmtpServer
) -> None:
    # given: a customer record with two addresses and no sign-in account
    async with db.transaction() as session:
        record = Customer(name="Walk-in Wanda")
        session.add(record)
        await session.flush()
        session.add_all(
            [
                CustomerEmail(customer_id=record.id, email="second@wanda.test", position=1),
                CustomerEmail(customer_id=record.id, email="first@wanda.test", position=0),
            ]
        )
    ticket = await staff_ticket(agent, record.id, subject="Phoned in")

    # when
    await reply(agent, ticket["id"], "We called you back.")

    # then
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == ["first@wanda.test"]


async def test_customer_gets_an_email_when_staff_solve_the_ticket(
    agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    ticket = await create_ticket(customer, subject="Cannot log in")

    await mutate(agent, CHANGE_STATUS, {"ticketId": ticket["id"], "status": "SOLVED"})

    assert customer.user is not None
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [customer.user.email]
    assert mail.subject == f"[#{ticket['number']}] Solved: Cannot log in"
    assert f"http://testserver/tickets/{ticket['number']}" in mail.body


async def test_customer_who_solves_their_own_ticket_gets_no_email(
    db: Database, customer: ApiClient
) -> None:
    ticket = await create_ticket(customer)

    await mutate(customer, CHANGE_STATUS, {"ticketId": ticket["id"], "status": "SOLVED"})

    assert await outbox(db) == []


async def test_bulk_solve_emails_each_customer(
    db: Database, http: Any, agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    mine, theirs = await create_ticket(customer), await create_ticket(other)

    await mutate(agent, BULK, {"ids": [mine["id"], theirs["id"]], "status": "SOLVED"})

    received = {(await smtp_server.mailbox.next()).recipients[0] for _ in range(2)}
    assert customer.user is not None
    assert other.user is not None
    assert received == {customer.user.email, other.user.email}


async def test_customer_who_turned_replies_off_gets_no_reply_email_but_still_solved(
    db: Database, agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    # given
    await switch_off(customer, ticketReply=False)
    ticket = await create_ticket(customer)

    # when
    await reply(agent, ticket["id"], "Here is the answer.")

    # then
    assert await outbox(db) == []
    await mutate(agent, CHANGE_STATUS, {"ticketId": ticket["id"], "status": "SOLVED"})
    mail = await smtp_server.mailbox.next()
    assert "Solved" in mail.subject


# --- to the assignee -----------------------------------------------------------------------


async def test_agent_gets_an_email_when_a_ticket_is_assigned_to_them(
    db: Database, http: Any, admin: ApiClient, agent: ApiClient, smtp_server: SmtpServer
) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(admin, acme.id, subject="Refund please")
    assert agent.user is not None

    await mutate(
        admin, ASSIGN_TICKET, {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}
    )

    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [agent.user.email]
    assert mail.subject == f"[#{ticket['number']}] Assigned to you: Refund please"
    assert "assigned to you by Ada Admin" in mail.body
    assert f"http://testserver/tickets/{ticket['number']}" in mail.body


async def test_taking_a_ticket_yourself_sends_no_email(db: Database, agent: ApiClient) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)
    assert agent.user is not None

    await mutate(
        agent, ASSIGN_TICKET, {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}
    )

    assert await outbox(db) == []


async def test_round_robin_emails_the_agent_it_picked(
    db: Database, http: Any, admin: ApiClient, smtp_server: SmtpServer
) -> None:
    bea = await client_for(http, db, "agent", name="Bea Agent")
    assert bea.user is not None
    team = await make_team(db, "Billing", [bea.user])
    acme = await make_customer(db)
    ticket = await staff_ticket(admin, acme.id)

    await mutate(admin, AUTO_ASSIGN, {"ticketId": ticket["id"], "teamId": gid("Team", team.id)})

    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [bea.user.email]


async def test_new_ticket_routed_to_a_team_emails_the_agent_who_got_it(
    db: Database, http: Any, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    bea = await client_for(http, db, "agent", name="Bea Agent")
    assert bea.user is not None
    team = await make_team(db, "Billing", [bea.user])

    ticket = await staff_ticket(
        await client_for(http, db, "admin"),
        (await make_customer(db)).id,
        teamId=gid("Team", team.id),
    )

    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [bea.user.email]
    assert f"#{ticket['number']}" in mail.subject


async def test_bulk_assignment_emails_the_assignee_for_each_ticket(
    db: Database, admin: ApiClient, agent: ApiClient, smtp_server: SmtpServer
) -> None:
    acme = await make_customer(db)
    first, second = await staff_ticket(admin, acme.id), await staff_ticket(admin, acme.id)
    assert agent.user is not None

    await mutate(
        admin, BULK, {"ids": [first["id"], second["id"]], "assigneeId": gid("User", agent.user.id)}
    )

    subjects = {(await smtp_server.mailbox.next()).subject for _ in range(2)}
    assert subjects == {
        f"[#{first['number']}] Assigned to you: Printer on fire",
        f"[#{second['number']}] Assigned to you: Printer on fire",
    }
    assert all(m.recipients == [agent.user.email] for m in smtp_server.mailbox.received)


async def test_assignee_gets_an_email_when_the_customer_replies(
    db: Database, agent: ApiClient, customer: ApiClient, smtp_server: SmtpServer
) -> None:
    # given: the agent took the ticket themself (no mail for that)
    ticket = await create_ticket(customer, subject="Still broken")
    assert agent.user is not None
    await mutate(
        agent, ASSIGN_TICKET, {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}
    )

    # when
    await reply(customer, ticket["id"], "It happened again this morning.")

    # then
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == [agent.user.email]
    assert mail.subject == f"[#{ticket['number']}] Customer reply: Still broken"
    assert "Casey Customer replied" in mail.body
    assert "It happened again this morning." in mail.body


async def test_agent_who_turned_assignments_off_gets_no_assignment_email(
    db: Database, admin: ApiClient, agent: ApiClient
) -> None:
    await switch_off(agent, ticketAssigned=False)
    acme = await make_customer(db)
    ticket = await staff_ticket(admin, acme.id)
    assert agent.user is not None

    await mutate(
        admin, ASSIGN_TICKET, {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}
    )

    assert await outbox(db) == []


async def test_failed_mutation_queues_no_email(db: Database, agent: ApiClient) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(ADD_MESSAGE, {"input": {"ticketId": ticket["id"], "bodyHtml": " "}})

    assert data["addMessage"]["errors"][0]["code"] == "REQUIRED"
    assert await outbox(db) == []


# --- preferences ---------------------------------------------------------------------------


async def test_viewer_has_every_notification_on_by_default(customer: ApiClient) -> None:
    data = await customer.data(VIEWER_PREFERENCES)

    assert data["viewer"]["notificationPreferences"] == {
        "ticketReply": True,
        "ticketSolved": True,
        "ticketAssigned": True,
        "customerReply": True,
    }


async def test_update_notification_preferences_changes_only_the_given_kinds(
    db: Database, agent: ApiClient
) -> None:
    # given: another preference stored by some other feature
    assert agent.user is not None
    async with db.transaction() as session:
        user = await session.get(User, agent.user.id)
        assert user is not None
        user.preferences = {"theme": "dark", "notify": {"ticket_reply": False}}

    # when
    payload = await mutate(agent, UPDATE_PREFERENCES, {"customerReply": False})

    # then
    expected = {
        "ticketReply": False,
        "ticketSolved": True,
        "ticketAssigned": True,
        "customerReply": False,
    }
    assert payload["notificationPreferences"] == expected
    assert (await agent.data(VIEWER_PREFERENCES))["viewer"]["notificationPreferences"] == expected
    async with db.sessions() as session:
        stored = await session.get(User, agent.user.id)
    assert stored is not None
    assert stored.preferences["theme"] == "dark"
    [entry] = await audit_entries(db, "updateNotificationPreferences")
    assert entry.object_id == str(agent.user.id)
    assert entry.changes["notify"]["after"]["customer_reply"] is False


async def test_nobody_reads_another_users_notification_preferences(
    admin: ApiClient, agent: ApiClient
) -> None:
    assert agent.user is not None

    data = await admin.data(USER_PREFERENCES, {"id": gid("User", agent.user.id)})

    assert data["node"] == {"email": agent.user.email, "notificationPreferences": None}


async def test_anonymous_cannot_update_notification_preferences(
    db: Database, anonymous: ApiClient
) -> None:
    body = await anonymous.post(UPDATE_PREFERENCES, {"input": {"ticketReply": False}})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await audit_entries(db, "updateNotificationPreferences") == []
