"""AI reply drafts through GraphQL: an agent requests a draft (the `ai.draft_reply` job runs
on the offline provider over a real KB article), reads it, edits, accepts, rejects and rates
it; customers never see one; the AI quota is checked before any job is written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry import relay

from ai.drafts import (
    CURRENT_PIPELINE,
    DraftAction,
    DraftInput,
    DraftOutput,
    DraftResult,
    ValidationReport,
)
from app import Runtime
from db.engine import Database
from db.models import AiSuggestion, AuditEntry, TicketMessage
from resolvers.ai_suggestions.store import save_draft
from tests.conftest import ApiClient
from tests.resolvers.ai_suggestion_helpers import (
    ACCEPT,
    EDIT,
    RATE,
    REJECT,
    SUGGESTION,
    TICKET_MESSAGES,
    TICKET_SUGGESTIONS,
    drafted,
    open_ticket,
    publish_help_article,
    request_draft,
)


@pytest.fixture
async def ticket(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, runtime: Runtime
) -> str:
    await publish_help_article(agent, reviewer, runtime)
    return await open_ticket(customer)


async def _draft(agent: ApiClient, runtime: Runtime, ticket: str) -> dict[str, Any]:
    payload = await request_draft(agent, ticket)
    assert payload["errors"] == []
    (suggestion,) = await drafted(agent, runtime, ticket)
    return suggestion


async def _count(db: Database, model: Any) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_agent_gets_a_cited_draft_of_the_kb_article(
    agent: ApiClient, runtime: Runtime, ticket: str
) -> None:
    payload = await request_draft(agent, ticket)

    assert payload["errors"] == []
    assert payload["job"]["kind"] == "ai.draft_reply"
    (suggestion,) = await drafted(agent, runtime, ticket)
    assert suggestion["status"] == "READY"
    assert suggestion["action"] == "REPLY"
    assert suggestion["validation"] == {"passed": True, "reasons": []}
    assert "Settings" in suggestion["text"]
    assert suggestion["versions"][0]["number"] == 1
    assert suggestion["versions"][0]["author"] is None
    cited = [s for s in suggestion["sources"] if s["cited"]]
    assert cited
    assert cited[0]["article"]["title"] == "Reset your password"
    assert suggestion["provider"] == "offline"
    assert suggestion["pipelineVersion"] == "draft-v1"
    assert suggestion["rating"] is None


async def test_a_newer_draft_supersedes_the_ready_one(
    agent: ApiClient, runtime: Runtime, ticket: str
) -> None:
    await _draft(agent, runtime, ticket)
    await request_draft(agent, ticket)

    newest, older = await drafted(agent, runtime, ticket)

    assert (newest["status"], older["status"]) == ("READY", "SUPERSEDED")


async def test_edit_makes_a_version_with_a_diff_and_accept_sends_it(
    agent: ApiClient, customer: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    suggestion = await _draft(agent, runtime, ticket)
    edited_text = "Hello!\n\n" + suggestion["text"]

    edited = (
        await agent.data(
            EDIT,
            {"input": {"suggestionId": suggestion["id"], "baseVersion": 1, "text": edited_text}},
        )
    )["editAiSuggestion"]
    accepted = (
        await agent.data(ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 2}})
    )["acceptAiSuggestion"]

    assert edited["errors"] == []
    assert edited["suggestion"]["currentVersion"] == 2
    assert edited["suggestion"]["text"] == edited_text
    version_2 = edited["suggestion"]["versions"][1]
    assert version_2["author"] == {"name": "Alan Agent"}
    assert "+Hello!" in version_2["diff"]
    assert accepted["errors"] == []
    assert accepted["suggestion"]["status"] == "ACCEPTED"
    assert accepted["suggestion"]["editDistance"] == len("Hello!\n\n")
    assert accepted["message"]["authorKind"] == "AI"
    assert accepted["message"]["approvedBy"] == {"name": "Alan Agent"}
    # The customer sees the reply like any other, and the ticket counts as answered.
    seen = (await customer.data(TICKET_MESSAGES, {"id": ticket}))["ticket"]
    bodies = [edge["node"]["bodyText"] for edge in seen["messages"]["edges"]]
    assert edited_text.replace("\n\n", "\n") in bodies or any("Hello!" in b for b in bodies)
    assert seen["status"] == "OPEN"
    assert seen["firstRespondedAt"] is not None
    async with db.sessions() as session:
        actions = set((await session.execute(select(AuditEntry.action))).scalars().all())
    assert {"requestReplyDraft", "editAiSuggestion", "acceptAiSuggestion"} <= actions


async def test_stale_edit_is_refused(agent: ApiClient, runtime: Runtime, ticket: str) -> None:
    suggestion = await _draft(agent, runtime, ticket)
    first = {"suggestionId": suggestion["id"], "baseVersion": 1, "text": "First edit."}
    await agent.data(EDIT, {"input": first})

    stale = (
        await agent.data(EDIT, {"input": {**first, "text": "Someone else's edit of version 1."}})
    )["editAiSuggestion"]

    assert stale["suggestion"] is None
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [("baseVersion", "STALE")]
    now = (await agent.data(SUGGESTION, {"id": suggestion["id"]}))["aiSuggestion"]
    assert now["currentVersion"] == 2
    assert now["text"] == "First edit."


async def test_stale_accept_is_refused_and_sends_nothing(
    agent: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    suggestion = await _draft(agent, runtime, ticket)
    await agent.data(
        EDIT, {"input": {"suggestionId": suggestion["id"], "baseVersion": 1, "text": "Edited."}}
    )
    messages_before = await _count(db, TicketMessage)

    refused = (
        await agent.data(ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 1}})
    )["acceptAiSuggestion"]

    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("version", "STALE")]
    assert await _count(db, TicketMessage) == messages_before


async def test_an_unanswerable_question_gets_an_escalation_not_a_reply(
    agent: ApiClient, customer: ApiClient, runtime: Runtime
) -> None:
    # Nothing in the KB answers this: the offline draft says so and recommends a human.
    other = await open_ticket(customer, "My parrot swallowed the router antenna, what now?")
    await request_draft(agent, other)
    (suggestion,) = await drafted(agent, runtime, other)

    assert suggestion["action"] == "ESCALATE"
    assert suggestion["citations"] == []


async def test_invalid_suggestion_can_never_be_accepted(
    agent: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    # A draft that failed validation (here: it cites a source nobody retrieved) is stored
    async with db.transaction() as session:
        draft = DraftInput(
            ticket_id=uuid.UUID(relay.from_base64(ticket)[1]), subject="Password reset", thread=()
        )
        saved = await save_draft(
            session,
            draft,
            DraftResult(
                output=DraftOutput("Reboot it.", ("#7",), 0.9, DraftAction.REPLY, "en"),
                validation=ValidationReport(False, ("cites unknown source #7",), 0.0, 1.0),
                sources=(),
                question="Password reset",
                provider="offline",
                model="extractive",
                prompt_version="test",
                pipeline_version=CURRENT_PIPELINE,
            ),
        )
    suggestion_id = relay.to_base64("AiSuggestion", saved.id)
    (suggestion,) = await drafted(agent, runtime, ticket)
    messages_before = await _count(db, TicketMessage)

    refused = (await agent.data(ACCEPT, {"input": {"suggestionId": suggestion_id, "version": 1}}))[
        "acceptAiSuggestion"
    ]

    assert suggestion["status"] == "INVALID"
    assert suggestion["validation"]["passed"] is False
    assert suggestion["validation"]["reasons"] == ["cites unknown source #7"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("suggestionId", "INVALID_SUGGESTION")
    ]
    assert await _count(db, TicketMessage) == messages_before


async def test_reject_records_the_reason_and_closes_the_suggestion(
    agent: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    suggestion = await _draft(agent, runtime, ticket)

    rejected = (
        await agent.data(
            REJECT, {"input": {"suggestionId": suggestion["id"], "reason": "Wrong product."}}
        )
    )["rejectAiSuggestion"]
    again = (await agent.data(ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 1}}))[
        "acceptAiSuggestion"
    ]

    assert rejected["errors"] == []
    assert rejected["suggestion"]["status"] == "REJECTED"
    assert [e["code"] for e in again["errors"]] == ["INVALID_STATE"]
    async with db.sessions() as session:
        row = (await session.execute(select(AiSuggestion))).scalar_one()
    assert row.reject_reason == "Wrong product."
    assert row.decided_by_id is not None


async def test_rating_is_a_thumb_any_staff_member_may_give(
    agent: ApiClient, reviewer: ApiClient, runtime: Runtime, ticket: str
) -> None:
    suggestion = await _draft(agent, runtime, ticket)

    up = (await agent.data(RATE, {"input": {"suggestionId": suggestion["id"], "thumb": "UP"}}))[
        "rateAiSuggestion"
    ]
    down = (
        await reviewer.data(RATE, {"input": {"suggestionId": suggestion["id"], "thumb": "DOWN"}})
    )["rateAiSuggestion"]

    assert up["errors"] == []
    assert up["suggestion"]["rating"] == "UP"
    assert down["errors"] == []
    assert down["suggestion"]["rating"] == "DOWN"


async def test_customer_cannot_read_or_touch_suggestions(
    agent: ApiClient, customer: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    suggestion = await _draft(agent, runtime, ticket)

    listed = await customer.post(TICKET_SUGGESTIONS, {"id": ticket})
    single = await customer.post(SUGGESTION, {"id": suggestion["id"]})
    node = await customer.post(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": suggestion["id"]}
    )
    accept = await customer.post(
        ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 1}}
    )
    drafting = await customer.post(
        "mutation ($t: ID!) { requestReplyDraft(input: {ticketId: $t}) { job { id } } }",
        {"t": ticket},
    )

    assert [e["extensions"]["code"] for e in listed["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in single["errors"]] == ["FORBIDDEN"]
    assert node["data"]["node"] is None
    assert [e["extensions"]["code"] for e in accept["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in drafting["errors"]] == ["FORBIDDEN"]
    async with db.sessions() as session:
        row = (await session.execute(select(AiSuggestion))).scalar_one()
    assert row.status == "ready"


async def test_suggestions_of_a_page_of_tickets_take_a_bounded_number_of_statements(
    agent: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
    ticket: str,
    count_statements: Any,
) -> None:
    query = """
    query { tickets(first: 10) { edges { node { id aiSuggestions { totalCount edges { node {
      id text status versions { number } sources { article { id } } requestedBy { name }
    } } } } } } }
    """
    await request_draft(agent, ticket)
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    with count_statements() as one_ticket:
        await agent.data(query)
    for other in [await open_ticket(customer) for _ in range(3)]:
        await request_draft(agent, other)
    await runtime.jobs.drain()

    with count_statements() as four_tickets:
        data = await agent.data(query)

    edges = data["tickets"]["edges"]
    assert len(edges) == 4
    assert all(e["node"]["aiSuggestions"]["totalCount"] == 1 for e in edges)
    assert four_tickets.count == one_ticket.count  # no statement per ticket or suggestion


async def test_unknown_provider_is_refused_and_no_job_written(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    ticket = await open_ticket(customer)

    payload = await request_draft(agent, ticket, provider="gpt-17-ultra")

    assert payload["job"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("provider", "UNKNOWN_PROVIDER")
    ]
    assert await _count(db, AiSuggestion) == 0


async def test_reviewer_reads_but_cannot_send_a_suggestion(
    agent: ApiClient, reviewer: ApiClient, runtime: Runtime, ticket: str, db: Database
) -> None:
    suggestion = await _draft(agent, runtime, ticket)

    read = await reviewer.data(SUGGESTION, {"id": suggestion["id"]})
    refused = await reviewer.post(
        ACCEPT, {"input": {"suggestionId": suggestion["id"], "version": 1}}
    )

    assert read["aiSuggestion"]["id"] == suggestion["id"]
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    async with db.sessions() as session:
        row = (await session.execute(select(AiSuggestion))).scalar_one()
    assert row.status == "ready"
