"""Reading the knowledge base: the article list (filters, order, pages), articles and
versions by id, and version diffs — each through the policy's scope and read rules."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from auth import policy
from db.models import Article, ArticleVersion
from db.pagination import Page, PageRequest, SortKey, fetch_page
from db.trigrams import words
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import ValidationFailed
from resolvers.kb.diff import TextDiff, diff_text
from resolvers.search import search_text

__all__ = [
    "ARCHIVED",
    "ArticleFilter",
    "ArticleSort",
    "articles_page",
    "readable_version_id",
    "version_diff",
    "visible_articles",
    "visible_versions",
]

# The article-level state of an archived article (its versions say archived too).
ARCHIVED = "archived"


class ArticleSort(enum.Enum):
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    states: frozenset[str] | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    locale: str | None = None
    audience: str | None = None
    search: str | None = None


def readable_version_id(ctx: RequestContext, article: Article) -> uuid.UUID | None:
    """The version this viewer reads: staff the latest, everyone else the published one."""
    if ctx.allows(policy.can_see_article_drafts):
        return article.latest_version_id
    return article.published_version_id


def _prefix_query(search: str) -> Any:
    """Every word of the search as a prefix ("refu pol" finds "Refund policy")."""
    terms = " & ".join(f"{word}:*" for word in words(search)[:20])
    return func.to_tsquery("simple", terms)


def _filtered(ctx: RequestContext, f: ArticleFilter, shown: Any) -> Select[Any]:
    """Articles in scope joined with the version each viewer reads (`shown`)."""
    staff = ctx.allows(policy.can_see_article_drafts)
    version_column = Article.latest_version_id if staff else Article.published_version_id
    stmt = (
        select(Article)
        .join(shown, shown.id == version_column)
        .where(policy.article_scope(ctx.principal))
    )
    if f.states is not None:
        wanted = set(f.states)
        conditions: list[ColumnElement[bool]] = []
        if ARCHIVED in wanted:
            conditions.append(Article.archived_at.is_not(None))
        version_states = wanted - {ARCHIVED}
        if version_states:
            conditions.append(and_(Article.archived_at.is_(None), shown.state.in_(version_states)))
        stmt = stmt.where(or_(*conditions) if conditions else false())
    if f.category is not None:
        stmt = stmt.where(Article.category == f.category)
    if f.tags:
        stmt = stmt.where(Article.tags.contains(list(f.tags)))
    if f.locale is not None:
        stmt = stmt.where(Article.locale == f.locale)
    if f.audience is not None:
        stmt = stmt.where(Article.audience == f.audience)
    search = search_text(f.search, "filter.search")
    if search:
        stmt = stmt.where(func.to_tsvector("simple", shown.title).op("@@")(_prefix_query(search)))
    return stmt


async def articles_page(
    ctx: RequestContext, f: ArticleFilter, sort: ArticleSort, descending: bool, page: PageRequest
) -> Page[Article]:
    """Staff list every article (filtered on the latest version's title and state);
    others the live public ones (on their published version's)."""
    ctx.require_principal()
    shown = aliased(ArticleVersion)
    stmt = _filtered(ctx, f, shown)
    column = Article.created_at if sort is ArticleSort.CREATED_AT else Article.updated_at
    key = SortKey(column, lambda row: getattr(row, column.key), descending)
    async with ctx.db.sessions() as session:
        result: Page[Article] = await fetch_page(
            session, stmt, key, Article.id, page, max_size=ctx.settings.max_page_size
        )
    for row in result.rows:
        ctx.loaders.article_by_id.prime(row.id, row)
    return result


async def visible_articles(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[Article | None]:
    keys = [key for key in ids if key is not None]
    if ctx.principal is None or not keys:
        return [None] * len(ids)
    rows = await ctx.loaders.article_by_id.load_many(keys)
    by_id = {
        row.id: row
        for row in rows
        if row is not None and policy.can_see_article(ctx.principal, row)
    }
    return [by_id.get(key) if key is not None else None for key in ids]


async def visible_versions(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[ArticleVersion | None]:
    """Staff read any version; others only the published version of a visible article."""
    keys = [key for key in ids if key is not None]
    if ctx.principal is None or not keys:
        return [None] * len(ids)
    rows = [row for row in await ctx.loaders.article_version_by_id.load_many(keys) if row]
    if not ctx.allows(policy.can_see_article_drafts):
        articles = await ctx.loaders.article_by_id.load_many([row.article_id for row in rows])
        rows = [
            row
            for row, article in zip(rows, articles, strict=True)
            if article is not None
            and policy.can_see_article(ctx.principal, article)
            and article.published_version_id == row.id
        ]
    found = {row.id: row for row in rows}
    return [found.get(key) if key is not None else None for key in ids]


async def version_diff(
    ctx: RequestContext, from_id: uuid.UUID, to_id: uuid.UUID
) -> tuple[ArticleVersion, ArticleVersion, TextDiff]:
    """Staff only (drafts are compared); both versions of one article."""
    ctx.require(policy.can_see_article_drafts, "Only staff may compare article versions.")
    old, new = await ctx.loaders.article_version_by_id.load_many([from_id, to_id])
    if old is None:
        raise ValidationFailed.one(
            "fromId", "No article version with this ID.", CommonErrorCode.NOT_FOUND
        )
    if new is None:
        raise ValidationFailed.one(
            "toId", "No article version with this ID.", CommonErrorCode.NOT_FOUND
        )
    if old.article_id != new.article_id:
        raise ValidationFailed.one(
            "toId", "Both versions must belong to the same article.", CommonErrorCode.INVALID
        )
    old_text = f"{old.title}\n\n{old.body_text}"
    new_text = f"{new.title}\n\n{new.body_text}"
    return old, new, diff_text(old_text, new_text)
