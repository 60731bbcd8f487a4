"""Anthropic's Messages API through the official SDK (no embeddings endpoint exists)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any

import anthropic

from ai.functions import FunctionCall, FunctionSpec, ToolRound, ToolTurn
from ai.providers.base import (
    EmbeddingNotSupported,
    ProviderFailed,
    ProviderRateLimited,
    StreamEvent,
    retry_after_seconds,
)
from ai.providers.openai_chat import context_block
from ai.requests import CompletionRequest, Usage

__all__ = ["AnthropicProvider"]


class AnthropicProvider:
    embedding_model: str | None = None
    leaves_machine = True

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        max_output_tokens: int,
        timeout: float,
    ) -> None:
        self.name = "anthropic"
        self.model = model
        self._max_output_tokens = max_output_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key or "no-key", base_url=base_url, max_retries=0, timeout=timeout
        )

    def _arguments(self, request: CompletionRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens or self._max_output_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        system = context_block(request)
        if system:
            arguments["system"] = system
        return arguments

    async def complete(self, request: CompletionRequest) -> tuple[str, Usage]:
        try:
            message = await self._client.messages.create(**self._arguments(request))
        except anthropic.APIError as exc:
            raise _failure(exc) from exc
        text = "".join(block.text for block in message.content if block.type == "text")
        return text, Usage(message.usage.input_tokens, message.usage.output_tokens)

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent, None]:
        tokens_in = tokens_out = 0
        try:
            events = await self._client.messages.create(**self._arguments(request), stream=True)
            async with events:
                async for event in events:
                    if event.type == "message_start":
                        tokens_in = event.message.usage.input_tokens
                    elif event.type == "content_block_delta":
                        if event.delta.type == "text_delta" and event.delta.text:
                            yield event.delta.text
                    elif event.type == "message_delta":
                        tokens_out = event.usage.output_tokens
                        if event.usage.input_tokens:
                            tokens_in = event.usage.input_tokens
        except anthropic.APIError as exc:
            raise _failure(exc) from exc
        yield Usage(tokens_in, tokens_out)

    async def tool_turn(
        self,
        request: CompletionRequest,
        functions: Sequence[FunctionSpec],
        rounds: Sequence[ToolRound],
    ) -> ToolTurn:
        """One message offering `functions` (`tools`), after the earlier rounds (assistant
        `tool_use` blocks, then a user message of `tool_result` blocks)."""
        arguments = self._arguments(request)
        messages: list[dict[str, Any]] = arguments["messages"]
        for past in rounds:
            content: list[dict[str, Any]] = []
            if past.text:
                content.append({"type": "text", "text": past.text})
            content += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments or {}}
                for c in past.calls
            ]
            messages.append({"role": "assistant", "content": content})
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": r.call_id,
                            "content": r.content,
                            "is_error": r.is_error,
                        }
                        for r in past.results
                    ],
                }
            )
        tools: list[Any] = [
            {"name": f.name, "description": f.description, "input_schema": f.parameters}
            for f in functions
        ]
        try:
            message = await self._client.messages.create(**arguments, tools=tools)
        except anthropic.APIError as exc:
            raise _failure(exc) from exc
        text = "".join(block.text for block in message.content if block.type == "text")
        calls = tuple(
            FunctionCall(
                block.id, block.name, block.input if isinstance(block.input, dict) else None
            )
            for block in message.content
            if block.type == "tool_use"
        )
        usage = Usage(message.usage.input_tokens, message.usage.output_tokens)
        return ToolTurn(text, calls, usage, self.name, self.model)

    async def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]:
        raise EmbeddingNotSupported("anthropic has no embeddings API")

    async def close(self) -> None:
        await self._client.close()


def _failure(exc: anthropic.APIError) -> ProviderFailed:
    if isinstance(exc, anthropic.RateLimitError):
        retry_after = retry_after_seconds(exc.response.headers.get("retry-after"))
        return ProviderRateLimited(f"HTTP 429, retry after {retry_after:g} s", retry_after)
    if isinstance(exc, anthropic.APIStatusError):
        return ProviderFailed(f"HTTP {exc.status_code}")
    return ProviderFailed(type(exc).__name__)
