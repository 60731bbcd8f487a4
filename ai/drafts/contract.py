"""What a reply draft is made of: the thread it answers, the sources it may rest on, the
structured answer, and the validation verdict. Shared by the pipeline, the job that stores
suggestions, compareDrafts and the tool step, so none of them reaches into another."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "CURRENT_PIPELINE",
    "PIPELINE_VERSIONS",
    "DraftAction",
    "DraftInput",
    "DraftOutput",
    "DraftResult",
    "Source",
    "ThreadMessage",
    "TokenSink",
    "ToolStep",
    "ValidationReport",
]

# Pipeline versions callable through the API, oldest first; a version stays callable until it
# is listed in DEPRECATED_PIPELINES (the schema marks it deprecated). Recorded on every result.
PIPELINE_VERSIONS: tuple[str, ...] = ("draft-v1",)
CURRENT_PIPELINE = PIPELINE_VERSIONS[-1]


class DraftAction(StrEnum):
    REPLY = "REPLY"
    ASK_CLARIFYING = "ASK_CLARIFYING"
    ESCALATE = "ESCALATE"


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of the ticket's thread as the pipeline sees it (plain text)."""

    text: str
    from_customer: bool
    public: bool = True


@dataclass(frozen=True, slots=True)
class Source:
    """Something a draft may cite. `id` is what citations name: a KB chunk's UUID as text, or
    `tool:<tool run UUID>` for a tool result."""

    id: str
    kind: Literal["kb_chunk", "tool"]
    title: str
    text: str
    score: float = 0.0
    article_id: uuid.UUID | None = None
    version_id: uuid.UUID | None = None
    tool_run_id: uuid.UUID | None = None
    # Headings above a KB chunk in its article (the prompt shows them with the title).
    heading_path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftOutput:
    """The structured answer: what a provider returns (LLMs as JSON, the offline provider
    directly). `citations` are Source ids."""

    text: str
    citations: tuple[str, ...]
    confidence: float
    action: DraftAction
    language: str
    # The reply's sentences, each with the Source ids it rests on (from the `[n]` markers the
    # provider put after it): what groundedness and citation coverage are measured on.
    attributions: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class ValidationReport:
    passed: bool
    # Human-readable reasons it failed (empty when it passed), e.g. "cites unknown source x".
    reasons: tuple[str, ...]
    # Share of the reply's factual sentences supported by a cited source (0..1).
    groundedness: float
    # Share of the reply's sentences that carry a citation (0..1).
    citation_coverage: float


# Called with each text delta while the answer is generated (aiSuggestionTokens).
TokenSink = Callable[[str], Awaitable[None]]

# The tool step (issue 12): given the question and the draft's input, runs the tools the
# question needs (function calling with an LLM, the intent rule offline) and returns their
# results as Sources to cite. None = no tools.
ToolStep = Callable[[str, "DraftInput"], Awaitable[list[Source]]]


@dataclass(frozen=True, slots=True)
class DraftInput:
    ticket_id: uuid.UUID
    subject: str
    thread: tuple[ThreadMessage, ...]
    # Customer-facing drafts retrieve from public articles only.
    audiences: tuple[str, ...] = ("public",)
    locale: str | None = None
    pipeline_version: str = CURRENT_PIPELINE
    # Ask a provider by name (compareDrafts); None = the gateway's fallback chain.
    provider: str | None = None
    requested_by: uuid.UUID | None = None
    job_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class DraftResult:
    output: DraftOutput
    validation: ValidationReport
    sources: tuple[Source, ...]
    question: str
    provider: str
    model: str
    prompt_version: str
    pipeline_version: str
    timings_ms: dict[str, int] = field(default_factory=dict)
