"""Organizations customers belong to, and saved customer segments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Computed, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, column_property, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey

__all__ = ["CustomerSegment", "Organization"]


class Organization(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        Index("ix_organizations_name_id", func.lower(text("name")), "id"),
        Index("ix_organizations_domains", "domains", postgresql_using="gin"),
        Index("ix_organizations_tags", "tags", postgresql_using="gin"),
        Index("ix_organizations_created_id", "created_at", "id"),
        Index("ix_organizations_deleted_at", "deleted_at"),
        Index("ix_organizations_search_vector", "search_vector", postgresql_using="gin"),
    )

    name: Mapped[str] = mapped_column(String(200))
    # Lower-case e-mail domains ("example.com"): a customer's address suggests membership.
    domains: Mapped[list[str]] = mapped_column(
        ARRAY(String(253)), default=list, server_default=text("'{}'")
    )
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), default=list, server_default=text("'{}'")
    )
    custom_fields: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    deleted_at: Mapped[datetime | None]
    # Word-prefix search over the name (migration 0009); only SQL reads it.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('simple', coalesce(name, ''))", persisted=True),
        deferred=True,
        deferred_raiseload=True,
    )
    # The NAME sort key as PostgreSQL computes it, so cursors compare exactly as it does.
    name_key: Mapped[str] = column_property(func.lower(name))


class CustomerSegment(UUIDPrimaryKey, TimestampMixin, Base):
    """A named customer filter, private to its owner or shared with all staff."""

    __tablename__ = "customer_segments"
    __table_args__ = (
        Index("ix_customer_segments_owner", "owner_id", "name"),
        Index("ix_customer_segments_shared", "shared", "name"),
    )

    name: Mapped[str] = mapped_column(String(120))
    # The CustomerFilter input as JSON (the same keys the GraphQL input has).
    filter: Mapped[dict[str, Any]] = mapped_column(JSONB)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE")
    )
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
