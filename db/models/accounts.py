"""Users, their sessions and refresh tokens, single-use tokens and API keys."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, column_property, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = ["ApiKey", "AuthSession", "RefreshToken", "Role", "TokenPurpose", "User", "UserToken"]


class Role(enum.StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    REVIEWER = "reviewer"
    CUSTOMER = "customer"

    @property
    def is_staff(self) -> bool:
        return self is not Role.CUSTOMER


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"
    EMAIL_VERIFICATION = "email_verification"


class User(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_role_created", "role", "created_at"),)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    email_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Access tokens issued before this instant are refused (password reset, deactivation).
    sessions_valid_after: Mapped[datetime] = mapped_column(
        server_default=text("now()"), default=utcnow
    )
    preferences: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # The NAME sort key as PostgreSQL computes it, so cursors compare exactly as it does.
    name_key: Mapped[str] = column_property(func.lower(name))


class AuthSession(UUIDPrimaryKey, Base):
    """One login: the family of refresh tokens that rotate from it."""

    __tablename__ = "auth_sessions"
    # usageAnalytics counts logins and session use in a time range.
    __table_args__ = (
        Index("ix_auth_sessions_created_at", "created_at"),
        Index("ix_auth_sessions_last_used_at", "last_used_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class RefreshToken(UUIDPrimaryKey, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class UserToken(UUIDPrimaryKey, Base):
    """A single-use, expiring token sent by e-mail (reset, invitation, verification)."""

    __tablename__ = "user_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiKey(UUIDPrimaryKey, Base):
    __tablename__ = "api_keys"
    # usageAnalytics counts the keys used in a time range.
    __table_args__ = (Index("ix_api_keys_last_used_at", "last_used_at"),)

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
