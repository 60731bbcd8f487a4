"""Knowledge-base analytics: readers' votes, per-day view marks, and per-article-per-day
counters of views, retrievals and AI citations.

Counters are one row per article per UTC day, bumped with an upsert, so a busy article
costs one row a day instead of one row per event, and totals are a sum over few rows.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

__all__ = ["ArticleDailyStats", "ArticleView", "ArticleVote"]


class ArticleVote(Base):
    """One reader's helpful / not-helpful vote on one article (a new vote replaces it)."""

    __tablename__ = "kb_article_votes"
    __table_args__ = (
        # Counting per article reads the primary key's leading column with `helpful`.
        Index("ix_kb_article_votes_article_helpful", "article_id", "helpful"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)


class ArticleView(Base):
    """That a viewer opened an article on a day: a view counts at most once per viewer per
    article per day (the primary key is the de-duplication)."""

    __tablename__ = "kb_article_views"
    __table_args__ = (
        # Old marks are pruned by day.
        Index("ix_kb_article_views_day", "day"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class ArticleDailyStats(Base):
    """How often an article was viewed, retrieved by a search, and cited in an AI draft,
    on one UTC day."""

    __tablename__ = "kb_article_daily_stats"

    article_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0, server_default=sql("0"))
    retrievals: Mapped[int] = mapped_column(Integer, default=0, server_default=sql("0"))
    citations: Mapped[int] = mapped_column(Integer, default=0, server_default=sql("0"))
