"""Knowledge-base searches that found nothing: the raw material of the content-gaps report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UUIDPrimaryKey, utcnow

__all__ = ["KbSearchMiss"]


class KbSearchMiss(UUIDPrimaryKey, Base):
    """One search with no hit above the no-answer threshold (by a person or the AI)."""

    __tablename__ = "kb_search_misses"
    __table_args__ = (
        Index("ix_kb_search_misses_created_at", "created_at"),
        # Gaps are grouped by the normalised question within a period.
        Index("ix_kb_search_misses_normalized_created", "normalized_query", "created_at"),
    )

    query: Mapped[str] = mapped_column(String(500))
    # Lower-case words in order: "Where's my REFUND??" and "where's my refund" group together.
    normalized_query: Mapped[str] = mapped_column(String(500))
    locale: Mapped[str | None] = mapped_column(String(16))
    # Who asked: "customer", "staff", "ai" … (no identity: the report is about content).
    source: Mapped[str] = mapped_column(String(20))
    hits: Mapped[int] = mapped_column(default=0, server_default=sql("0"))
    # The best hit's cosine similarity (None: nothing at all came back).
    best_similarity: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(server_default=sql("now()"), default=utcnow)
