"""A loopback LLM that calls functions: OpenAI chat completions (`tools` → `tool_calls`)
and Anthropic messages (`tools` → `tool_use`), answering a request that offers tools with
the calls `plan` gives for that turn, and the draft's own (streamed) request with a reply
citing the numbered context line that holds `cite_marker`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.ai.loopback import LoopbackLLM

# Given the tool-offering turn's number (1, 2 …), the calls to ask for: (name, arguments).
Plan = Callable[[int], list[tuple[str, dict[str, Any]]]]
_NUMBERED = re.compile(r"^\[(\d+)\] ", re.MULTILINE)


def _answer(text: str, citations: list[int], action: str = "REPLY") -> str:
    return json.dumps(
        {
            "text": text,
            "citations": citations,
            "confidence": 0.9 if citations else 0.0,
            "action": action,
            "language": "en",
        }
    )


def calls_once(*calls: tuple[str, dict[str, Any]]) -> Plan:
    """Ask for `calls` in the first turn, then answer."""
    return lambda turn: list(calls) if turn == 1 else []


@dataclass
class FunctionCallingLLM(LoopbackLLM):
    plan: Plan = field(default=lambda turn: [])
    cite_marker: str = "shipped"
    # Per tool-offering request: the function names offered and the tool results sent back.
    offered: list[list[str]] = field(default_factory=list)
    fed_back: list[list[str]] = field(default_factory=list)

    @property
    def tool_turns(self) -> int:
        return len(self.offered)

    def _reply_citing(self, system: str) -> str:
        """The structured draft answer (JSON, as the draft prompt asks for)."""
        parts = _NUMBERED.split(system)  # [before, n1, item1, n2, item2, …]
        for number, item in zip(parts[1::2], parts[2::2], strict=True):
            if self.cite_marker in item:
                return _answer(f"The order has {self.cite_marker} [{number}].", [int(number)])
        return _answer("I could not find this in the sources.", [], action="ESCALATE")

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        if "tools" not in body:
            messages = body.get("messages", [])
            system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
            self.script.text = self._reply_citing(system)
            return await super()._chat(request)
        refusal = await self._refusal(request, anthropic=False)  # records the request
        if refusal is not None:
            return refusal
        self.offered.append([t["function"]["name"] for t in body["tools"]])
        self.fed_back.append([m["content"] for m in body["messages"] if m["role"] == "tool"])
        turn = len(self.offered)
        calls = self.plan(turn)
        message: dict[str, Any] = {"role": "assistant", "content": None if calls else "Done."}
        if calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{turn}_{i}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments)},
                }
                for i, (name, arguments) in enumerate(calls)
            ]
        return JSONResponse(
            {
                "id": f"chatcmpl-tools-{turn}",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if calls else "stop",
                    }
                ],
                "usage": {"prompt_tokens": 200, "completion_tokens": 20, "total_tokens": 220},
            }
        )

    async def _messages(self, request: Request) -> Response:
        body = await request.json()
        if "tools" not in body:
            self.script.text = self._reply_citing(body.get("system", ""))
            return await super()._messages(request)
        refusal = await self._refusal(request, anthropic=True)  # records the request
        if refusal is not None:
            return refusal
        self.offered.append([t["name"] for t in body["tools"]])
        self.fed_back.append(
            [
                block["content"]
                for m in body["messages"]
                if m["role"] == "user" and isinstance(m["content"], list)
                for block in m["content"]
                if block.get("type") == "tool_result"
            ]
        )
        turn = len(self.offered)
        calls = self.plan(turn)
        content: list[dict[str, Any]] = [
            {"type": "tool_use", "id": f"toolu_{turn}_{i}", "name": name, "input": arguments}
            for i, (name, arguments) in enumerate(calls)
        ] or [{"type": "text", "text": "Done."}]
        return JSONResponse(
            {
                "id": f"msg_tools_{turn}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": content,
                "stop_reason": "tool_use" if calls else "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 200, "output_tokens": 20},
            }
        )
