"""The fallback chain: a provider that rate-limits, errors or is slow to start hands the
request to the next one; a total deadline ends a call that would never finish."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from ai import AllProvidersFailed, CompletionRequest, Gateway, GatewayTimeout
from db.engine import Database
from db.models import AiCall
from settings import Settings
from tests.ai.conftest import anthropic_provider, openai_provider
from tests.ai.loopback import LoopbackLLM


async def _outcomes(gateway: Gateway, db: Database) -> list[tuple[str, str]]:
    """The usage rows, once the gateway has written them all."""
    await gateway.flush()
    async with db.sessions() as session:
        rows = (await session.execute(select(AiCall).order_by(AiCall.id))).scalars().all()
    return [(row.provider, row.outcome) for row in rows]


def _ask(question: str) -> CompletionRequest:
    return CompletionRequest.ask(question, operation="draft_reply")


async def test_rate_limited_provider_hands_over_and_rests_for_its_retry_after(
    openai_server: LoopbackLLM,
    anthropic_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    openai_server.script.status = 429
    openai_server.script.retry_after = "30"
    gateway = make_gateway(
        [openai_provider(openai_server, settings), anthropic_provider(anthropic_server, settings)],
        settings,
    )

    first = await gateway.complete(_ask("Where is my invoice?"))
    second = await gateway.complete(_ask("How do I reset my password?"))

    assert (first.provider, second.provider) == ("anthropic", "anthropic")
    assert openai_server.count("/v1/chat/completions") == 1  # not asked again within 30 s
    assert await _outcomes(gateway, db) == [
        ("openai", "rate_limited"),
        ("anthropic", "ok"),
        ("anthropic", "ok"),
    ]


async def test_server_error_falls_back_to_the_next_provider(
    openai_server: LoopbackLLM,
    anthropic_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    openai_server.script.status = 500
    gateway = make_gateway(
        [openai_provider(openai_server, settings), anthropic_provider(anthropic_server, settings)],
        settings,
    )

    pieces = [p async for p in gateway.stream(_ask("Where is my invoice?"))]

    assert "".join(pieces) == anthropic_server.script.text
    assert await _outcomes(gateway, db) == [("openai", "error"), ("anthropic", "ok")]


async def test_first_token_slower_than_two_seconds_lets_the_next_provider_answer(
    openai_server: LoopbackLLM,
    anthropic_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    assert settings.ai_first_token_timeout == 2.0  # the default bound
    openai_server.script.first_token_delay = 6.0
    anthropic_server.script.text = "Anthropic was quicker."
    gateway = make_gateway(
        [openai_provider(openai_server, settings), anthropic_provider(anthropic_server, settings)],
        settings,
    )

    stream = gateway.stream(_ask("Where is my invoice?"))
    pieces = [p async for p in stream]

    assert "".join(pieces) == "Anthropic was quicker."
    assert stream.result is not None
    assert stream.result.provider == "anthropic"
    assert await _outcomes(gateway, db) == [("openai", "first_token_timeout"), ("anthropic", "ok")]


async def test_total_deadline_ends_a_stream_that_stalls_after_its_first_token(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    openai_server.script.chunk_delay = 5.0
    quick = settings.model_copy(update={"ai_total_timeout": 1.0})
    gateway = make_gateway([openai_provider(openai_server, quick)], quick)

    received: list[str] = []

    async def read_all() -> None:
        async for piece in gateway.stream(_ask("Where is my invoice?")):
            received.append(piece)

    with pytest.raises(GatewayTimeout):
        await read_all()

    assert received == ["Reset "]
    assert await _outcomes(gateway, db) == [("openai", "timeout")]


async def test_when_every_provider_fails_the_caller_is_told_which_and_why(
    openai_server: LoopbackLLM,
    anthropic_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
) -> None:
    openai_server.script.status = 500
    anthropic_server.script.status = 429
    anthropic_server.script.retry_after = "12"
    gateway = make_gateway(
        [openai_provider(openai_server, settings), anthropic_provider(anthropic_server, settings)],
        settings,
    )

    with pytest.raises(AllProvidersFailed) as failure:
        await gateway.complete(_ask("Where is my invoice?"))

    assert str(failure.value) == (
        "no AI provider answered: openai: HTTP 500; anthropic: HTTP 429, retry after 12 s"
    )
