"""A real HTTP server on 127.0.0.1 that speaks OpenAI's and Anthropic's wire protocols
(JSON and SSE), scripted per test: status, retry-after, a slow first token, a stall."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.smtp import free_port

__all__ = ["LoopbackLLM", "Script"]


@dataclass
class Script:
    """What the server does with the next requests."""

    text: str = "Reset the router, then sign in again."
    tokens_in: int = 1200
    tokens_out: int = 345
    status: int = 200
    retry_after: str | None = None
    first_token_delay: float = 0.0
    # Seconds between chunks after the first (a stalled stream when large).
    chunk_delay: float = 0.0
    embedding_dims: int = 4
    # Answers for the next chat requests, one each, before `text` is used again.
    replies: list[str] = field(default_factory=list)


@dataclass
class LoopbackLLM:
    script: Script = field(default_factory=Script)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    port: int = 0
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def start(self) -> LoopbackLLM:
        app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
                Route("/v1/messages", self._messages, methods=["POST"]),
            ]
        )
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("loopback LLM server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(timeout=10)

    # -- shared ------------------------------------------------------------------------

    def _next_text(self) -> str:
        return self.script.replies.pop(0) if self.script.replies else self.script.text

    def _pieces(self, text: str) -> list[str]:
        words = text.split(" ")
        return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]

    async def _refusal(self, request: Request, anthropic: bool) -> Response | None:
        body = await request.json()
        self.requests.append((request.url.path, body))
        s = self.script
        if s.status == 200:
            return None
        headers = {"retry-after": s.retry_after} if s.retry_after else {}
        kind = "rate_limit_error" if s.status == 429 else "api_error"
        error = {"message": f"scripted {s.status}", "type": kind}
        content = {"type": "error", "error": error} if anthropic else {"error": error}
        return JSONResponse(content, status_code=s.status, headers=headers)

    # -- OpenAI ------------------------------------------------------------------------

    async def _chat(self, request: Request) -> Response:
        refusal = await self._refusal(request, anthropic=False)
        if refusal is not None:
            return refusal
        body = self.requests[-1][1]
        s = self.script
        text = self._next_text()
        usage = {
            "prompt_tokens": s.tokens_in,
            "completion_tokens": s.tokens_out,
            "total_tokens": s.tokens_in + s.tokens_out,
        }
        if not body.get("stream"):
            await asyncio.sleep(s.first_token_delay)
            return JSONResponse(
                {
                    "id": "chatcmpl-loopback",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )
        include_usage = (body.get("stream_options") or {}).get("include_usage", False)

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
            data = {
                "id": "chatcmpl-loopback",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": choices,
                **extra,
            }
            return f"data: {json.dumps(data)}\n\n"

        async def events() -> AsyncIterator[str]:
            yield chunk([{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}])
            await asyncio.sleep(s.first_token_delay)
            for i, piece in enumerate(self._pieces(text)):
                if i:
                    await asyncio.sleep(s.chunk_delay)
                yield chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            yield chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])
            if include_usage:
                yield chunk([], usage=usage)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def _embeddings(self, request: Request) -> Response:
        refusal = await self._refusal(request, anthropic=False)
        if refusal is not None:
            return refusal
        body = self.requests[-1][1]
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dims = self.script.embedding_dims
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": [float(len(text) % 7 + d) for d in range(dims)],
            }
            for i, text in enumerate(texts)
        ]
        tokens = sum(len(t.split()) for t in texts)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    # -- Anthropic ---------------------------------------------------------------------

    async def _messages(self, request: Request) -> Response:
        refusal = await self._refusal(request, anthropic=True)
        if refusal is not None:
            return refusal
        body = self.requests[-1][1]
        s = self.script
        text = self._next_text()
        message = {
            "id": "msg_loopback",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "stop_reason": None,
            "stop_sequence": None,
        }
        if not body.get("stream"):
            await asyncio.sleep(s.first_token_delay)
            return JSONResponse(
                {
                    **message,
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": s.tokens_in, "output_tokens": s.tokens_out},
                }
            )

        def event(kind: str, data: dict[str, Any]) -> str:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

        async def events() -> AsyncIterator[str]:
            start = {
                **message,
                "content": [],
                "usage": {"input_tokens": s.tokens_in, "output_tokens": 1},
            }
            yield event("message_start", {"message": start})
            yield event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            )
            await asyncio.sleep(s.first_token_delay)
            for i, piece in enumerate(self._pieces(text)):
                if i:
                    await asyncio.sleep(s.chunk_delay)
                delta = {"type": "text_delta", "text": piece}
                yield event("content_block_delta", {"index": 0, "delta": delta})
            yield event("content_block_stop", {"index": 0})
            yield event(
                "message_delta",
                {
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": s.tokens_out},
                },
            )
            yield event("message_stop", {})

        return StreamingResponse(events(), media_type="text/event-stream")
