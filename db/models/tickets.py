"""The ticket domain: teams, SLA policies, tickets, followers, messages (with revisions),
attachments and CSAT feedback.

Full-text columns use the 'simple' configuration (no stemming, any language) and are
queried with prefix terms, the same way customer search works.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = [
    "OPEN_STATUSES",
    "Attachment",
    "AuthorKind",
    "SlaPolicy",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketChannel",
    "TicketFeedback",
    "TicketFollower",
    "TicketMessage",
    "TicketMessageRevision",
    "TicketPriority",
    "TicketStatus",
    "Visibility",
]


class TicketStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


# Tickets that still need work: they count against an agent's capacity.
OPEN_STATUSES: tuple[str, ...] = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
)


class TicketPriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketChannel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    API = "api"
    CHAT = "chat"


class AuthorKind(enum.StrEnum):
    USER = "user"
    CUSTOMER = "customer"
    AI = "ai"


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class Team(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Round-robin pointer: the member who got the previous automatic assignment.
    last_assigned_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )


class TeamMember(Base):
    """An agent's membership; `ticket_capacity` caps their open tickets for auto-assignment."""

    __tablename__ = "team_members"
    __table_args__ = (
        CheckConstraint("ticket_capacity >= 0", name="capacity_non_negative"),
        Index("ix_team_members_user_id", "user_id"),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_capacity: Mapped[int] = mapped_column(Integer, default=20, server_default=text("20"))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)


class SlaPolicy(Base):
    """Target times per priority, seeded by migration 0002 and editable by admins."""

    __tablename__ = "sla_policies"

    priority: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), default=utcnow, onupdate=utcnow
    )


class Ticket(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status", "status"),
        Index("ix_tickets_priority_rank_id", "priority_rank", "id"),
        Index("ix_tickets_assignee_id", "assignee_id", "status"),
        Index("ix_tickets_team_id", "team_id"),
        Index("ix_tickets_customer_id", "customer_id", "created_at"),
        Index("ix_tickets_customer_solved", "customer_id", "solved_at"),
        Index("ix_tickets_requester_id", "requester_id"),
        Index("ix_tickets_channel", "channel"),
        Index("ix_tickets_created_id", "created_at", "id"),
        Index("ix_tickets_updated_id", "updated_at", "id"),
        Index("ix_tickets_first_response_due", "first_response_due_at"),
        Index("ix_tickets_resolution_due", "resolution_due_at"),
        # Dashboard medians and reports bucket by these two instants.
        Index("ix_tickets_first_responded_at", "first_responded_at"),
        Index("ix_tickets_solved_at", "solved_at"),
        Index("ix_tickets_merged_into_id", "merged_into_id"),
        Index("ix_tickets_tags", "tags", postgresql_using="gin"),
        Index("ix_tickets_search_vector", "search_vector", postgresql_using="gin"),
    )

    number: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="RESTRICT")
    )
    requester_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal", server_default="normal")
    # Sort key for priority (low=1 … urgent=4): strings do not order by urgency.
    priority_rank: Mapped[int] = mapped_column(
        SmallInteger,
        Computed(
            "CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 "
            "WHEN 'urgent' THEN 4 ELSE 0 END",
            persisted=True,
        ),
    )
    channel: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("teams.id", ondelete="SET NULL")
    )
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), default=list, server_default=text("'{}'")
    )
    custom_fields: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="SET NULL")
    )
    last_message_at: Mapped[datetime | None]
    # Subject only; message text is searched through ticket_messages.search_vector.
    # Deferred (only SQL reads it): loading a ticket does not ship its tsvector.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('simple', coalesce(subject, ''))", persisted=True),
        deferred=True,
        deferred_raiseload=True,
    )


class TicketFollower(Base):
    __tablename__ = "ticket_followers"
    __table_args__ = (Index("ix_ticket_followers_user_id", "user_id"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)


class TicketMessage(UUIDPrimaryKey, Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (
        Index("ix_ticket_messages_ticket_created", "ticket_id", "created_at", "id"),
        Index("ix_ticket_messages_author_user_id", "author_user_id"),
        Index("ix_ticket_messages_search_vector", "search_vector", postgresql_using="gin"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE")
    )
    author_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    author_kind: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16), default="public", server_default="public")
    body_html: Mapped[str] = mapped_column(Text)  # sanitised before it is stored
    body_text: Mapped[str] = mapped_column(Text)  # plain copy for search and AI
    # Deferred (only SQL reads it): loading a message does not ship its tsvector.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('simple', coalesce(body_text, ''))", persisted=True),
        deferred=True,
        deferred_raiseload=True,
    )
    in_reply_to_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ticket_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    edited_at: Mapped[datetime | None]
    # An AI-authored reply an agent approved (accepted suggestion): who approved it.
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )


class TicketMessageRevision(UUIDPrimaryKey, Base):
    """A message body as it was before an edit."""

    __tablename__ = "ticket_message_revisions"
    __table_args__ = (Index("ix_ticket_message_revisions_message", "message_id", "created_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ticket_messages.id", ondelete="CASCADE")
    )
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)


class Attachment(UUIDPrimaryKey, Base):
    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_ticket_id", "ticket_id", "created_at"),
        Index("ix_attachments_message_id", "message_id"),
        Index("ix_attachments_sha256", "sha256"),
        Index("ix_attachments_interaction_id", "interaction_id"),
        CheckConstraint("ticket_id IS NOT NULL OR interaction_id IS NOT NULL", name="has_owner"),
    )

    # A file belongs to a ticket (and maybe one of its messages) or to a logged interaction.
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE")
    )
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("interactions.id", ondelete="CASCADE")
    )
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("ticket_messages.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500))
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)


class TicketFeedback(UUIDPrimaryKey, TimestampMixin, Base):
    """CSAT: one rating per ticket, by the ticket's customer."""

    __tablename__ = "ticket_feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_ticket_feedback_created_id", "created_at", "id"),
    )

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    customer_user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
