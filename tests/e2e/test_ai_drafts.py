"""AI reply drafts end to end over a served app: a customer opens a ticket, an agent asks
for a draft and hears it arrive (and stream in) on real WebSocket subscriptions, edits and
accepts it while a colleague watches the changes live, and the customer gets the reply.
Offline (the extractive responder) and through the OpenAI SDK against a loopback server
speaking OpenAI's wire protocol; and once with the auto-reply policy on."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from app import Runtime
from settings import Settings
from tests.ai.loopback import LoopbackLLM
from tests.conftest import ApiClient, client_for
from tests.realtime_harness import GraphQLWebSocket, eventually, graphql, live_server
from tests.resolvers.ai_suggestion_helpers import QUESTION, publish_help_article
from tests.resolvers.ticket_helpers import make_team

CREATE_TICKET = """
mutation ($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id } errors { field code message } }
}"""
REQUEST_DRAFT = """
mutation ($input: RequestReplyDraftInput!) {
  requestReplyDraft(input: $input) { job { id kind } errors { field code message } }
}"""
EDIT = """
mutation ($input: EditAiSuggestionInput!) {
  editAiSuggestion(input: $input) { suggestion { id currentVersion } errors { code } }
}"""
ACCEPT = """
mutation ($input: AcceptAiSuggestionInput!) {
  acceptAiSuggestion(input: $input) { message { id } errors { code } }
}"""
SET_POLICY = """
mutation ($input: SetAutoReplyPolicyInput!) {
  setAutoReplyPolicy(input: $input) { policy { enabled } errors { field code } }
}"""
READY = """
subscription ($ticketId: ID!) {
  aiSuggestionReady(ticketId: $ticketId) {
    change suggestion { id status text currentVersion provider
      validation { passed } sources { cited article { title } } }
  }
}"""
CHANGED = """
subscription ($ticketId: ID!) {
  aiSuggestionChanged(ticketId: $ticketId) {
    change suggestion { id status currentVersion text }
  }
}"""
TOKENS = """
subscription ($ticketId: ID!) {
  aiSuggestionTokens(ticketId: $ticketId) { jobId sequence delta }
}"""
TICKET_MESSAGES = """
subscription ($ticketId: ID!) {
  ticketMessages(ticketId: $ticketId) { kind message { id bodyText authorKind visibility } }
}"""
TRIAGED = """
query ($id: ID!) { ticket(id: $id) { priority team { name } triage { source priority } } }"""
MESSAGES = """
query ($id: ID!) {
  ticket(id: $id) { status messages { edges { node { bodyText authorKind } } } }
}"""
# What an LLM returns for a draft: the structured answer as JSON (ai/drafts/structured.py).
LOOPBACK_ANSWER = json.dumps(
    {
        "text": "To reset your password, open Settings, choose Security and click Reset "
        "password [1].",
        "citations": [1],
        "confidence": 0.9,
        "action": "REPLY",
        "language": "en",
    }
)


@pytest.fixture(params=["offline", "openai-loopback"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def llm_server() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    server.script.text = LOOPBACK_ANSWER
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, provider: str, request: pytest.FixtureRequest) -> Settings:
    if provider == "openai-loopback":
        server: LoopbackLLM = request.getfixturevalue("llm_server")
        settings.ai_providers = ["openai"]
        settings.openai_base_url = server.openai_base_url
        settings.openai_api_key = SecretStr("sk-test-not-a-real-key")
    return settings


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def _mutate(base: str, who: ApiClient, query: str, variables: dict[str, Any]) -> Any:
    data = await graphql(base, who.token, query, variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload["errors"]
    return payload


async def _open_ticket(base: str, customer: ApiClient) -> str:
    payload = await _mutate(
        base, customer, CREATE_TICKET, {"input": {"subject": "Password reset", "body": QUESTION}}
    )
    ticket_id: str = payload["ticket"]["id"]
    return ticket_id


async def test_agent_drafts_edits_and_accepts_and_the_customer_gets_the_reply(
    server: str,
    runtime: Runtime,
    http: Any,
    db: Any,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    provider: str,
) -> None:
    colleague = await client_for(http, db, "agent", name="Cleo Colleague")
    await publish_help_article(agent, reviewer, runtime)
    await make_team(db, "Accounts")
    runtime.settings.ai_triage_on_create = True
    ticket = await _open_ticket(server, customer)
    # triage runs on the new ticket first (offline classifier; an LLM answer that is not a
    # valid triage falls back to it)
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    triaged = (await graphql(server, agent.token, TRIAGED, {"id": ticket}))["ticket"]

    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, colleague.token) as colleague_ws,
        GraphQLWebSocket.open(server, customer.token) as customer_ws,
    ):
        ready = await agent_ws.subscribe(READY, {"ticketId": ticket})
        tokens = await agent_ws.subscribe(TOKENS, {"ticketId": ticket})
        changed = await colleague_ws.subscribe(CHANGED, {"ticketId": ticket})
        conversation = await customer_ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        await eventually(lambda: runtime.publisher.stats().subscribers >= 4, "subscribing")

        requested = await _mutate(server, agent, REQUEST_DRAFT, {"input": {"ticketId": ticket}})
        arrived = (await agent_ws.next(ready))["aiSuggestionReady"]
        first_piece = (await agent_ws.next(tokens))["aiSuggestionTokens"]
        suggestion = arrived["suggestion"]

        edited_text = "Hi Casey,\n\n" + suggestion["text"]
        edit = await _mutate(
            server,
            agent,
            EDIT,
            {"input": {"suggestionId": suggestion["id"], "baseVersion": 1, "text": edited_text}},
        )
        heard_edit = (await colleague_ws.next(changed))["aiSuggestionChanged"]
        await _mutate(
            server, agent, ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 2}}
        )
        heard_accept = (await colleague_ws.next(changed))["aiSuggestionChanged"]
        reply = (await customer_ws.next(conversation))["ticketMessages"]

    assert triaged["team"] == {"name": "Accounts"}, triaged
    assert triaged["triage"]["source"] == "OFFLINE"
    assert triaged["priority"] == triaged["triage"]["priority"]
    assert requested["job"]["kind"] == "ai.draft_reply"
    assert arrived["change"] == "READY"
    assert suggestion["status"] == "READY"
    assert suggestion["validation"] == {"passed": True}
    assert suggestion["provider"] == ("offline" if provider == "offline" else "openai")
    assert any(
        s["cited"] and s["article"]["title"] == "Reset your password" for s in suggestion["sources"]
    )
    assert "Settings" in suggestion["text"]
    assert first_piece["jobId"] == requested["job"]["id"]
    assert first_piece["sequence"] == 1
    assert first_piece["delta"]
    assert edit["suggestion"]["currentVersion"] == 2
    assert (heard_edit["change"], heard_edit["suggestion"]["currentVersion"]) == ("EDITED", 2)
    assert (heard_accept["change"], heard_accept["suggestion"]["status"]) == (
        "ACCEPTED",
        "ACCEPTED",
    )
    assert reply["kind"] == "CREATED"
    assert reply["message"]["authorKind"] == "AI"
    assert reply["message"]["visibility"] == "PUBLIC"
    assert reply["message"]["bodyText"].startswith("Hi Casey,")
    seen = (await graphql(server, customer.token, MESSAGES, {"id": ticket}))["ticket"]
    assert [e["node"]["authorKind"] for e in seen["messages"]["edges"]] == ["CUSTOMER", "AI"]
    assert seen["status"] == "OPEN"


@pytest.mark.parametrize("provider", ["offline"], indirect=True)
async def test_with_auto_reply_on_the_customer_gets_the_draft_without_a_human(
    server: str,
    runtime: Runtime,
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    await _mutate(
        server,
        admin,
        SET_POLICY,
        {"input": {"enabled": True, "minConfidence": 0.05, "minGroundedness": 0.5}},
    )
    ticket = await _open_ticket(server, customer)

    async with (
        GraphQLWebSocket.open(server, agent.token) as agent_ws,
        GraphQLWebSocket.open(server, customer.token) as customer_ws,
    ):
        ready = await agent_ws.subscribe(READY, {"ticketId": ticket})
        conversation = await customer_ws.subscribe(TICKET_MESSAGES, {"ticketId": ticket})
        await eventually(lambda: runtime.publisher.stats().subscribers >= 2, "subscribing")

        await _mutate(server, agent, REQUEST_DRAFT, {"input": {"ticketId": ticket}})
        reply = (await customer_ws.next(conversation))["ticketMessages"]
        arrived = (await agent_ws.next(ready))["aiSuggestionReady"]

    assert arrived["change"] == "AUTO_SENT"
    assert arrived["suggestion"]["status"] == "AUTO_SENT"
    assert reply["message"]["authorKind"] == "AI"
    assert reply["message"]["bodyText"].strip() == arrived["suggestion"]["text"].strip()
    seen = (await graphql(server, customer.token, MESSAGES, {"id": ticket}))["ticket"]
    assert [e["node"]["authorKind"] for e in seen["messages"]["edges"]] == ["CUSTOMER", "AI"]


@pytest.mark.parametrize("provider", ["offline"], indirect=True)
async def test_customer_cannot_subscribe_to_drafts(server: str, customer: ApiClient) -> None:
    ticket = await _open_ticket(server, customer)

    async with GraphQLWebSocket.open(server, customer.token) as ws:
        refused = await ws.frame(await ws.subscribe(READY, {"ticketId": ticket}))
        tokens = await ws.frame(await ws.subscribe(TOKENS, {"ticketId": ticket}))

    for frame in (refused, tokens):
        errors = frame["payload"] if frame["type"] == "error" else frame["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
