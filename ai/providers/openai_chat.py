"""OpenAI's chat and embeddings API through the official SDK; with a `base_url` the same
client talks to any OpenAI-compatible server (Ollama, llama.cpp, vLLM)."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import openai

from ai.functions import FunctionCall, FunctionSpec, ToolRound, ToolTurn
from ai.providers.base import (
    EmbeddingNotSupported,
    ProviderFailed,
    ProviderRateLimited,
    StreamEvent,
    estimate_tokens,
    retry_after_seconds,
)
from ai.requests import CompletionRequest, Usage

__all__ = ["OpenAIProvider", "context_block"]


def context_block(request: CompletionRequest) -> str:
    """The system prompt with the numbered context appended (the sources an answer cites)."""
    if not request.context:
        return request.system
    sources = "\n".join(f"[{i}] {text}" for i, text in enumerate(request.context, 1))
    return f"{request.system}\n\nContext:\n{sources}".strip()


class OpenAIProvider:
    # A self-hosted `base_url` too: it may be another machine, and redaction costs little.
    leaves_machine = True

    def __init__(
        self,
        *,
        name: str,
        model: str,
        api_key: str | None,
        base_url: str | None,
        embedding_model: str | None,
        max_output_tokens: int,
        timeout: float,
    ) -> None:
        self.name = name
        self.model = model
        self.embedding_model = embedding_model
        self._max_output_tokens = max_output_tokens
        # Our gateway does the retrying and falling back, so its timing is ours, not the SDK's.
        self._client = openai.AsyncOpenAI(
            # Self-hosted servers usually want no key, but the SDK insists on one.
            api_key=api_key or "no-key",
            base_url=base_url,
            max_retries=0,
            timeout=timeout,
        )

    def _messages(self, request: CompletionRequest) -> list[Any]:
        messages: list[dict[str, str]] = []
        system = context_block(request)
        if system:
            messages.append({"role": "system", "content": system})
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        return messages

    async def complete(self, request: CompletionRequest) -> tuple[str, Usage]:
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=self._messages(request),
                max_tokens=request.max_tokens or self._max_output_tokens,
                temperature=request.temperature,
            )
        except openai.APIError as exc:
            raise _failure(exc) from exc
        text = (response.choices[0].message.content or "") if response.choices else ""
        if response.usage is not None:
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        else:
            usage = Usage(estimate_tokens(request.prompt_text()), estimate_tokens(text))
        return text, usage

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent, None]:
        produced: list[str] = []
        usage: Usage | None = None
        try:
            chunks = await self._client.chat.completions.create(
                model=self.model,
                messages=self._messages(request),
                max_tokens=request.max_tokens or self._max_output_tokens,
                temperature=request.temperature,
                stream=True,
                stream_options={"include_usage": True},
            )
            async with chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for choice in chunk.choices:
                        if choice.delta.content:
                            produced.append(choice.delta.content)
                            yield choice.delta.content
        except openai.APIError as exc:
            raise _failure(exc) from exc
        yield usage or Usage(
            estimate_tokens(request.prompt_text()), estimate_tokens("".join(produced))
        )

    async def tool_turn(
        self,
        request: CompletionRequest,
        functions: Sequence[FunctionSpec],
        rounds: Sequence[ToolRound],
    ) -> ToolTurn:
        """One chat completion offering `functions` (`tools`), after the earlier rounds
        (assistant `tool_calls`, then one `tool` message per call)."""
        messages = self._messages(request)
        for past in rounds:
            messages.append(
                {
                    "role": "assistant",
                    "content": past.text or None,
                    "tool_calls": [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {
                                "name": call.name,
                                "arguments": json.dumps(call.arguments or {}),
                            },
                        }
                        for call in past.calls
                    ],
                }
            )
            messages += [
                {"role": "tool", "tool_call_id": r.call_id, "content": r.content}
                for r in past.results
            ]
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                tools=[
                    {
                        "type": "function",
                        "function": {
                            "name": f.name,
                            "description": f.description,
                            "parameters": f.parameters,
                        },
                    }
                    for f in functions
                ],
                max_tokens=request.max_tokens or self._max_output_tokens,
                temperature=request.temperature,
            )
        except openai.APIError as exc:
            raise _failure(exc) from exc
        if not response.choices:
            raise ProviderFailed("the answer has no choices")
        message = response.choices[0].message
        text = message.content or ""
        calls = tuple(
            FunctionCall(call.id, call.function.name, _arguments(call.function.arguments))
            for call in message.tool_calls or []
            if call.type == "function"
        )
        if response.usage is not None:
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        else:
            usage = Usage(estimate_tokens(json.dumps(messages)), estimate_tokens(text))
        return ToolTurn(text, calls, usage, self.name, self.model)

    async def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]:
        if self.embedding_model is None:
            raise EmbeddingNotSupported(f"{self.name}: no embedding model configured")
        try:
            response = await self._client.embeddings.create(
                model=self.embedding_model, input=texts, encoding_format="float"
            )
        except openai.APIError as exc:
            raise _failure(exc) from exc
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        return vectors, Usage(response.usage.prompt_tokens, 0)

    async def close(self) -> None:
        await self._client.close()


def _arguments(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _failure(exc: openai.APIError) -> ProviderFailed:
    if isinstance(exc, openai.RateLimitError):
        retry_after = retry_after_seconds(exc.response.headers.get("retry-after"))
        return ProviderRateLimited(f"HTTP 429, retry after {retry_after:g} s", retry_after)
    if isinstance(exc, openai.APIStatusError):
        return ProviderFailed(f"HTTP {exc.status_code}")
    return ProviderFailed(type(exc).__name__)
