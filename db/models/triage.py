"""AI triage: the result for each ticket, the offline classifier (one row per training, the
newest is in use by every process), and the admins' ordered routing rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = ["RoutingRule", "TicketTriage", "TriageModel"]


class TicketTriage(TimestampMixin, Base):
    """What the last triage of a ticket concluded (staff only); re-triage overwrites it."""

    __tablename__ = "ticket_triage"
    __table_args__ = (
        CheckConstraint("source IN ('offline', 'llm')", name="source_known"),
        CheckConstraint("sentiment IN ('negative', 'neutral', 'positive')", name="sentiment_known"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    pii_kinds: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=sql("'[]'"))
    # What triage proposed (validated values only) and what routing finally applied.
    priority: Mapped[str | None] = mapped_column(String(16))
    team_label: Mapped[str | None] = mapped_column(String(100))
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("teams.id", ondelete="SET NULL")
    )
    tags: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=sql("'[]'"))
    # {"priority": {"urgent": 0.7, …}, "team": {…}, "urgency_cues": [...]}
    scores: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sql("'{}'"))
    # Values an LLM proposed that are not allowed ({"team": "Legal"}): never stored elsewhere.
    rejected: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=sql("'{}'")
    )
    rules_applied: Mapped[list[str]] = mapped_column(
        JSONB, default=list, server_default=sql("'[]'")
    )
    assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    explanation: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class TriageModel(UUIDPrimaryKey, Base):
    """One training of the offline classifier; the newest row is the model in use."""

    __tablename__ = "triage_models"
    __table_args__ = (Index("ix_triage_models_version", "version", unique=True),)

    version: Mapped[int] = mapped_column(Integer)
    embedder: Mapped[str] = mapped_column(String(200))
    # {"priority": [...labels], "team": [...labels]}
    labels: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # numpy .npz of the weight matrices (a few hundred KB).
    weights: Mapped[bytes] = mapped_column(LargeBinary)
    shipped_examples: Mapped[int] = mapped_column(Integer)
    ticket_examples: Mapped[int] = mapped_column(Integer)
    # Training-set accuracy per head, for the admin's curiosity (not a quality claim).
    fit: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sql("'{}'"))
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)


class RoutingRule(UUIDPrimaryKey, TimestampMixin, Base):
    """An admin's rule, run in `position` order after triage: when every condition holds,
    its actions apply (a later match overrides an earlier one unless `stop_processing`)."""

    __tablename__ = "routing_rules"
    __table_args__ = (
        CheckConstraint(
            "set_priority IS NULL OR set_priority IN ('low', 'normal', 'high', 'urgent')",
            name="priority_known",
        ),
        Index("ix_routing_rules_position", "position", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sql("true"))
    conditions: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=sql("'{}'")
    )
    set_team_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("teams.id", ondelete="SET NULL")
    )
    set_priority: Mapped[str | None] = mapped_column(String(16))
    set_assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    add_tags: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=sql("'[]'"))
    stop_processing: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sql("false")
    )
