"""Admins read AI usage and cost (`aiUsage`) and set AI quotas; nobody else may; a quota
refusal reaches GraphQL clients as RATE_LIMITED with a retryAfter."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from limits.aio.storage import MemoryStorage

from ai import Caller, QuotaExceeded
from ai.quotas import Quotas
from db.engine import Database
from db.models import AiCall
from schema.extensions import ErrorCodes
from settings import Settings
from tests.conftest import ApiClient

AI_USAGE = """
query ($range: ReportRange!, $groupBy: AiUsageGroupBy!) {
  aiUsage(range: $range, groupBy: $groupBy) {
    key calls cacheHits failures tokensIn tokensOut costUsd unpricedCalls user { name }
  }
}"""
AI_QUOTA_LIMITS = "{ aiQuotaLimits { scope requestsPerMinute tokensPerDay } }"
SET_AI_QUOTA_LIMITS = """
mutation ($input: SetAiQuotaLimitsInput!) {
  setAiQuotaLimits(input: $input) {
    limits { scope requestsPerMinute tokensPerDay }
    errors { field code message }
  }
}"""
NOVEMBER = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}


def _call(**kw: Any) -> AiCall:
    values: dict[str, Any] = {
        "created_at": datetime(2026, 11, 20, 10, tzinfo=UTC),
        "provider": "openai",
        "model": "gpt-4o-mini",
        "call": "complete",
        "operation": "draft_reply",
        "prompt_version": "v1",
        "tokens_in": 1000,
        "tokens_out": 100,
        "cost_usd": Decimal("0.00021000"),
        "total_ms": 900,
        "outcome": "ok",
    }
    return AiCall(**(values | kw))


async def _store(db: Database, *calls: AiCall) -> None:
    async with db.transaction() as session:
        session.add_all(calls)


async def test_admin_reads_ai_cost_per_provider_to_the_cent(admin: ApiClient, db: Database) -> None:
    await _store(
        db,
        _call(),
        _call(cost_usd=Decimal("0.04500000")),
        _call(provider="anthropic", model="claude-3-5-haiku-latest", cost_usd=Decimal("1.25")),
        _call(
            provider="anthropic",
            outcome="rate_limited",
            tokens_in=0,
            tokens_out=0,
            cost_usd=Decimal(0),
        ),
        _call(provider="local", model="llama3.1", cost_usd=None),
        _call(created_at=datetime(2026, 10, 31, 23, tzinfo=UTC)),  # outside the range
    )

    data = await admin.data(AI_USAGE, {"range": NOVEMBER, "groupBy": "PROVIDER"})

    assert [(g["key"], g["calls"], g["failures"], g["costUsd"]) for g in data["aiUsage"]] == [
        ("anthropic", 2, 1, "1.25000000"),
        ("openai", 2, 0, "0.04521000"),
        ("local", 1, 0, "0"),
    ]
    assert data["aiUsage"][2]["unpricedCalls"] == 1


async def test_admin_reads_ai_usage_per_user_with_the_users_name(
    admin: ApiClient, agent: ApiClient, db: Database
) -> None:
    assert agent.user is not None
    await _store(db, _call(user_id=agent.user.id), _call(user_id=agent.user.id, cache_hit=True))

    data = await admin.data(AI_USAGE, {"range": NOVEMBER, "groupBy": "USER"})

    [group] = data["aiUsage"]
    assert (group["user"], group["calls"], group["cacheHits"]) == ({"name": "Alan Agent"}, 2, 1)
    assert (group["tokensIn"], group["tokensOut"]) == (2000, 200)


async def test_admin_reads_ai_usage_per_day_in_order(admin: ApiClient, db: Database) -> None:
    await _store(
        db,
        _call(created_at=datetime(2026, 11, 21, 23, 59, tzinfo=UTC)),
        _call(created_at=datetime(2026, 11, 20, 0, 1, tzinfo=UTC)),
        _call(created_at=datetime(2026, 11, 20, 12, tzinfo=UTC), operation="triage"),
    )

    data = await admin.data(AI_USAGE, {"range": NOVEMBER, "groupBy": "DAY"})

    assert [(g["key"], g["calls"]) for g in data["aiUsage"]] == [
        ("2026-11-20", 2),
        ("2026-11-21", 1),
    ]


async def test_agent_cannot_read_ai_usage(agent: ApiClient) -> None:
    body = await agent.post(AI_USAGE, {"range": NOVEMBER, "groupBy": "MODEL"})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_ai_usage_refuses_a_range_that_ends_before_it_starts(admin: ApiClient) -> None:
    backwards = {"from": NOVEMBER["to"], "to": NOVEMBER["from"]}

    body = await admin.post(AI_USAGE, {"range": backwards, "groupBy": "MODEL"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_admin_sets_a_user_quota_that_the_next_request_meets(
    admin: ApiClient, db: Database, settings: Settings
) -> None:
    data = await admin.data(
        SET_AI_QUOTA_LIMITS, {"input": {"scope": "USER", "requestsPerMinute": 1}}
    )

    assert data["setAiQuotaLimits"] == {
        "limits": {
            "scope": "USER",
            "requestsPerMinute": 1,
            "tokensPerDay": settings.ai_user_tokens_per_day,
        },
        "errors": [],
    }
    quotas = Quotas(MemoryStorage(), settings, db)
    user = Caller(user_id=uuid.uuid4())
    await quotas.admit(user)
    with pytest.raises(QuotaExceeded, match="your limit of 1 requests per minute"):
        await quotas.admit(user)


async def test_negative_quota_is_refused_and_nothing_changes(admin: ApiClient) -> None:
    before = await admin.data(AI_QUOTA_LIMITS)

    data = await admin.data(
        SET_AI_QUOTA_LIMITS, {"input": {"scope": "INSTALLATION", "tokensPerDay": -5}}
    )

    assert data["setAiQuotaLimits"]["limits"] is None
    [error] = data["setAiQuotaLimits"]["errors"]
    assert (error["field"], error["code"]) == ("tokensPerDay", "INVALID")
    assert await admin.data(AI_QUOTA_LIMITS) == before


async def test_agent_cannot_set_ai_quotas(agent: ApiClient) -> None:
    body = await agent.post(
        SET_AI_QUOTA_LIMITS, {"input": {"scope": "USER", "requestsPerMinute": 0}}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_quota_refusal_reaches_graphql_as_rate_limited_with_retry_after(
    db: Database, settings: Settings
) -> None:
    limited = settings.model_copy(update={"ai_user_requests_per_minute": 1})
    quotas = Quotas(MemoryStorage(), limited, db)
    user = Caller(user_id=uuid.uuid4())

    @strawberry.type
    class Query:
        @strawberry.field(description="Asks the AI for the user (as a job-enqueuing field will).")
        async def ask(self) -> bool:
            await quotas.admit(user)
            return True

    schema = strawberry.Schema(query=Query, extensions=[ErrorCodes])
    first = await schema.execute("{ ask }")
    second = await schema.execute("{ ask }")

    assert first.errors is None
    assert second.errors is not None
    extensions = second.errors[0].extensions or {}
    assert extensions["code"] == "RATE_LIMITED"
    assert 1 <= extensions["retryAfter"] <= 60
