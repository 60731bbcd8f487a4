"""CSAT: the ticket's customer rates a solved ticket once (1 to 5) and may change it for 7 days."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from db.base import utcnow
from db.engine import Database
from db.models import TicketFeedback
from tests.conftest import ApiClient, client_for
from tests.resolvers.message_helpers import audit_actions, count_rows, gid, make_ticket

SUBMIT = """
mutation Submit($input: SubmitTicketFeedbackInput!) {
  submitTicketFeedback(input: $input) {
    feedback { id rating comment createdAt editableUntil customerUser { email } ticket { id } }
    errors { field code message }
  }
}
"""

UPDATE = """
mutation Update($input: UpdateTicketFeedbackInput!) {
  updateTicketFeedback(input: $input) {
    feedback { id rating comment }
    errors { field code message }
  }
}
"""

TICKET_FEEDBACK = """
query TicketFeedback($id: ID!) {
  node(id: $id) { ... on Ticket { feedback { rating comment } } }
}
"""

FEEDBACK_NODE = """
query Feedback($id: ID!) { node(id: $id) { ... on TicketFeedback { rating } } }
"""


def codes(payload: dict[str, object]) -> list[tuple[object, object]]:
    errors = payload["errors"]
    assert isinstance(errors, list)
    return [(e["field"], e["code"]) for e in errors]


async def test_customer_rates_a_solved_ticket(db: Database, customer: ApiClient) -> None:
    # given
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    # when
    data = await customer.data(
        SUBMIT,
        {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 5, "comment": " Quick fix! "}},
    )

    # then
    payload = data["submitTicketFeedback"]
    assert payload["errors"] == []
    feedback = payload["feedback"]
    assert feedback["rating"] == 5
    assert feedback["comment"] == "Quick fix!"
    assert feedback["customerUser"] == {"email": customer.user.email}
    assert feedback["ticket"] == {"id": gid("Ticket", ticket.id)}
    entries = await audit_actions(db, "TicketFeedback")
    assert [e.action for e in entries] == ["submitTicketFeedback"]
    assert entries[0].changes["rating"] == {"before": None, "after": 5}


async def test_closed_ticket_can_be_rated(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="closed")

    variables = {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 3}}
    data = await customer.data(SUBMIT, variables)

    assert data["submitTicketFeedback"]["errors"] == []


async def test_rating_outside_one_to_five_is_refused(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    for rating in (0, 6, -1):
        data = await customer.data(
            SUBMIT, {"input": {"ticketId": gid("Ticket", ticket.id), "rating": rating}}
        )
        assert codes(data["submitTicketFeedback"]) == [("rating", "INVALID")]
    assert await count_rows(db, TicketFeedback) == 0


async def test_comment_over_2000_characters_is_too_long(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    data = await customer.data(
        SUBMIT,
        {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 4, "comment": "x" * 2001}},
    )

    assert codes(data["submitTicketFeedback"]) == [("comment", "TOO_LONG")]
    assert await count_rows(db, TicketFeedback) == 0


async def test_unsolved_ticket_cannot_be_rated(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    for status in ("new", "open", "pending", "on_hold"):
        ticket = await make_ticket(db, customer.user, status=status)
        data = await customer.data(
            SUBMIT, {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 5}}
        )
        assert codes(data["submitTicketFeedback"]) == [("ticketId", "INVALID_STATE")]
    assert await count_rows(db, TicketFeedback) == 0


async def test_a_ticket_is_rated_only_once(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")
    variables = {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 5}}
    await customer.data(SUBMIT, variables)

    data = await customer.data(SUBMIT, {"input": {**variables["input"], "rating": 1}})

    assert codes(data["submitTicketFeedback"]) == [("ticketId", "UNIQUE")]
    assert await count_rows(db, TicketFeedback) == 1


async def test_customer_cannot_rate_someone_elses_ticket(
    db: Database, http: httpx.AsyncClient, customer: ApiClient
) -> None:
    other = await client_for(http, db, "customer", name="Olga Other")
    assert other.user is not None
    ticket = await make_ticket(db, other.user, status="solved")

    variables = {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 1}}
    data = await customer.data(SUBMIT, variables)

    assert codes(data["submitTicketFeedback"]) == [("ticketId", "NOT_FOUND")]
    assert await count_rows(db, TicketFeedback) == 0


async def test_staff_cannot_rate_a_ticket(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")

    variables = {"input": {"ticketId": gid("Ticket", ticket.id), "rating": 5}}
    body = await agent.post(SUBMIT, variables)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count_rows(db, TicketFeedback) == 0


async def _rated(db: Database, customer: ApiClient, rating: int = 2) -> tuple[str, str]:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="solved")
    data = await customer.data(
        SUBMIT, {"input": {"ticketId": gid("Ticket", ticket.id), "rating": rating}}
    )
    return gid("Ticket", ticket.id), data["submitTicketFeedback"]["feedback"]["id"]


async def _age_feedback(db: Database, days: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(TicketFeedback).values(created_at=utcnow() - timedelta(days=days))
        )


async def test_customer_changes_the_rating_within_seven_days(
    db: Database, customer: ApiClient
) -> None:
    _, feedback_id = await _rated(db, customer, rating=2)
    await _age_feedback(db, 6)

    data = await customer.data(
        UPDATE, {"input": {"feedbackId": feedback_id, "rating": 4, "comment": "Better now"}}
    )

    assert data["updateTicketFeedback"]["errors"] == []
    assert data["updateTicketFeedback"]["feedback"] == {
        "id": feedback_id,
        "rating": 4,
        "comment": "Better now",
    }
    entries = await audit_actions(db, "TicketFeedback")
    assert [e.action for e in entries] == ["submitTicketFeedback", "updateTicketFeedback"]
    assert entries[1].changes["rating"] == {"before": 2, "after": 4}


async def test_rating_cannot_change_on_the_eighth_day(db: Database, customer: ApiClient) -> None:
    _, feedback_id = await _rated(db, customer, rating=2)
    await _age_feedback(db, 8)

    data = await customer.data(UPDATE, {"input": {"feedbackId": feedback_id, "rating": 5}})

    assert codes(data["updateTicketFeedback"]) == [("feedbackId", "INVALID_STATE")]
    async with db.sessions() as session:
        row = (await session.execute(select(TicketFeedback))).scalar_one()
    assert row.rating == 2


async def test_update_checks_the_rating_range(db: Database, customer: ApiClient) -> None:
    _, feedback_id = await _rated(db, customer)

    data = await customer.data(UPDATE, {"input": {"feedbackId": feedback_id, "rating": 9}})

    assert codes(data["updateTicketFeedback"]) == [("rating", "INVALID")]


async def test_another_customer_cannot_change_my_rating(
    db: Database, http: httpx.AsyncClient, customer: ApiClient
) -> None:
    _, feedback_id = await _rated(db, customer)
    other = await client_for(http, db, "customer", name="Olga Other")

    data = await other.data(UPDATE, {"input": {"feedbackId": feedback_id, "rating": 1}})

    assert codes(data["updateTicketFeedback"]) == [("feedbackId", "NOT_FOUND")]


async def test_ticket_feedback_is_visible_to_its_customer_and_staff_only(
    db: Database, http: httpx.AsyncClient, customer: ApiClient, agent: ApiClient
) -> None:
    ticket_id, feedback_id = await _rated(db, customer, rating=4)
    other = await client_for(http, db, "customer", name="Olga Other")

    mine = await customer.data(TICKET_FEEDBACK, {"id": ticket_id})
    staff = await agent.data(TICKET_FEEDBACK, {"id": ticket_id})
    stranger = await other.data(FEEDBACK_NODE, {"id": feedback_id})

    assert mine["node"]["feedback"] == {"rating": 4, "comment": ""}
    assert staff["node"]["feedback"] == {"rating": 4, "comment": ""}
    assert stranger["node"] is None
    assert (await agent.data(FEEDBACK_NODE, {"id": feedback_id}))["node"] == {"rating": 4}
