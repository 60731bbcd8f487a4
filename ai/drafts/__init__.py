"""AI reply drafts: build the question from a ticket's thread, retrieve from the KB, redact,
prompt, generate through the gateway, validate. `produce_draft` is the one entry point the
`ai.draft_reply` job and `compareDrafts` call; storing and publishing are the caller's."""

from __future__ import annotations

from ai.drafts.contract import (
    CURRENT_PIPELINE,
    PIPELINE_VERSIONS,
    DraftAction,
    DraftInput,
    DraftOutput,
    DraftResult,
    Source,
    ThreadMessage,
    TokenSink,
    ToolStep,
    ValidationReport,
)
from ai.drafts.pipeline import produce_draft

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
    "produce_draft",
]
