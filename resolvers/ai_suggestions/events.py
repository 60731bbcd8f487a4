"""Realtime events of AI suggestions: one channel per ticket, heard by staff only.

`ready` (a draft was stored), `changed` (a new version or a decision) and `tokens` (a delta
of a draft being generated). Payloads carry ids only (and the delta): subscribers load the
suggestion fresh, like every other subscription.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from workers.events import Publisher

__all__ = [
    "SuggestionEventKind",
    "publish_suggestion_event",
    "suggestion_channel",
    "suggestion_event",
    "token_event",
]

_log = logging.getLogger("autocrm.realtime")


class SuggestionEventKind(enum.StrEnum):
    READY = "ready"
    CHANGED = "changed"
    TOKENS = "tokens"


def suggestion_channel(ticket_id: uuid.UUID | str) -> str:
    return f"ticket:{ticket_id}:ai"


def suggestion_event(
    kind: SuggestionEventKind, ticket_id: uuid.UUID, suggestion_id: uuid.UUID, what: str = ""
) -> dict[str, Any]:
    return {
        "type": f"ai_suggestion.{kind.value}",
        "kind": kind.value,
        "ticket_id": str(ticket_id),
        "suggestion_id": str(suggestion_id),
        # For `changed`: edited, accepted, rejected, rated, reviewed, superseded, auto_sent.
        "what": what,
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def token_event(
    ticket_id: uuid.UUID, job_id: uuid.UUID, sequence: int, delta: str
) -> dict[str, Any]:
    return {
        "type": "ai_suggestion.tokens",
        "kind": SuggestionEventKind.TOKENS.value,
        "ticket_id": str(ticket_id),
        "job_id": str(job_id),
        "sequence": sequence,
        "delta": delta,
    }


async def publish_suggestion_event(
    publisher: Publisher | None, ticket_id: uuid.UUID, payload: Mapping[str, Any]
) -> None:
    """Best-effort, after commit: the row is the truth."""
    if publisher is None:
        return
    try:
        await publisher.publish(suggestion_channel(ticket_id), payload)
    except Exception:
        _log.exception("could not publish %s", payload.get("type"))
