"""External tools: the registered tool, its kept manifest versions, its encrypted
connection (API key or OAuth2 client and tokens) and every run with its outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey

__all__ = ["RUN_STATUSES", "Tool", "ToolConnection", "ToolRun", "ToolVersion"]

RUN_STATUSES = (
    "pending_approval",
    "queued",
    "running",
    "succeeded",
    "failed",
    "timeout",
    "rejected",
)


class Tool(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "tools"

    name: Mapped[str] = mapped_column(String(63), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    current_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tool_versions.id", use_alter=True, ondelete="SET NULL")
    )


class ToolVersion(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "tool_versions"
    __table_args__ = (
        UniqueConstraint("tool_id", "version"),
        Index("ix_tool_versions_tool_created", "tool_id", "created_at"),
    )

    tool_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tools.id", ondelete="CASCADE")
    )
    version: Mapped[str] = mapped_column(String(40))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONB)
    registered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )


class ToolConnection(UUIDPrimaryKey, TimestampMixin, Base):
    """Secrets only as SecretBox ciphertext (purpose "tool-credentials")."""

    __tablename__ = "tool_connections"

    tool_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tools.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # api_key | oauth2
    api_key_enc: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(300))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[float | None] = mapped_column()
    # Authorization code + PKCE in progress: state and the encrypted verifier.
    oauth_state: Mapped[str | None] = mapped_column(String(200), index=True)
    code_verifier_enc: Mapped[str | None] = mapped_column(Text)
    connected_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column()


class ToolRun(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "tool_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_approval', 'queued', 'running', 'succeeded', 'failed', "
            "'timeout', 'rejected')",
            name="status_known",
        ),
        # toolRuns(filter) and toolUsage(range): newest first, by tool, status, ticket.
        Index("ix_tool_runs_created_id", "created_at", "id"),
        Index("ix_tool_runs_tool_created", "tool_id", "created_at"),
        Index("ix_tool_runs_status_created", "status", "created_at"),
        Index("ix_tool_runs_ticket_created", "ticket_id", "created_at"),
    )

    tool_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tools.id", ondelete="CASCADE")
    )
    tool_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tool_versions.id", ondelete="CASCADE")
    )
    caller_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("tickets.id", ondelete="SET NULL")
    )
    input: Mapped[dict[str, Any]] = mapped_column(JSONB)
    output: Mapped[Any | None] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20))
    approver_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    error: Mapped[str | None] = mapped_column(String(2000))
    duration_ms: Mapped[float | None] = mapped_column()
    bytes_in: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    bytes_out: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="SET NULL")
    )
    finished_at: Mapped[datetime | None] = mapped_column()
