"""Knowledge base: articles, their immutable versions, and the chunks retrieval reads.

An article is the stable identity (category, tags, locale, audience, owner); what it says
lives in versions. `published_version_id` is the version customers and retrieval see;
`latest_version_id` is the head an editor works on. Editing a published article adds a
draft version while the published one stays live until the new one is approved.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin, UUIDPrimaryKey, utcnow

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "Article",
    "ArticleAudience",
    "ArticleVersion",
    "ArticleVersionState",
    "KbChunk",
]

# all-MiniLM-L6-v2 (the offline default) has 384 dimensions; OpenAI's text-embedding-3
# models are asked for 384 (`dimensions=`), so one indexed column serves every model and
# `embedding_model` tells vectors of different models apart.
EMBEDDING_DIMENSIONS = 384


class ArticleAudience(enum.StrEnum):
    PUBLIC = "public"  # customers, staff and customer-facing AI answers
    INTERNAL = "internal"  # staff only, never a customer


class ArticleVersionState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # was published, replaced by a newer published version
    ARCHIVED = "archived"


class Article(UUIDPrimaryKey, TimestampMixin, Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint("audience IN ('public', 'internal')", name="audience_known"),
        Index("ix_kb_articles_category", "category"),
        Index("ix_kb_articles_locale", "locale"),
        Index("ix_kb_articles_tags", "tags", postgresql_using="gin"),
        Index("ix_kb_articles_updated_id", "updated_at", "id"),
        Index("ix_kb_articles_owner", "owner_id"),
        Index("ix_kb_articles_published_version", "published_version_id"),
        Index("ix_kb_articles_audience", "audience"),
        Index("ix_kb_articles_created_id", "created_at", "id"),
        Index("ix_kb_articles_latest_version", "latest_version_id"),
        # staleArticles: live articles by category, least recently reviewed first.
        Index(
            "ix_kb_articles_live_reviewed",
            "category",
            "last_reviewed_at",
            postgresql_where=sql("published_version_id IS NOT NULL AND archived_at IS NULL"),
        ),
    )

    category: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(50)), default=list, server_default=sql("'{}'")
    )
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    audience: Mapped[str] = mapped_column(
        String(16), default=ArticleAudience.PUBLIC, server_default=ArticleAudience.PUBLIC
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    # Set by the version writer; FKs are declared with use_alter (the two tables point at
    # each other).
    published_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("kb_article_versions.id", ondelete="SET NULL", use_alter=True),
    )
    latest_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("kb_article_versions.id", ondelete="SET NULL", use_alter=True),
    )
    archived_at: Mapped[datetime | None]
    last_reviewed_at: Mapped[datetime | None]


class ArticleVersion(UUIDPrimaryKey, Base):
    """One saved edit: immutable once written, except for its review state."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "number"),
        CheckConstraint(
            "state IN ('draft', 'in_review', 'changes_requested', 'published', "
            "'superseded', 'archived')",
            name="state_known",
        ),
        Index("ix_kb_article_versions_state", "state", "created_at"),
        Index("ix_kb_article_versions_source_sha256", "article_id", "source_sha256"),
        # Re-importing a file finds the article it made by the file's hash alone.
        Index("ix_kb_article_versions_sha256", "source_sha256"),
        # The article list's title search reads the version's title.
        Index(
            "ix_kb_article_versions_title_search",
            sql("to_tsvector('simple', title)"),
            postgresql_using="gin",
        ),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    # The version this edit started from (stale-save detection and diffs).
    based_on_version_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_article_versions.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text)  # sanitised HTML
    body_text: Mapped[str] = mapped_column(Text)  # plain text: diffs, chunking, search
    summary: Mapped[str] = mapped_column(String(500), default="", server_default="")
    state: Mapped[str] = mapped_column(
        String(20), default=ArticleVersionState.DRAFT, server_default=ArticleVersionState.DRAFT
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)
    submitted_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    # An imported document: its hash (re-import of the same file → a new version, not a
    # duplicate article) and the stored original.
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    source_filename: Mapped[str | None] = mapped_column(String(255))
    source_storage_key: Mapped[str | None] = mapped_column(String(500))
    # Which top-level section of the source file this version came from (one article per
    # section), or None for a whole-file import.
    source_section: Mapped[int | None] = mapped_column(Integer)


class KbChunk(UUIDPrimaryKey, Base):
    """A retrievable passage of one article version, with its text and vector indexes."""

    __tablename__ = "kb_chunks"
    __table_args__ = (
        UniqueConstraint("article_version_id", "position"),
        Index("ix_kb_chunks_article", "article_id"),
        # fastupdate off: KB writes are rare, and a GIN pending list is scanned linearly by
        # every search until vacuum merges it (~100 ms at 10k freshly indexed chunks).
        Index(
            "ix_kb_chunks_search_vector",
            "search_vector",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_kb_chunks_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
        Index("ix_kb_chunks_embedding_model", "embedding_model"),
        # The search-cache fingerprint reads max(embedded_at): a re-index changes it.
        Index("ix_kb_chunks_embedded_at", "embedded_at"),
        CheckConstraint("search_config IN ('english', 'simple')", name="search_config_known"),
    )

    article_version_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_article_versions.id", ondelete="CASCADE")
    )
    # Denormalised from the version so filters and the published-only join stay cheap.
    article_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=sql("'{}'")
    )
    text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer, default=0, server_default=sql("0"))
    # Written by the chunker with the text-search configuration of the article's locale.
    # The text-search configuration search_vector was built with (the article's locale:
    # 'english' for en, 'simple' otherwise); queries are parsed with the same one.
    search_config: Mapped[str] = mapped_column(
        String(20), default="simple", server_default="simple"
    )
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, server_default=sql("''::tsvector"), deferred=True, deferred_raiseload=True
    )
    embedding: Mapped[Any | None] = mapped_column(Vector(EMBEDDING_DIMENSIONS), deferred=True)
    embedding_model: Mapped[str | None] = mapped_column(String(120))
    embedded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)
