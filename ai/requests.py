"""What a caller asks the gateway for, and what it gets back."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ai.pii.redactor import Redactor

__all__ = ["Caller", "ChatMessage", "Completion", "CompletionRequest", "Embeddings", "Usage"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is for: quotas are counted, and usage is reported, against these."""

    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    ticket_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One prompt. `context` is the retrieved material the answer must rest on (the offline
    provider answers from it alone); `prompt_version` names the template that built it."""

    messages: tuple[ChatMessage, ...]
    operation: str
    prompt_version: str = "v1"
    system: str = ""
    context: tuple[str, ...] = ()
    max_tokens: int | None = None
    temperature: float = 0.0
    caller: Caller = field(default_factory=Caller)
    # The ticket's redactor, when the request is about a ticket: its placeholders are used for
    # providers outside the machine, and only what its customer gave is restored in the answer.
    pii: Redactor | None = field(default=None, compare=False, repr=False)
    # The answer must be one JSON object valid against this JSON schema (its JSON text). LLMs
    # are told so in the system prompt and their answer is validated by the caller; the
    # offline provider answers in this structure directly.
    json_schema: str | None = None

    @classmethod
    def ask(
        cls,
        question: str,
        *,
        operation: str,
        context: tuple[str, ...] = (),
        prompt_version: str = "v1",
        caller: Caller | None = None,
        pii: Redactor | None = None,
    ) -> CompletionRequest:
        """A single-question request (the common case)."""
        return cls(
            messages=(ChatMessage("user", question),),
            operation=operation,
            context=context,
            prompt_version=prompt_version,
            caller=caller or Caller(),
            pii=pii,
        )

    def inputs_digest(self) -> str:
        """A stable digest of everything that shapes the answer (not who asked)."""
        inputs: dict[str, object] = {
            "system": self.system,
            "messages": [[m.role, m.content] for m in self.messages],
            "context": list(self.context),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        if self.json_schema is not None:
            inputs["json_schema"] = self.json_schema
        if self.pii is not None:
            # Which values the answer may carry back differs from ticket to ticket.
            inputs["pii"] = self.pii.fingerprint()
        body = json.dumps(
            inputs,
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()

    def prompt_text(self) -> str:
        """The whole prompt as plain text, for providers without a chat format."""
        parts = [self.system, *self.context, *(m.content for m in self.messages)]
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Usage:
    tokens_in: int
    tokens_out: int


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    provider: str
    model: str
    usage: Usage
    cache_hit: bool = False


@dataclass(frozen=True, slots=True)
class Embeddings:
    vectors: list[list[float]]
    provider: str
    model: str
    usage: Usage
    cache_hit: bool = False
