"""Automatic drafts (AI_AUTO_DRAFT) and the auto-reply policy: off by default; when an admin
enables it and a draft passes validation above the thresholds, the job sends it to the
customer without a human and flags it for review."""

from __future__ import annotations

from typing import Any

import pytest

from app import Runtime
from settings import Settings
from tests.conftest import ApiClient
from tests.resolvers.ai_suggestion_helpers import (
    ADD_MESSAGE,
    MARK_REVIEWED,
    POLICIES,
    SET_POLICY,
    TICKET_MESSAGES,
    drafted,
    open_ticket,
    publish_help_article,
    request_draft,
)
from tests.resolvers.ticket_helpers import change_status


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.ai_auto_draft = True
    return settings


async def _policy(admin: ApiClient, **values: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await admin.data(SET_POLICY, {"input": values}))[
        "setAutoReplyPolicy"
    ]
    return payload


async def _messages(client: ApiClient, ticket: str) -> dict[str, Any]:
    data: dict[str, Any] = (await client.data(TICKET_MESSAGES, {"id": ticket}))["ticket"]
    return data


async def test_a_customer_question_is_drafted_without_being_asked(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, runtime: Runtime
) -> None:
    await publish_help_article(agent, reviewer, runtime)

    ticket = await open_ticket(customer)
    (first,) = await drafted(agent, runtime, ticket)
    added = (
        await customer.data(
            ADD_MESSAGE, {"input": {"ticketId": ticket, "bodyHtml": "<p>Any news?</p>"}}
        )
    )["addMessage"]
    newest, older = await drafted(agent, runtime, ticket)

    assert first["status"] == "READY"
    assert added["errors"] == []
    assert (newest["status"], older["status"]) == ("READY", "SUPERSEDED")
    # Nothing was sent: no policy, so no reply without a human.
    authors = [
        e["node"]["authorKind"] for e in (await _messages(agent, ticket))["messages"]["edges"]
    ]
    assert authors == ["CUSTOMER", "CUSTOMER"]


async def test_auto_reply_sends_a_grounded_draft_and_flags_it_for_review(
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    policy = await _policy(
        admin, channel="WEB", enabled=True, minConfidence=0.05, minGroundedness=0.5
    )

    ticket = await open_ticket(customer)
    (sent,) = await drafted(agent, runtime, ticket)
    seen = await _messages(customer, ticket)
    reviewed = (await agent.data(MARK_REVIEWED, {"input": {"suggestionId": sent["id"]}}))[
        "markAiSuggestionReviewed"
    ]

    assert policy["errors"] == []
    assert (sent["status"], sent["needsReview"]) == ("AUTO_SENT", True)
    (_question, reply) = [e["node"] for e in seen["messages"]["edges"]]
    assert reply["authorKind"] == "AI"
    assert reply["approvedBy"] is None
    assert reply["bodyText"].strip() == sent["text"].strip()
    assert seen["status"] == "OPEN"
    assert seen["firstRespondedAt"] is not None
    assert reviewed["errors"] == []
    assert reviewed["suggestion"]["needsReview"] is False


async def test_customer_reply_to_an_auto_reply_reopens_the_ticket(
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    await _policy(admin, enabled=True, minConfidence=0.05, minGroundedness=0.5)
    ticket = await open_ticket(customer)
    (sent,) = await drafted(agent, runtime, ticket)
    assert sent["status"] == "AUTO_SENT"
    assert (await change_status(agent, ticket, "SOLVED"))["errors"] == []

    await customer.data(
        ADD_MESSAGE, {"input": {"ticketId": ticket, "bodyHtml": "<p>That did not work.</p>"}}
    )

    assert (await _messages(agent, ticket))["status"] == "OPEN"


async def test_drafts_below_the_thresholds_wait_for_a_human(
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    await _policy(admin, enabled=True, minConfidence=1.0, minGroundedness=1.0)

    ticket = await open_ticket(customer)
    (draft,) = await drafted(agent, runtime, ticket)

    assert (draft["status"], draft["needsReview"]) == ("READY", False)
    assert len((await _messages(customer, ticket))["messages"]["edges"]) == 1


async def test_a_disabled_policy_sends_nothing_and_a_team_policy_wins_over_the_channel(
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    await _policy(admin, enabled=True, minConfidence=0.0, minGroundedness=0.0)
    await _policy(admin, channel="WEB", enabled=False)

    ticket = await open_ticket(customer)
    (draft,) = await drafted(agent, runtime, ticket)
    listed = (await admin.data(POLICIES))["autoReplyPolicies"]

    assert draft["status"] == "READY"
    assert [(p["channel"], p["enabled"]) for p in listed] == [(None, True), ("WEB", False)]


async def test_only_admins_set_the_policy(agent: ApiClient, admin: ApiClient) -> None:
    refused = await agent.post(SET_POLICY, {"input": {"enabled": True}})
    bad = await _policy(admin, enabled=True, minConfidence=1.5)

    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("minConfidence", "INVALID")]
    assert (await admin.data(POLICIES))["autoReplyPolicies"] == []


async def test_an_agent_requested_draft_is_also_covered_by_the_policy(
    admin: ApiClient,
    agent: ApiClient,
    reviewer: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
) -> None:
    await publish_help_article(agent, reviewer, runtime)
    ticket = await open_ticket(customer)
    await drafted(agent, runtime, ticket)  # the automatic draft, before any policy
    await _policy(admin, enabled=True, minConfidence=0.05, minGroundedness=0.5)

    await request_draft(agent, ticket)
    newest, older = await drafted(agent, runtime, ticket)

    assert (newest["status"], older["status"]) == ("AUTO_SENT", "SUPERSEDED")
