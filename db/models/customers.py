"""Customer records (a person or a company contact) with their e-mails and phones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Computed, ForeignKey, Index, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, column_property, mapped_column, validates

from db.base import Base, TimestampMixin, UUIDPrimaryKey
from db.trigrams import trigrams

__all__ = ["Customer", "CustomerEmail", "CustomerPhone"]


class Customer(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_name_id", func.lower(text("name")), "id"),
        Index("ix_customers_created_id", "created_at", "id"),
        Index("ix_customers_updated_id", "updated_at", "id"),
        Index("ix_customers_company", func.lower(text("company"))),
        Index("ix_customers_tags", "tags", postgresql_using="gin"),
        Index("ix_customers_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_customers_name_trigrams", "name_trigrams", postgresql_using="gin"),
        Index("ix_customers_contact_vector", "contact_vector", postgresql_using="gin"),
        Index("ix_customers_deleted_at", "deleted_at"),
        Index("ix_customers_organization", "organization_id"),
        Index("ix_customers_organization_name", "organization_id", func.lower(text("name")), "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), default=list, server_default=text("'{}'")
    )
    custom_fields: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("organizations.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None]
    # Word-prefix search over name and company ("smi" finds "John Smith"). Search columns
    # are deferred: only SQL reads them, so loading a customer does not ship them.
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(company, ''))",
            persisted=True,
        ),
        deferred=True,
        deferred_raiseload=True,
    )
    # E-mail and phone-digit prefix search without a join: lexemes "e:<email>" and
    # "p:<digits>", kept in step with customer_emails / customer_phones by triggers
    # (migration 0001), so every writer of those tables keeps it right.
    contact_vector: Mapped[Any] = mapped_column(
        TSVECTOR,
        server_default=text("''::tsvector"),
        deferred=True,
        deferred_raiseload=True,
    )
    # Typo-tolerant search: the embedded server has no pg_trgm, so trigrams are ours,
    # kept in step with `name` by the validator below on every ORM write.
    name_trigrams: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        default=list,
        server_default=text("'{}'"),
        deferred=True,
        deferred_raiseload=True,
    )
    # The NAME sort key as PostgreSQL computes it, so cursors compare exactly as it does.
    name_key: Mapped[str] = column_property(func.lower(name))

    @validates("name")
    def _index_name(self, key: str, value: str) -> str:
        self.name_trigrams = trigrams(value)
        return value


class CustomerEmail(UUIDPrimaryKey, Base):
    __tablename__ = "customer_emails"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class CustomerPhone(UUIDPrimaryKey, Base):
    __tablename__ = "customer_phones"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    phone: Mapped[str] = mapped_column(String(32))
    digits: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
