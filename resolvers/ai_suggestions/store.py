"""Storing a produced draft as a suggestion with its first version: the one place a
DraftResult becomes rows (the draft job and compareDrafts both call it)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ai.drafts import DraftInput, DraftResult, Source
from db.models import AiSuggestion, AiSuggestionVersion

__all__ = ["save_draft", "source_json"]


def source_json(source: Source) -> dict[str, Any]:
    row = asdict(source)
    for key in ("article_id", "version_id", "tool_run_id"):
        row[key] = str(row[key]) if row[key] is not None else None
    return row


async def save_draft(
    session: AsyncSession,
    draft: DraftInput,
    result: DraftResult,
    *,
    compare_group_id: uuid.UUID | None = None,
) -> AiSuggestion:
    """The suggestion (status `ready` when it passed validation, else `invalid`) and its
    version 1. The caller commits, publishes and decides on auto-reply."""
    suggestion = AiSuggestion(
        id=uuid.uuid4(),
        ticket_id=draft.ticket_id,
        job_id=draft.job_id,
        requested_by_id=draft.requested_by,
        status="ready" if result.validation.passed else "invalid",
        action=result.output.action.value,
        confidence=result.output.confidence,
        language=result.output.language,
        question=result.question,
        sources=[source_json(s) for s in result.sources],
        citations=list(result.output.citations),
        validation_passed=result.validation.passed,
        validation_reasons=list(result.validation.reasons),
        groundedness=result.validation.groundedness,
        citation_coverage=result.validation.citation_coverage,
        provider=result.provider,
        model=result.model,
        prompt_version=result.prompt_version,
        pipeline_version=result.pipeline_version,
        timings_ms=dict(result.timings_ms),
        current_version=1,
        compare_group_id=compare_group_id,
    )
    session.add(suggestion)
    await session.flush()
    session.add(
        AiSuggestionVersion(
            id=uuid.uuid4(), suggestion_id=suggestion.id, number=1, text=result.output.text
        )
    )
    await session.flush()
    return suggestion
