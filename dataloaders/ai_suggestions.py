"""Loaders for AI suggestions: by id, a ticket's suggestions (newest first), a suggestion's
versions (oldest first)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import AiSuggestion, AiSuggestionVersion

__all__ = [
    "load_ai_suggestion_versions_by_suggestion_id",
    "load_ai_suggestions_by_id",
    "load_ai_suggestions_by_ticket_id",
]


async def load_ai_suggestions_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[AiSuggestion | None]:
    return await by_key(db, AiSuggestion, AiSuggestion.id, keys)


async def load_ai_suggestions_by_ticket_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[AiSuggestion]]:
    return await lists_by_key(
        db,
        AiSuggestion,
        AiSuggestion.ticket_id,
        keys,
        AiSuggestion.created_at.desc(),
        AiSuggestion.id.desc(),
    )


async def load_ai_suggestion_versions_by_suggestion_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[AiSuggestionVersion]]:
    return await lists_by_key(
        db,
        AiSuggestionVersion,
        AiSuggestionVersion.suggestion_id,
        keys,
        AiSuggestionVersion.number,
    )
