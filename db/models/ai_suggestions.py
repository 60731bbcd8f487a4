"""AI reply suggestions: one row per draft (its verdict, scores and the human outcome) and
its versions (the AI's text, then each agent edit with a diff against the one before)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import (
    text as sql,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = ["SUGGESTION_STATUSES", "AiSuggestion", "AiSuggestionVersion"]

# ready: valid and offered as sendable; invalid: failed validation (kept with its reasons,
# never sendable); accepted / rejected: an agent's decision; auto_sent: the auto-reply
# policy sent it without a human (flagged for review); superseded: a newer draft replaced it.
SUGGESTION_STATUSES = ("ready", "invalid", "accepted", "rejected", "auto_sent", "superseded")


class AiSuggestion(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "ai_suggestions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('ready', 'invalid', 'accepted', 'rejected', 'auto_sent', 'superseded')",
            name="status_known",
        ),
        CheckConstraint("action IN ('REPLY', 'ASK_CLARIFYING', 'ESCALATE')", name="action_known"),
        CheckConstraint("rating IS NULL OR rating IN (-1, 1)", name="rating_thumb"),
        Index("ix_ai_suggestions_ticket_created", "ticket_id", "created_at"),
        # aiQuality filters on created_at and groups by provider, prompt version or day.
        Index("ix_ai_suggestions_created_at", "created_at"),
        Index("ix_ai_suggestions_compare_group", "compare_group_id"),
        Index("ix_ai_suggestions_needs_review", "needs_review", "created_at"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE")
    )
    # The job that produced it (kept when the job row is pruned).
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))
    # The structured answer as generated (version 1 holds its text).
    action: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    # [{"id", "kind", "title", "text", "score", "article_id", "version_id", "tool_run_id"}]
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    citations: Mapped[list[str]] = mapped_column(JSONB)
    # Validation verdict and quality scores.
    validation_passed: Mapped[bool] = mapped_column()
    validation_reasons: Mapped[list[str]] = mapped_column(JSONB)
    groundedness: Mapped[float] = mapped_column(Float)
    citation_coverage: Mapped[float] = mapped_column(Float)
    # Which code and model made it: recorded on every result (versioned AI operations).
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    prompt_version: Mapped[str] = mapped_column(String(80))
    pipeline_version: Mapped[str] = mapped_column(String(40))
    timings_ms: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=sql("'{}'::jsonb"))
    current_version: Mapped[int] = mapped_column(Integer, server_default=sql("1"))
    # The human outcome (feedback): who decided, why, the thumb, and how far the sent text
    # is from the AI's (Levenshtein distance over characters).
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column()
    reject_reason: Mapped[str | None] = mapped_column(String(1000))
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    edit_distance: Mapped[int | None] = mapped_column(Integer)
    # The message it became (accepted or auto-sent).
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ticket_messages.id", ondelete="SET NULL")
    )
    # Auto-sent replies wait for a human's later review.
    needs_review: Mapped[bool] = mapped_column(server_default=sql("false"))
    # compareDrafts: the suggestions made for one comparison, and the best of them.
    compare_group_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    best_in_group: Mapped[bool] = mapped_column(server_default=sql("false"))


class AiSuggestionVersion(UUIDPrimaryKey, Base):
    __tablename__ = "ai_suggestion_versions"
    __table_args__ = (UniqueConstraint("suggestion_id", "number"),)

    suggestion_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ai_suggestions.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # NULL for the AI's own version 1.
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    # Unified diff against the version before (empty for version 1).
    diff: Mapped[str] = mapped_column(Text, server_default=sql("''"))
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)
