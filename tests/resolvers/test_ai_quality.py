"""AI draft quality: the aiQuality report over stored suggestions, and compareDrafts running
one ticket through two providers — the offline responder and an OpenAI-compatible server
(a loopback speaking the real protocol, configured as the `local` provider)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from ai.drafts import (
    DraftAction,
    DraftInput,
    DraftOutput,
    DraftResult,
    ThreadMessage,
    ValidationReport,
)
from ai.embeddings import active_embedder
from ai.retrieval import index_article_version
from app import Runtime
from db.engine import Database
from db.models import AiSuggestion, AuditEntry, Job, Ticket
from resolvers.ai_quality import QualityGroupBy, quality_statement
from resolvers.ai_suggestions.store import save_draft
from settings import Settings
from tests.ai.loopback import LoopbackLLM
from tests.ai.retrieval.helpers import publish_article
from tests.conftest import ApiClient
from tests.resolvers.message_helpers import gid, make_message, make_ticket

AI_QUALITY = """
query ($range: ReportRange!, $groupBy: AiQualityGroupBy!) {
  aiQuality(range: $range, groupBy: $groupBy) {
    key drafts validShare meanGroundedness meanCitationCoverage meanConfidence meanLength
    decided acceptanceRate rejectionRate thumbsUp thumbsDown meanEditDistance escalateShare
  }
}
"""

COMPARE_DRAFTS = """
mutation ($input: CompareDraftsInput!) {
  compareDrafts(input: $input) {
    groupId
    job { id kind status }
    errors { field code message }
  }
}
"""

DRAFT_COMPARISON = """
query ($groupId: ID!) {
  draftComparison(groupId: $groupId) {
    groupId ticketId
    drafts {
      suggestionId provider model status action text valid validationReasons
      groundedness citationCoverage confidence citations score best
      suggestion { id status provider }
    }
    best { provider }
  }
}
"""

ARTICLE = (
    "To reset your password, open Settings and choose Reset password. "
    "We send you an e-mail with a link that is valid for one hour."
)


@pytest.fixture
def llm_server() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    # A plausible reply (in the draft JSON) that cites nothing: validation refuses it.
    server.script.text = json.dumps(
        {
            "text": "Please try turning it off and on again.",
            "citations": [],
            "confidence": 0.8,
            "action": "REPLY",
            "language": "en",
        }
    )
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, llm_server: LoopbackLLM) -> Settings:
    settings.ai_providers = ["offline", "local"]
    settings.ai_local_base_url = llm_server.openai_base_url
    return settings


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Closed after the test: its gateway holds connections to the loopback server."""
    yield runtime
    if runtime.jobs is not None:
        await runtime.jobs.stop()
    if runtime.ai is not None:
        await runtime.ai.close()


def _range(days: int = 1) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(days=days)).isoformat(),
        "to": (now + timedelta(days=days)).isoformat(),
    }


async def _password_ticket(db: Database, customer: ApiClient) -> Ticket:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, subject="Password", status="open")
    await make_message(db, ticket, customer.user, "How do I reset my password? I forgot it.")
    return ticket


# -- compareDrafts ----------------------------------------------------------------------------


async def test_compare_drafts_stores_a_scored_draft_per_provider_and_marks_the_best(
    agent: ApiClient,
    customer: ApiClient,
    db: Database,
    runtime: Runtime,
    settings: Settings,
    llm_server: LoopbackLLM,
) -> None:
    # given a published article that answers the customer's question
    _, version_id = await publish_article(db, title="Reset your password", markdown=ARTICLE)
    await index_article_version(db, version_id, active_embedder(settings))
    ticket = await _password_ticket(db, customer)

    # when an agent compares the offline responder with the local model
    payload = (
        await agent.data(
            COMPARE_DRAFTS,
            {"input": {"ticketId": gid("Ticket", ticket.id), "providers": ["offline", "local"]}},
        )
    )["compareDrafts"]
    assert payload["errors"] == []
    assert payload["job"]["kind"] == "ai.compare_drafts"
    assert runtime.jobs is not None
    await runtime.jobs.drain()

    # then each provider drafted once, in one group, and the cited one is the best
    found = (await agent.data(DRAFT_COMPARISON, {"groupId": payload["groupId"]}))["draftComparison"]
    assert found["ticketId"] == gid("Ticket", ticket.id)
    offline, local = found["drafts"]
    assert (offline["provider"], local["provider"]) == ("offline", "local")
    assert offline["valid"] is True
    assert offline["status"] == "ready"
    assert "Settings" in offline["text"]
    assert offline["citations"] == 1
    assert offline["score"] >= 0.5
    assert local["valid"] is False
    assert local["status"] == "invalid"
    assert local["text"] == json.loads(llm_server.script.text)["text"]
    assert local["score"] < 0.5
    assert (offline["best"], local["best"]) == (True, False)
    # each entry links to its stored suggestion, to accept or edit as usual
    assert offline["suggestion"] == {
        "id": offline["suggestionId"],
        "status": "READY",
        "provider": "offline",
    }
    assert local["suggestion"]["status"] == "INVALID"
    assert found["best"] == {"provider": "offline"}
    assert llm_server.count("/v1/chat/completions") == 1
    async with db.sessions() as session:
        job = (await session.execute(select(Job))).scalar_one()
        stored = (await session.execute(select(func.count()).select_from(AiSuggestion))).scalar()
    assert job.status == "succeeded"
    assert job.result_ref == f"compare_group:{payload['groupId']}"
    assert stored == 2


async def test_a_provider_that_fails_is_shown_as_an_invalid_draft_saying_why(
    agent: ApiClient, customer: ApiClient, db: Database, runtime: Runtime, llm_server: LoopbackLLM
) -> None:
    llm_server.script.status = 500
    ticket = await _password_ticket(db, customer)

    payload = (
        await agent.data(
            COMPARE_DRAFTS,
            {"input": {"ticketId": gid("Ticket", ticket.id), "providers": ["local"]}},
        )
    )["compareDrafts"]
    assert runtime.jobs is not None
    await runtime.jobs.drain()

    found = (await agent.data(DRAFT_COMPARISON, {"groupId": payload["groupId"]}))["draftComparison"]
    (draft,) = found["drafts"]
    assert draft["provider"] == "local"
    assert draft["valid"] is False
    assert draft["validationReasons"][0].startswith("the provider gave no draft")
    assert draft["best"] is False
    assert found["best"] is None


async def test_unknown_provider_is_refused_and_nothing_is_queued(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    ticket = await _password_ticket(db, customer)

    payload = (
        await agent.data(
            COMPARE_DRAFTS,
            {"input": {"ticketId": gid("Ticket", ticket.id), "providers": ["offline", "gpt-9"]}},
        )
    )["compareDrafts"]

    assert payload["groupId"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("providers", "UNKNOWN_PROVIDER")
    ]
    assert "gpt-9" in payload["errors"][0]["message"]
    async with db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Job))).scalar() == 0
        assert (await session.execute(select(func.count()).select_from(AuditEntry))).scalar() == 0


async def test_customer_cannot_compare_drafts(customer: ApiClient, db: Database) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    body = await customer.post(
        COMPARE_DRAFTS,
        {"input": {"ticketId": gid("Ticket", ticket.id), "providers": ["offline"]}},
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Job))).scalar() == 0


async def test_comparison_not_yet_drafted_reads_as_null(agent: ApiClient) -> None:
    found = await agent.data(DRAFT_COMPARISON, {"groupId": str(uuid.uuid4())})
    assert found["draftComparison"] is None


# -- aiQuality --------------------------------------------------------------------------------


def _result(provider: str, *, valid: bool, text: str, prompt: str = "p1") -> DraftResult:
    return DraftResult(
        output=DraftOutput(
            text=text,
            citations=("c1",) if valid else (),
            confidence=0.75 if valid else 0.0,
            action=DraftAction.REPLY if valid else DraftAction.ESCALATE,
            language="en",
        ),
        validation=ValidationReport(
            passed=valid,
            reasons=() if valid else ("no source answers the question",),
            groundedness=1.0 if valid else 0.0,
            citation_coverage=0.5 if valid else 0.0,
        ),
        sources=(),
        question="How do I reset my password?",
        provider=provider,
        model="m",
        prompt_version=prompt,
        pipeline_version="draft-v1",
    )


async def _suggestions(db: Database, ticket: Ticket) -> None:
    """offline: accepted (edited 10 chars, thumbs up), rejected (thumbs down), still ready;
    local: one invalid draft that escalates."""
    draft = DraftInput(
        ticket_id=ticket.id, subject="Password", thread=(ThreadMessage("Help", True),)
    )
    async with db.transaction() as session:
        outcomes: list[tuple[str, int | None, int | None]] = [
            ("accepted", 1, 10),
            ("rejected", -1, None),
            ("ready", None, None),
        ]
        for status, rating, distance in outcomes:
            row = await save_draft(session, draft, _result("offline", valid=True, text="x" * 100))
            row.status, row.rating, row.edit_distance = status, rating, distance
        await save_draft(session, draft, _result("local", valid=False, text="", prompt="p2"))


async def test_ai_quality_by_provider_reports_validity_outcomes_and_feedback(
    agent: ApiClient, customer: ApiClient, db: Database, count_statements: Any
) -> None:
    assert customer.user is not None
    await _suggestions(db, await make_ticket(db, customer.user))

    with count_statements() as counter:
        rows = (await agent.data(AI_QUALITY, {"range": _range(), "groupBy": "PROVIDER"}))[
            "aiQuality"
        ]

    assert len([s for s in counter.statements if "ai_suggestions" in s]) == 1
    local, offline = rows
    assert offline == {
        "key": "offline",
        "drafts": 3,
        "validShare": 1.0,
        "meanGroundedness": 1.0,
        "meanCitationCoverage": 0.5,
        "meanConfidence": 0.75,
        "meanLength": 100.0,
        "decided": 2,
        "acceptanceRate": 0.5,
        "rejectionRate": 0.5,
        "thumbsUp": 1,
        "thumbsDown": 1,
        "meanEditDistance": 10.0,
        "escalateShare": 0.0,
    }
    assert local["key"] == "local"
    assert (local["drafts"], local["validShare"], local["escalateShare"]) == (1, 0.0, 1.0)
    assert (local["decided"], local["acceptanceRate"], local["meanEditDistance"]) == (0, None, None)


async def test_ai_quality_groups_by_prompt_version_and_utc_day(
    reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    await _suggestions(db, await make_ticket(db, customer.user))

    prompts = (await reviewer.data(AI_QUALITY, {"range": _range(), "groupBy": "PROMPT_VERSION"}))[
        "aiQuality"
    ]
    days = (await reviewer.data(AI_QUALITY, {"range": _range(), "groupBy": "DAY"}))["aiQuality"]

    assert [(r["key"], r["drafts"]) for r in prompts] == [("p1", 3), ("p2", 1)]
    assert [(r["key"], r["drafts"]) for r in days] == [(datetime.now(UTC).date().isoformat(), 4)]


async def test_ai_quality_leaves_out_drafts_outside_the_range(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    await _suggestions(db, await make_ticket(db, customer.user))
    later = datetime.now(UTC) + timedelta(days=2)
    window = {"from": later.isoformat(), "to": (later + timedelta(days=1)).isoformat()}

    rows = (await agent.data(AI_QUALITY, {"range": window, "groupBy": "PROVIDER"}))["aiQuality"]

    assert rows == []


async def test_ai_quality_reads_the_created_at_index(db: Database) -> None:
    now = datetime.now(UTC)
    statement = quality_statement(now - timedelta(days=7), now, QualityGroupBy.PROVIDER)
    compiled = statement.compile(db.engine.sync_engine, compile_kwargs={"literal_binds": True})
    async with db.transaction() as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in await session.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_ai_suggestions_created_at" in plan


async def test_customer_cannot_read_ai_quality(customer: ApiClient) -> None:
    body = await customer.post(AI_QUALITY, {"range": _range(), "groupBy": "PROVIDER"})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_ai_quality_refuses_a_range_that_ends_before_it_starts(agent: ApiClient) -> None:
    now = datetime.now(UTC)
    backwards = {"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()}
    body = await agent.post(AI_QUALITY, {"range": backwards, "groupBy": "DAY"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
