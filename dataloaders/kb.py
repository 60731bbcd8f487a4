"""Loaders for knowledge-base articles and their versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import Article, ArticleDailyStats, ArticleVersion, ArticleVote

__all__ = [
    "ArticleStats",
    "load_article_stats",
    "load_article_versions_by_id",
    "load_articles_by_id",
    "load_own_votes",
    "load_versions_by_article_id",
]


async def load_articles_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[Article | None]:
    return await by_key(db, Article, Article.id, keys)


async def load_article_versions_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[ArticleVersion | None]:
    return await by_key(db, ArticleVersion, ArticleVersion.id, keys)


async def load_versions_by_article_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[ArticleVersion]]:
    # Newest first: the history as an editor reads it.
    return await lists_by_key(
        db, ArticleVersion, ArticleVersion.article_id, keys, ArticleVersion.number.desc()
    )


@dataclass(frozen=True, slots=True)
class ArticleStats:
    helpful: int = 0
    not_helpful: int = 0
    views: int = 0
    retrievals: int = 0
    citations: int = 0


async def load_article_stats(db: Database, article_ids: Sequence[uuid.UUID]) -> list[ArticleStats]:
    """Totals of many articles in two statements (votes; summed daily counters)."""
    ids = set(article_ids)
    async with db.sessions() as session:
        votes = (
            await session.execute(
                select(
                    ArticleVote.article_id,
                    func.count().filter(ArticleVote.helpful.is_(True)),
                    func.count().filter(ArticleVote.helpful.is_(False)),
                )
                .where(ArticleVote.article_id.in_(ids))
                .group_by(ArticleVote.article_id)
            )
        ).all()
        counters = (
            await session.execute(
                select(
                    ArticleDailyStats.article_id,
                    func.sum(ArticleDailyStats.views),
                    func.sum(ArticleDailyStats.retrievals),
                    func.sum(ArticleDailyStats.citations),
                )
                .where(ArticleDailyStats.article_id.in_(ids))
                .group_by(ArticleDailyStats.article_id)
            )
        ).all()
    totals: dict[uuid.UUID, dict[str, int]] = {i: {} for i in ids}
    for article_id, helpful, not_helpful in votes:
        totals[article_id] |= {"helpful": int(helpful), "not_helpful": int(not_helpful)}
    for article_id, views, retrievals, citations in counters:
        totals[article_id] |= {
            "views": int(views or 0),
            "retrievals": int(retrievals or 0),
            "citations": int(citations or 0),
        }
    return [ArticleStats(**totals[i]) for i in article_ids]


async def load_own_votes(
    db: Database, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
) -> list[bool | None]:
    """(article id, user id) → that user's vote, for the page's articles in one statement."""
    users = {user for _, user in keys}
    articles = {article for article, _ in keys}
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(ArticleVote.article_id, ArticleVote.user_id, ArticleVote.helpful).where(
                    ArticleVote.article_id.in_(articles), ArticleVote.user_id.in_(users)
                )
            )
        ).all()
    votes = {(a, u): h for a, u, h in rows}
    return [votes.get(key) for key in keys]
