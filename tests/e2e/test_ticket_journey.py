"""The whole life of one ticket, as a customer and an agent live it, through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiClient
from tests.resolvers.ticket_helpers import gid

CREATE_TICKET = """
mutation ($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id status } errors { field code message } }
}"""
ASSIGN_TICKET = """
mutation ($input: AssignTicketInput!) {
  assignTicket(input: $input) { ticket { status assignee { name } } errors { code } }
}"""
ADD_MESSAGE = """
mutation ($input: AddMessageInput!) {
  addMessage(input: $input) { message { id } errors { field code message } }
}"""
CHANGE_STATUS = """
mutation ($input: ChangeTicketStatusInput!) {
  changeTicketStatus(input: $input) { ticket { status } errors { field code message } }
}"""
FEEDBACK = """
mutation ($input: SubmitTicketFeedbackInput!) {
  submitTicketFeedback(input: $input) { feedback { rating comment } errors { code message } }
}"""
TICKET = """
query ($id: ID!) {
  ticket(id: $id) {
    status firstRespondedAt solvedAt closedAt
    messages(first: 20) { edges { node { bodyText visibility } } }
    feedback { rating }
  }
}"""


async def _ok(client: ApiClient, query: str, input_: dict[str, Any]) -> dict[str, Any]:
    data = await client.data(query, {"input": input_})
    payload: dict[str, Any] = next(iter(data.values()))
    assert payload["errors"] == [], payload["errors"]
    return payload


async def _status(agent: ApiClient, ticket_id: str) -> str:
    data = await agent.data(TICKET, {"id": ticket_id})
    status: str = data["ticket"]["status"]
    return status


async def test_create_assign_reply_pending_reopen_solve_rate_close(
    customer: ApiClient, agent: ApiClient
) -> None:
    assert agent.user is not None
    created = await _ok(
        customer, CREATE_TICKET, {"subject": "Printer on fire", "body": "<p>Help!</p>"}
    )
    ticket_id = created["ticket"]["id"]
    statuses = [created["ticket"]["status"]]

    await _ok(
        agent, ASSIGN_TICKET, {"ticketId": ticket_id, "assigneeId": gid("User", agent.user.id)}
    )
    await _ok(agent, ADD_MESSAGE, {"ticketId": ticket_id, "bodyHtml": "<p>On my way.</p>"})
    statuses.append(await _status(agent, ticket_id))
    await _ok(
        agent,
        ADD_MESSAGE,
        {"ticketId": ticket_id, "bodyHtml": "Asked IT", "visibility": "INTERNAL"},
    )
    await _ok(agent, CHANGE_STATUS, {"ticketId": ticket_id, "status": "PENDING"})
    statuses.append(await _status(agent, ticket_id))
    await _ok(customer, ADD_MESSAGE, {"ticketId": ticket_id, "bodyHtml": "<p>Still burning</p>"})
    statuses.append(await _status(agent, ticket_id))
    await _ok(agent, CHANGE_STATUS, {"ticketId": ticket_id, "status": "SOLVED"})
    statuses.append(await _status(agent, ticket_id))
    rated = await _ok(customer, FEEDBACK, {"ticketId": ticket_id, "rating": 5, "comment": "Fast!"})
    await _ok(agent, CHANGE_STATUS, {"ticketId": ticket_id, "status": "CLOSED"})

    final = (await agent.data(TICKET, {"id": ticket_id}))["ticket"]
    seen_by_customer = (await customer.data(TICKET, {"id": ticket_id}))["ticket"]
    assert statuses == ["NEW", "OPEN", "PENDING", "OPEN", "SOLVED"]
    assert final["status"] == "CLOSED"
    assert final["firstRespondedAt"] is not None
    assert final["solvedAt"] is not None
    assert final["closedAt"] is not None
    assert rated["feedback"] == {"rating": 5, "comment": "Fast!"}
    assert final["feedback"] == {"rating": 5}
    assert [e["node"]["visibility"] for e in final["messages"]["edges"]] == [
        "PUBLIC",
        "PUBLIC",
        "INTERNAL",
        "PUBLIC",
    ]
    assert [e["node"]["bodyText"] for e in seen_by_customer["messages"]["edges"]] == [
        "Help!",
        "On my way.",
        "Still burning",
    ]
