"""draftArticleFromTicket: a solved ticket's public thread becomes a draft article with the
customer's personal data masked — offline by extraction, or by an LLM (a loopback
OpenAI-compatible server) that only ever sees the masked thread."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import func, select

from app import Runtime
from db.engine import Database
from db.models import Article, AuditEntry, Ticket, User
from settings import Settings
from tests.ai.loopback import LoopbackLLM
from tests.conftest import ApiClient
from tests.resolvers.kb_helpers import ARTICLE_FIELDS, ERRORS
from tests.resolvers.message_helpers import gid, make_message, make_ticket

DRAFT_FROM_TICKET = f"""
mutation ($input: DraftArticleFromTicketInput!) {{
  draftArticleFromTicket(input: $input) {{
    article {{ {ARTICLE_FIELDS} }}
    version {{ id number state summary }}
    {ERRORS}
  }}
}}
"""

EMAIL = "jane.doe@example.com"
PHONE = "+49 30 1234567"


async def _solved_ticket(
    db: Database, customer: User, agent: User, status: str = "solved"
) -> Ticket:
    ticket = await make_ticket(db, customer, subject="Invoice PDF will not open", status=status)
    await make_message(
        db,
        ticket,
        customer,
        f"<p>The invoice PDF shows a blank page. Reach me at {EMAIL} or call {PHONE}.</p>",
    )
    await make_message(
        db, ticket, agent, "<p>Customer is on the legacy plan, VIP.</p>", visibility="internal"
    )
    await make_message(
        db,
        ticket,
        agent,
        "<p>Please update your PDF reader to the latest version.</p>"
        f"<p>Then download the invoice again. I wrote to {EMAIL} as well.</p>",
    )
    await make_message(db, ticket, customer, "<p>That worked, thanks!</p>")
    return ticket


async def _articles(db: Database) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Article))).scalar_one())


async def test_solved_ticket_becomes_a_draft_article_with_personal_data_masked(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    # given a solved ticket whose thread holds the customer's e-mail and phone
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _solved_ticket(db, customer.user, agent.user)

    # when an agent drafts an article from it (offline: extractive)
    payload = (
        await agent.data(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})
    )["draftArticleFromTicket"]

    # then a draft article with problem and solution exists, with nothing personal in it
    assert payload["errors"] == []
    article, version = payload["article"], payload["version"]
    assert (version["number"], version["state"]) == (1, "DRAFT")
    assert article["publishedVersion"] is None
    assert article["title"] == "Invoice PDF will not open"
    body = article["bodyText"]
    assert "Problem" in body
    assert "Solution" in body
    assert "The invoice PDF shows a blank page." in body
    assert "Please update your PDF reader to the latest version." in body
    assert EMAIL not in body + article["bodyHtml"]
    assert "1234567" not in body + article["bodyHtml"]
    assert "[email removed]" in body
    assert "[phone removed]" in body
    # internal notes and the customer's later thanks are not the solution
    assert "VIP" not in body
    assert "That worked" not in body
    # linked back to the ticket
    assert "from-ticket" in article["tags"]
    assert f"ticket #{ticket.number}" in version["summary"]
    async with db.sessions() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.changes))).all()
    assert {a for a, _ in actions} == {"draftArticleFromTicket"}
    assert any(c.get("source_ticket") == [None, str(ticket.id)] for _, c in actions)


async def test_open_ticket_is_refused_and_no_article_is_written(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _solved_ticket(db, customer.user, agent.user, status="open")

    payload = (
        await agent.data(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})
    )["draftArticleFromTicket"]

    assert payload["article"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("ticketId", "INVALID_STATE")]
    assert "solved or closed" in payload["errors"][0]["message"]
    assert await _articles(db) == 0


async def test_ticket_without_a_public_reply_is_refused(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="closed")
    await make_message(db, ticket, customer.user, "<p>Never mind.</p>")

    payload = (
        await agent.data(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})
    )["draftArticleFromTicket"]

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("ticketId", "INVALID_STATE")]
    assert await _articles(db) == 0


async def test_customer_cannot_draft_an_article_from_a_ticket(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _solved_ticket(db, customer.user, agent.user)

    body = await customer.post(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _articles(db) == 0


# -- with an LLM ------------------------------------------------------------------------------


@pytest.fixture
def llm_server() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if "llm_server" in request.fixturenames:
        server: LoopbackLLM = request.getfixturevalue("llm_server")
        settings.ai_providers = ["local", "offline"]
        settings.ai_local_base_url = server.openai_base_url
    return settings


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    if runtime.ai is not None:
        await runtime.ai.close()


async def test_an_llm_writes_the_article_from_the_masked_thread_only(
    agent: ApiClient, customer: ApiClient, db: Database, llm_server: LoopbackLLM
) -> None:
    # given a model that answers with an article (and makes up an e-mail address)
    llm_server.script.text = json.dumps(
        {
            "title": "Invoice PDF shows a blank page",
            "problem": "The invoice PDF opens as a blank page.",
            "solution": "Update your PDF reader.\nDownload the invoice again.\n"
            "Still stuck? Write to someone@example.org.",
        }
    )
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _solved_ticket(db, customer.user, agent.user)

    payload = (
        await agent.data(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})
    )["draftArticleFromTicket"]

    assert payload["errors"] == []
    article = payload["article"]
    assert article["title"] == "Invoice PDF shows a blank page"
    assert "<ol><li>Update your PDF reader.</li>" in article["bodyHtml"]
    assert "someone@example.org" not in article["bodyText"]
    assert payload["version"]["summary"].startswith("Drafted by AI")
    # the model saw the public thread with the personal data already masked
    (sent,) = [body for path, body in llm_server.requests if path == "/v1/chat/completions"]
    prompt = json.dumps(sent)
    assert "blank page" in prompt
    assert EMAIL not in prompt
    assert "1234567" not in prompt
    assert "VIP" not in prompt


async def test_an_unusable_llm_answer_falls_back_to_extraction(
    agent: ApiClient, customer: ApiClient, db: Database, llm_server: LoopbackLLM
) -> None:
    llm_server.script.text = "Sure! Here is an article about invoices."
    assert customer.user is not None
    assert agent.user is not None
    ticket = await _solved_ticket(db, customer.user, agent.user)

    payload = (
        await agent.data(DRAFT_FROM_TICKET, {"input": {"ticketId": gid("Ticket", ticket.id)}})
    )["draftArticleFromTicket"]

    assert payload["errors"] == []
    assert payload["article"]["title"] == "Invoice PDF will not open"
    assert payload["version"]["summary"].startswith("Drafted extractively")
    assert "Why not by AI: " in payload["version"]["summary"]
