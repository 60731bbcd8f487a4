"""Per-article-per-day counters of views, retrievals and AI citations.

One row per article per UTC day (`kb_article_daily_stats`), bumped with an upsert: a search
that returns hits of five articles costs one statement, and totals sum few rows. Here in
db/ so the retrieval code (ai/) and the resolvers both write through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Literal

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.engine import Database
from db.models import Article, ArticleDailyStats

__all__ = ["bump_counter", "record_citations", "record_retrievals", "stats_day"]

Counter = Literal["views", "retrievals", "citations"]


def stats_day() -> date:
    """Counters are kept per UTC day."""
    return utcnow().date()


async def bump_counter(
    session: AsyncSession, counter: Counter, article_ids: Collection[uuid.UUID]
) -> None:
    ids = sorted(set(article_ids))  # one order everywhere: concurrent bumps cannot deadlock
    if not ids:
        return
    table = ArticleDailyStats.__table__
    # From kb_articles, so an id of an article deleted meanwhile is skipped, not an error.
    rows = select(Article.id, literal(stats_day()), literal(1)).where(Article.id.in_(ids))
    stmt = (
        insert(ArticleDailyStats)
        .from_select(["article_id", "day", counter], rows.order_by(Article.id))
        .on_conflict_do_update(
            index_elements=["article_id", "day"], set_={counter: table.c[counter] + 1}
        )
    )
    await session.execute(stmt)


async def _bump_in(
    session_or_db: AsyncSession | Database, counter: Counter, article_ids: Collection[uuid.UUID]
) -> None:
    if not article_ids:
        return
    if isinstance(session_or_db, AsyncSession):
        await bump_counter(session_or_db, counter, article_ids)
        return
    async with session_or_db.transaction() as session:
        await bump_counter(session, counter, article_ids)


async def record_retrievals(
    session_or_db: AsyncSession | Database, article_ids: Collection[uuid.UUID]
) -> None:
    """One search returned hits of these articles: each counts once, however many of its
    chunks were hits."""
    await _bump_in(session_or_db, "retrievals", article_ids)


async def record_citations(
    session_or_db: AsyncSession | Database, article_ids: Collection[uuid.UUID]
) -> None:
    """An AI draft cited these articles (each once per draft)."""
    await _bump_in(session_or_db, "citations", article_ids)
