"""Function calling, provider-neutral: the functions offered to a model, the calls it asks
for, the results fed back, and one model turn. Providers turn these into their wire format
(OpenAI `tools`/`tool_calls`, Anthropic `tools`/`tool_use`/`tool_result`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ai.requests import CompletionRequest, Usage

__all__ = [
    "FunctionCall",
    "FunctionCaller",
    "FunctionResult",
    "FunctionRunner",
    "FunctionSpec",
    "ToolCompletion",
    "ToolRound",
    "ToolTurn",
]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function the model may call: its name, what it does, its input JSON Schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """One call the model asked for. `arguments` is None when the model sent text that is
    not a JSON object (the call is answered with an error, not run)."""

    id: str
    name: str
    arguments: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class FunctionResult:
    """What is fed back for one call: `content` is JSON text (or an error message)."""

    call_id: str
    name: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ToolTurn:
    """One model answer: text, and the calls it asks for (none = the model is done)."""

    text: str
    calls: tuple[FunctionCall, ...]
    usage: Usage
    provider: str = ""
    model: str = ""


@dataclass(frozen=True, slots=True)
class ToolRound:
    """A finished round of the conversation: what the model asked, what it was told."""

    text: str
    calls: tuple[FunctionCall, ...]
    results: tuple[FunctionResult, ...]


@dataclass(frozen=True, slots=True)
class ToolCompletion:
    text: str
    provider: str
    model: str
    usage: Usage
    rounds: tuple[ToolRound, ...] = ()
    # The model still asked for calls when the round cap was reached (they were not run).
    capped: bool = False
    unanswered: tuple[FunctionCall, ...] = field(default=())


# Runs the calls of one round; returns one result per call, in the calls' order.
FunctionRunner = Callable[[Sequence[FunctionCall]], Awaitable[list[FunctionResult]]]


@runtime_checkable
class FunctionCaller(Protocol):
    """A provider that can call functions (the offline responder cannot)."""

    name: str
    model: str

    async def tool_turn(
        self,
        request: CompletionRequest,
        functions: Sequence[FunctionSpec],
        rounds: Sequence[ToolRound],
    ) -> ToolTurn: ...
