"""Customer 360: interactions logged outside tickets and staff notes on a customer.

Both keep revision history (who changed what, when) and are soft-deleted, so the
customer timeline and the audit log can always explain what happened.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = [
    "CustomerNote",
    "CustomerNoteRevision",
    "Interaction",
    "InteractionDirection",
    "InteractionParticipant",
    "InteractionRevision",
    "InteractionType",
]


class InteractionType(enum.StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"  # an e-mail sent or received outside AutoCRM
    CHAT = "chat"  # a chat on another channel
    VISIT = "visit"
    OTHER = "other"


class InteractionDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Interaction(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(
            "type IN ('call', 'meeting', 'email', 'chat', 'visit', 'other')", name="type_known"
        ),
        CheckConstraint("direction IN ('inbound', 'outbound')", name="direction_known"),
        CheckConstraint("duration_seconds IS NULL OR duration_seconds >= 0", name="duration"),
        Index("ix_interactions_customer_occurred", "customer_id", "occurred_at", "id"),
        Index("ix_interactions_occurred", "occurred_at"),
        Index("ix_interactions_type_occurred", "type", "occurred_at"),
        Index("ix_interactions_ticket", "ticket_id"),
        Index("ix_interactions_author", "author_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(50))  # "phone", "whatsapp", "in person"
    occurred_at: Mapped[datetime]
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text, default="", server_default="")  # sanitised
    body_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Internal interactions are staff-only even on the customer's own public timeline.
    internal: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="SET NULL")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )


class InteractionParticipant(Base):
    """A staff member who took part in an interaction."""

    __tablename__ = "interaction_participants"
    __table_args__ = (Index("ix_interaction_participants_user", "user_id"),)

    interaction_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class InteractionRevision(UUIDPrimaryKey, Base):
    """An interaction's editable fields as they were before an edit."""

    __tablename__ = "interaction_revisions"
    __table_args__ = (
        Index("ix_interaction_revisions_interaction", "interaction_id", "created_at"),
    )

    interaction_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("interactions.id", ondelete="CASCADE")
    )
    editor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    previous: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)


class CustomerNote(UUIDPrimaryKey, TimestampMixin, Base):
    """A staff note on a customer: never visible to the customer."""

    __tablename__ = "customer_notes"
    __table_args__ = (
        Index("ix_customer_notes_customer", "customer_id", "pinned", "created_at", "id"),
        Index("ix_customer_notes_customer_created", "customer_id", "created_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    body_html: Mapped[str] = mapped_column(Text)  # sanitised
    body_text: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    deleted_at: Mapped[datetime | None]


class CustomerNoteRevision(UUIDPrimaryKey, Base):
    __tablename__ = "customer_note_revisions"
    __table_args__ = (Index("ix_customer_note_revisions_note", "note_id", "created_at"),)

    note_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customer_notes.id", ondelete="CASCADE")
    )
    editor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    body_html: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
