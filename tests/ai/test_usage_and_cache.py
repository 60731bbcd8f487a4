"""Every call leaves a usage row (tokens, exact cost, timings, whom it served), and an
identical request within the TTL is answered from the cache, in memory or in Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select

from ai import Caller, CompletionRequest, Gateway
from ai.cache import RedisCache
from db.engine import Database
from db.models import AiCall
from settings import ModelPrice, Settings
from tests.ai.conftest import openai_provider
from tests.ai.loopback import LoopbackLLM

REDIS_URL = "redis://127.0.0.1:6379/12"


async def _rows(gateway: Gateway, db: Database) -> list[AiCall]:
    """The usage rows, once the gateway has written them all."""
    await gateway.flush()
    async with db.sessions() as session:
        return list((await session.execute(select(AiCall).order_by(AiCall.id))).scalars())


async def test_usage_and_cost_of_a_call_are_recorded_to_the_cent(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    openai_server.script.tokens_in = 12_345
    openai_server.script.tokens_out = 6_789
    priced = settings.model_copy(
        update={"ai_prices": {"acme-large": ModelPrice(input=Decimal("2.50"), output=Decimal(10))}}
    )
    gateway = make_gateway([openai_provider(openai_server, priced, model="acme-large")], priced)
    caller = Caller(user_id=uuid.uuid4(), job_id=uuid.uuid4(), ticket_id=uuid.uuid4())

    stream = gateway.stream(
        CompletionRequest.ask(
            "Where is my invoice?",
            operation="draft_reply",
            prompt_version="draft-v3",
            caller=caller,
        )
    )
    _ = [piece async for piece in stream]

    [row] = await _rows(gateway, db)
    # 12 345 * $2.50 / 1M + 6 789 * $10 / 1M = $0.0308625 + $0.06789
    assert row.cost_usd == Decimal("0.0987525")
    assert row.cost_usd.quantize(Decimal("0.01")) == Decimal("0.10")
    assert (row.provider, row.model, row.call) == ("openai", "acme-large", "stream")
    assert (row.operation, row.prompt_version) == ("draft_reply", "draft-v3")
    assert (row.tokens_in, row.tokens_out) == (12_345, 6_789)
    assert (row.user_id, row.job_id, row.ticket_id) == (
        caller.user_id,
        caller.job_id,
        caller.ticket_id,
    )
    assert row.first_token_ms is not None
    assert row.total_ms >= row.first_token_ms
    assert (row.cache_hit, row.outcome) == (False, "ok")


async def test_a_model_without_a_price_is_recorded_with_unknown_cost_not_zero(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings, model="mystery")], settings)

    await gateway.complete(CompletionRequest.ask("Where is my invoice?", operation="triage"))

    [row] = await _rows(gateway, db)
    assert (row.tokens_in, row.cost_usd) == (1200, None)


async def test_second_identical_call_is_answered_from_the_cache(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    request = CompletionRequest.ask("Where is my invoice?", operation="draft_reply")

    first = await gateway.complete(request)
    second = await gateway.complete(request)

    assert second.text == first.text
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert openai_server.count("/v1/chat/completions") == 1
    rows = await _rows(gateway, db)
    assert [(r.cache_hit, r.tokens_in, r.cost_usd) for r in rows] == [
        (False, 1200, Decimal("0.00038700")),
        (True, 0, Decimal(0)),
    ]


async def test_another_prompt_version_is_not_answered_from_the_cache(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    for version in ("v1", "v2"):
        await gateway.complete(
            CompletionRequest.ask("Where?", operation="draft_reply", prompt_version=version)
        )

    assert openai_server.count("/v1/chat/completions") == 2


@pytest.mark.redis
async def test_cache_in_redis_is_shared_by_every_gateway_process(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    request = CompletionRequest.ask(f"Invoice {uuid.uuid4()}?", operation="draft_reply")
    one = make_gateway(
        [openai_provider(openai_server, settings)], settings, cache=RedisCache(REDIS_URL)
    )
    other = make_gateway(
        [openai_provider(openai_server, settings)], settings, cache=RedisCache(REDIS_URL)
    )

    await one.complete(request)
    answer = await other.complete(request)

    assert answer.cache_hit is True
    assert openai_server.count("/v1/chat/completions") == 1


async def test_a_stream_its_reader_abandons_is_still_recorded(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    stream = gateway.stream(CompletionRequest.ask("Where is my invoice?", operation="draft_reply"))

    async for _ in stream:
        break
    await stream.aclose()

    [row] = await _rows(gateway, db)
    assert (row.outcome, row.cache_hit) == ("abandoned", False)
    assert row.tokens_in > 0
    assert row.tokens_out > 0
