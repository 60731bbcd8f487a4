"""The real OpenAI and Anthropic SDKs, through the gateway, against loopback servers that
speak their HTTP APIs: JSON answers, SSE streams, embeddings."""

from __future__ import annotations

from collections.abc import Callable

from ai import CompletionRequest, Gateway
from ai.factory import build_providers
from ai.providers import ExtractiveResponder
from settings import Settings
from tests.ai.conftest import anthropic_provider, openai_provider
from tests.ai.loopback import LoopbackLLM

QUESTION = "My router keeps dropping the connection. What should I do?"


async def test_openai_sdk_answer_arrives_whole_with_its_token_counts(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    answer = await gateway.complete(CompletionRequest.ask(QUESTION, operation="draft_reply"))

    assert answer.text == "Reset the router, then sign in again."
    assert (answer.provider, answer.model) == ("openai", "gpt-4o-mini")
    assert (answer.usage.tokens_in, answer.usage.tokens_out) == (1200, 345)
    path, body = openai_server.requests[0]
    assert path == "/v1/chat/completions"
    assert body["messages"][-1] == {"role": "user", "content": QUESTION}


async def test_openai_sdk_streams_the_answer_in_pieces_and_reports_usage_at_the_end(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    stream = gateway.stream(CompletionRequest.ask(QUESTION, operation="draft_reply"))
    pieces = [piece async for piece in stream]

    assert len(pieces) > 1
    assert "".join(pieces) == "Reset the router, then sign in again."
    assert stream.result is not None
    assert (stream.result.usage.tokens_in, stream.result.usage.tokens_out) == (1200, 345)
    assert openai_server.requests[0][1]["stream_options"] == {"include_usage": True}


async def test_anthropic_sdk_answer_arrives_whole_with_its_token_counts(
    anthropic_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([anthropic_provider(anthropic_server, settings)], settings)

    answer = await gateway.complete(CompletionRequest.ask(QUESTION, operation="draft_reply"))

    assert answer.text == "Reset the router, then sign in again."
    assert answer.provider == "anthropic"
    assert (answer.usage.tokens_in, answer.usage.tokens_out) == (1200, 345)
    assert anthropic_server.requests[0][0] == "/v1/messages"


async def test_anthropic_sdk_streams_the_answer_from_its_sse_events(
    anthropic_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([anthropic_provider(anthropic_server, settings)], settings)

    stream = gateway.stream(CompletionRequest.ask(QUESTION, operation="draft_reply"))
    pieces = [piece async for piece in stream]

    assert len(pieces) > 1
    assert "".join(pieces) == "Reset the router, then sign in again."
    assert stream.result is not None
    assert (stream.result.usage.tokens_in, stream.result.usage.tokens_out) == (1200, 345)


async def test_self_hosted_openai_compatible_server_embeds_texts(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    local = settings.model_copy(
        update={"ai_providers": ["local"], "ai_local_base_url": openai_server.openai_base_url}
    )
    gateway = make_gateway(build_providers(local), local)

    result = await gateway.embed(["reset the router", "billing address"], operation="kb_index")

    assert (result.provider, result.model) == ("local", "nomic-embed-text")
    assert len(result.vectors) == 2
    assert all(len(v) == 4 for v in result.vectors)
    assert openai_server.requests[0][0] == "/v1/embeddings"


async def test_identical_embedding_request_is_answered_from_the_cache(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    first = await gateway.embed(["reset the router"], operation="kb_index")

    again = await gateway.embed(["reset the router"], operation="kb_index")

    assert (again.vectors, again.cache_hit) == (first.vectors, True)
    assert openai_server.count("/v1/embeddings") == 1


async def test_offline_responder_answers_with_the_most_relevant_cited_sentence(
    settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([ExtractiveResponder()], settings)
    context = (
        "Invoices are sent on the first day of each month. Refunds take five days.",
        "If the router drops the connection, restart it and update its firmware.",
    )

    answer = await gateway.complete(
        CompletionRequest.ask(QUESTION, operation="draft_reply", context=context)
    )

    assert answer.provider == "offline"
    assert answer.text == (
        "If the router drops the connection, restart it and update its firmware. [2]"
    )
