"""The chain the settings describe: offline by default (nothing leaves the machine), a
loud error for a provider name that does not exist, API keys never shown."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ai import CompletionRequest
from ai.factory import build_gateway, build_providers
from db.engine import Database
from settings import Settings


async def test_default_chain_answers_offline_from_the_supplied_context(
    settings: Settings, db: Database
) -> None:
    gateway = build_gateway(settings, db)
    try:
        answer = await gateway.complete(
            CompletionRequest.ask(
                "How long do refunds take?",
                operation="draft_reply",
                context=("Refunds take five working days. Invoices go out monthly.",),
            )
        )
    finally:
        await gateway.close()

    assert [p.name for p in gateway.providers] == ["offline"]
    assert answer.text == "Refunds take five working days. [1]"


def test_unknown_provider_name_is_refused_when_settings_are_read() -> None:
    with pytest.raises(ValidationError, match="choose from openai, anthropic, local, offline"):
        Settings(ai_providers=["openai", "gpt5"], _env_file=None)  # type: ignore[call-arg]


def test_local_provider_without_its_base_url_is_a_configuration_error(settings: Settings) -> None:
    with pytest.raises(ValueError, match="AI_LOCAL_BASE_URL is unset"):
        build_providers(settings.model_copy(update={"ai_providers": ["local"]}))


def test_provider_api_keys_never_appear_in_the_settings_repr() -> None:
    configured = Settings(
        openai_api_key="sk-live-123456",  # type: ignore[arg-type]
        anthropic_api_key="sk-ant-654321",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )

    assert "sk-live-123456" not in repr(configured)
    assert "sk-ant-654321" not in repr(configured)
