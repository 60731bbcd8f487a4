"""AI quotas: requests per minute and tokens per day per user, API key and installation.
Over a limit the caller gets QuotaExceeded with a retry-after and no provider is called."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from ai import Caller, CompletionRequest, Gateway, QuotaExceeded
from db.engine import Database
from db.models import AiCall
from settings import Settings
from tests.ai.conftest import openai_provider
from tests.ai.loopback import LoopbackLLM


async def _recorded(gateway: Gateway, db: Database) -> int:
    """The usage rows, once the gateway has written them all."""
    await gateway.flush()
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(AiCall))).scalar_one())


def _ask(question: str, caller: Caller) -> CompletionRequest:
    return CompletionRequest.ask(question, operation="draft_reply", caller=caller)


async def test_user_over_requests_per_minute_is_refused_with_retry_after_and_nothing_called(
    openai_server: LoopbackLLM,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
    db: Database,
) -> None:
    limited = settings.model_copy(update={"ai_user_requests_per_minute": 2})
    gateway = make_gateway([openai_provider(openai_server, limited)], limited)
    user = Caller(user_id=uuid.uuid4())
    await gateway.complete(_ask("first?", user))
    await gateway.complete(_ask("second?", user))

    with pytest.raises(QuotaExceeded) as refused:
        await gateway.complete(_ask("third?", user))

    assert 1 <= refused.value.retry_after <= 60
    assert "limit of 2 requests per minute" in str(refused.value)
    assert openai_server.count("/v1/chat/completions") == 2
    assert await _recorded(gateway, db) == 2


async def test_one_users_quota_does_not_limit_another_user(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    limited = settings.model_copy(update={"ai_user_requests_per_minute": 1})
    gateway = make_gateway([openai_provider(openai_server, limited)], limited)
    await gateway.complete(_ask("first?", Caller(user_id=uuid.uuid4())))

    answer = await gateway.complete(_ask("second?", Caller(user_id=uuid.uuid4())))

    assert answer.provider == "openai"


async def test_spent_daily_token_budget_refuses_the_next_call_until_the_day_ends(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    limited = settings.model_copy(update={"ai_api_key_tokens_per_day": 1000})
    gateway = make_gateway([openai_provider(openai_server, limited)], limited)
    key = Caller(api_key_id=uuid.uuid4())
    await gateway.complete(_ask("first?", key))  # 1200 + 345 tokens: over budget now

    with pytest.raises(QuotaExceeded) as refused:
        await gateway.complete(_ask("second?", key))

    assert 1 <= refused.value.retry_after <= 24 * 3600
    assert "this API key's limit of 1000 tokens per day" in str(refused.value)
    assert openai_server.count("/v1/chat/completions") == 1


async def test_installation_limit_counts_every_caller_together(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    limited = settings.model_copy(update={"ai_installation_requests_per_minute": 1})
    gateway = make_gateway([openai_provider(openai_server, limited)], limited)
    await gateway.complete(_ask("first?", Caller(user_id=uuid.uuid4())))

    with pytest.raises(QuotaExceeded, match="the installation's limit"):
        await gateway.complete(_ask("second?", Caller(api_key_id=uuid.uuid4())))
