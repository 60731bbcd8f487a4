"""Loaders for knowledge-base articles and their versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import Article, ArticleVersion

__all__ = ["load_article_versions_by_id", "load_articles_by_id", "load_versions_by_article_id"]


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
