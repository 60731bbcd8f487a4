"""Editorial reports over the knowledge base (staff only): content gaps (searches that
found nothing, grouped), stale articles (not reviewed within N days), and broken links
between articles."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from auth import policy
from db.base import utcnow
from db.models import Article, ArticleVersion, KbSearchMiss
from resolvers.context import RequestContext
from resolvers.error_codes import KbErrorCode
from resolvers.errors import ValidationFailed
from resolvers.kb.links import article_links

__all__ = [
    "BrokenLink",
    "BrokenReason",
    "ContentGap",
    "StaleArticle",
    "broken_article_links",
    "content_gaps",
    "stale_articles",
]

MAX_REPORT_ROWS = 100
DEFAULT_GAP_DAYS = 30
MAX_STALE_DAYS = 3650


def _require_staff(ctx: RequestContext) -> None:
    ctx.require(policy.can_see_article_stats, "Only staff may read knowledge-base reports.")


def _first(first: int) -> int:
    if not 1 <= first <= MAX_REPORT_ROWS:
        raise ValidationFailed.one(
            "first", f"`first` must be between 1 and {MAX_REPORT_ROWS}.", KbErrorCode.INVALID
        )
    return first


@dataclass(frozen=True, slots=True)
class ContentGap:
    normalized_query: str
    example_query: str
    count: int
    first_seen: datetime
    last_seen: datetime


async def content_gaps(
    ctx: RequestContext, start: datetime | None, end: datetime | None, first: int
) -> list[ContentGap]:
    """Searches without an answer in [start, end) grouped by their normalised wording
    (lower-case words, punctuation and extra spaces gone), most frequent first."""
    _require_staff(ctx)
    first = _first(first)
    end = end or utcnow()
    start = start or end - timedelta(days=DEFAULT_GAP_DAYS)
    if start >= end:
        raise ValidationFailed.one("range", "`from` must be before `to`.", KbErrorCode.INVALID)
    stmt = (
        select(
            KbSearchMiss.normalized_query,
            func.max(KbSearchMiss.query),
            func.count(),
            func.min(KbSearchMiss.created_at),
            func.max(KbSearchMiss.created_at),
        )
        .where(KbSearchMiss.created_at >= start, KbSearchMiss.created_at < end)
        .where(KbSearchMiss.normalized_query != "")
        .group_by(KbSearchMiss.normalized_query)
        .order_by(func.count().desc(), func.max(KbSearchMiss.created_at).desc())
        .limit(first)
    )
    async with ctx.db.sessions() as session:
        rows = (await session.execute(stmt)).all()
    return [
        ContentGap(q, example, n, seen_first, seen_last)
        for q, example, n, seen_first, seen_last in rows
    ]


@dataclass(frozen=True, slots=True)
class StaleArticle:
    article: Article
    reviewed_at: datetime | None
    days_since_review: int | None


async def stale_articles(
    ctx: RequestContext, days: int, category: str | None, first: int
) -> list[StaleArticle]:
    """Live published articles whose last review (or, never reviewed, publication) is more
    than `days` ago, by category, the longest unreviewed first."""
    _require_staff(ctx)
    first = _first(first)
    if not 1 <= days <= MAX_STALE_DAYS:
        raise ValidationFailed.one(
            "days", f"`days` must be between 1 and {MAX_STALE_DAYS}.", KbErrorCode.INVALID
        )
    now = utcnow()
    reviewed = func.coalesce(Article.last_reviewed_at, ArticleVersion.published_at)
    stmt = (
        select(Article, reviewed)
        .join(ArticleVersion, ArticleVersion.id == Article.published_version_id)
        .where(Article.published_version_id.is_not(None), Article.archived_at.is_(None))
        .where((reviewed < now - timedelta(days=days)) | reviewed.is_(None))
        .order_by(Article.category.asc().nulls_first(), reviewed.asc().nulls_first(), Article.id)
        .limit(first)
    )
    if category is not None:
        clean = " ".join(category.split())
        stmt = stmt.where(Article.category == clean) if clean else stmt
    async with ctx.db.sessions() as session:
        rows = (await session.execute(stmt)).all()
    return [StaleArticle(row, at, (now - at).days if at is not None else None) for row, at in rows]


class BrokenReason(enum.StrEnum):
    MISSING = "missing"  # no such article (deleted, or a mistyped ID)
    ARCHIVED = "archived"
    UNPUBLISHED = "unpublished"  # exists, never published (a draft)
    INTERNAL = "internal"  # a public article links to an internal one customers cannot open


@dataclass(frozen=True, slots=True)
class BrokenLink:
    article: Article
    href: str
    target_id: uuid.UUID | None
    reason: BrokenReason


def _reason(source: Article, target: Article | None) -> BrokenReason | None:
    if target is None:
        return BrokenReason.MISSING
    if target.archived_at is not None:
        return BrokenReason.ARCHIVED
    if target.published_version_id is None:
        return BrokenReason.UNPUBLISHED
    if source.audience == "public" and target.audience != "public":
        return BrokenReason.INTERNAL
    return None


async def broken_article_links(ctx: RequestContext, first: int) -> list[BrokenLink]:
    """Links in live published bodies to articles readers cannot open. Two statements: the
    published bodies, then the linked articles."""
    _require_staff(ctx)
    first = _first(first)
    async with ctx.db.sessions() as session:
        sources = (
            await session.execute(
                select(Article, ArticleVersion.body_html)
                .join(ArticleVersion, ArticleVersion.id == Article.published_version_id)
                .where(Article.archived_at.is_(None))
                .where(ArticleVersion.body_html.contains("href"))
                .order_by(Article.category.asc().nulls_first(), Article.id)
            )
        ).all()
        links = [
            (source, href, target)
            for source, body in sources
            for href, target in article_links(body)
        ]
        target_ids = {target for _, _, target in links if target is not None}
        targets = (
            {
                row.id: row
                for row in (
                    await session.execute(select(Article).where(Article.id.in_(target_ids)))
                ).scalars()
            }
            if target_ids
            else {}
        )
    broken: list[BrokenLink] = []
    for source, href, target_id in links:
        reason = _reason(source, targets.get(target_id) if target_id else None)
        if reason is not None:
            broken.append(BrokenLink(source, href, target_id, reason))
            if len(broken) == first:
                break
    return broken
