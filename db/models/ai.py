"""One row per LLM call the gateway made (or answered from cache): who it served, what it cost."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

__all__ = ["AiCall", "AiQuotaLimit"]


class AiCall(Base):
    __tablename__ = "ai_calls"
    # aiUsage filters on created_at and groups by day, user, provider, model or operation.
    __table_args__ = (
        Index("ix_ai_calls_created_at", "created_at"),
        Index("ix_ai_calls_user_id_created_at", "user_id", "created_at"),
        Index("ix_ai_calls_api_key_id_created_at", "api_key_id", "created_at"),
        Index("ix_ai_calls_provider_created_at", "provider", "created_at"),
        Index("ix_ai_calls_model_created_at", "model", "created_at"),
        Index("ix_ai_calls_operation_created_at", "operation", "created_at"),
        Index("ix_ai_calls_ticket_id", "ticket_id"),
        Index("ix_ai_calls_job_id", "job_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200))
    # complete, stream or embed: how the gateway was asked.
    call: Mapped[str] = mapped_column(String(16))
    # What the call was for (draft_reply, triage, …): what admins group usage by.
    operation: Mapped[str] = mapped_column(String(80))
    prompt_version: Mapped[str] = mapped_column(String(80))
    tokens_in: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    tokens_out: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # US dollars; NULL when the model has no price in AI_PRICES.
    cost_usd: Mapped[Decimal | None] = mapped_column(Numeric(14, 8))
    first_token_ms: Mapped[int | None] = mapped_column(Integer)
    total_ms: Mapped[int] = mapped_column(Integer)
    cache_hit: Mapped[bool] = mapped_column(server_default=text("false"))
    # ok, error, rate_limited, timeout, first_token_timeout, abandoned (reader stopped).
    outcome: Mapped[str] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(Text)
    # No foreign keys: usage history outlives the users, keys, jobs and tickets it served.
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    api_key_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class AiQuotaLimit(Base):
    """An admin's override of the AI quota settings for one scope (user, api_key,
    installation); a missing row or a NULL column means "as configured in settings"."""

    __tablename__ = "ai_quota_limits"
    __table_args__ = (
        CheckConstraint("scope IN ('user', 'api_key', 'installation')", name="scope_known"),
    )

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    tokens_per_day: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), default=utcnow, onupdate=utcnow
    )
