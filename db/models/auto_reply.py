"""Auto-reply policies: when an AI draft may be sent to the customer without a human, per
channel and/or team (off unless an admin switches a policy on)."""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey

__all__ = ["AutoReplyPolicy"]


class AutoReplyPolicy(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "auto_reply_policies"
    __table_args__ = (
        # One policy per (channel, team); NULL means "any" and is a value of its own here.
        Index(
            "uq_auto_reply_policies_scope",
            sql("coalesce(channel, '')"),
            sql("coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            unique=True,
        ),
        CheckConstraint("min_confidence BETWEEN 0 AND 1", name="confidence_range"),
        CheckConstraint("min_groundedness BETWEEN 0 AND 1", name="groundedness_range"),
    )

    # NULL = every channel / every team; the most specific policy of a ticket wins.
    channel: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("teams.id", ondelete="CASCADE")
    )
    enabled: Mapped[bool] = mapped_column(server_default=sql("false"))
    min_confidence: Mapped[float] = mapped_column(Float, server_default=sql("0.8"))
    min_groundedness: Mapped[float] = mapped_column(Float, server_default=sql("0.8"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
