"""Shared pieces of the knowledge-base use cases: metadata checks, locked loads, the
audit snapshot and the change event every article mutation records."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from auth.principal import Principal
from db.models import Article, ArticleVersion
from db.models.kb import ArticleAudience
from resolvers.audit import MutationTx
from resolvers.changes import ChangeKind, record_change
from resolvers.context import RequestContext
from resolvers.error_codes import KbErrorCode
from resolvers.errors import NotFound, ValidationFailed

__all__ = [
    "ARTICLE_ENTITY",
    "Metadata",
    "article_changed",
    "article_snapshot",
    "clean_metadata",
    "is_live_public",
    "load_article_for_update",
    "load_version_of",
    "require_reviewer",
    "require_writer",
]

ARTICLE_ENTITY = "Article"
MAX_CATEGORY = 100
MAX_TAG = 50
MAX_TAGS = 20
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class Metadata:
    """Article-level fields a mutation may set (None = leave as is)."""

    def __init__(
        self,
        category: str | None = None,
        tags: list[str] | None = None,
        locale: str | None = None,
        audience: str | None = None,
    ) -> None:
        self.category = category
        self.tags = tags
        self.locale = locale
        self.audience = audience


def clean_metadata(
    category: str | None, tags: list[str] | None, locale: str | None, audience: str | None
) -> Metadata:
    clean_category: str | None = None
    if category is not None:
        clean_category = " ".join(category.split())
        if len(clean_category) > MAX_CATEGORY:
            raise ValidationFailed.one(
                "category",
                f"A category has at most {MAX_CATEGORY} characters.",
                KbErrorCode.TOO_LONG,
            )
    clean_tags: list[str] | None = None
    if tags is not None:
        clean_tags = []
        for tag in tags:
            value = " ".join(tag.split()).lower()
            if len(value) > MAX_TAG:
                raise ValidationFailed.one(
                    "tags", f"A tag has at most {MAX_TAG} characters.", KbErrorCode.TOO_LONG
                )
            if value and value not in clean_tags:
                clean_tags.append(value)
        if len(clean_tags) > MAX_TAGS:
            raise ValidationFailed.one(
                "tags", f"An article has at most {MAX_TAGS} tags.", KbErrorCode.INVALID
            )
    clean_locale: str | None = None
    if locale is not None:
        clean_locale = locale.strip()
        if not _LOCALE.match(clean_locale) or len(clean_locale) > 16:
            raise ValidationFailed.one(
                "locale", "A locale is a language tag such as en or pt-BR.", KbErrorCode.INVALID
            )
    if audience is not None and audience not in {a.value for a in ArticleAudience}:
        raise ValidationFailed.one(
            "audience", "The audience is public or internal.", KbErrorCode.INVALID
        )
    return Metadata(clean_category, clean_tags, clean_locale, audience)


def require_writer(ctx: RequestContext) -> Principal:
    return ctx.require(policy.may_write_articles, "Only staff may write knowledge-base articles.")


def require_reviewer(ctx: RequestContext) -> Principal:
    return ctx.require(
        policy.may_review_articles,
        "Only reviewers and admins may publish, send back or archive articles.",
    )


async def load_article_for_update(
    session: AsyncSession, article_id: uuid.UUID, field: str
) -> Article:
    article = (
        await session.execute(select(Article).where(Article.id == article_id).with_for_update())
    ).scalar_one_or_none()
    if article is None:
        raise NotFound(field, "article")
    return article


async def load_version_of(
    session: AsyncSession, article: Article, version_id: uuid.UUID, field: str
) -> ArticleVersion:
    version = await session.get(ArticleVersion, version_id)
    if version is None or version.article_id != article.id:
        raise NotFound(field, "version of this article")
    return version


def is_live_public(article: Article) -> bool:
    """Whether customers can read the article at all (drives the change event's `public`)."""
    return policy.can_see_article(None, article)


def article_snapshot(article: Article, version: ArticleVersion | None = None) -> dict[str, Any]:
    snapshot: dict[str, Any] = {
        "category": article.category,
        "tags": list(article.tags or []),
        "locale": article.locale,
        "audience": article.audience,
        "published_version_id": article.published_version_id,
        "latest_version_id": article.latest_version_id,
        "archived_at": article.archived_at,
    }
    if version is not None:
        snapshot |= {
            "version": version.number,
            "state": version.state,
            "title": version.title,
        }
    return snapshot


def article_changed(tx: MutationTx, article: Article, kind: ChangeKind) -> None:
    """The realtime change event, published after commit (ids only: subscribers re-read
    the article through the policy, so a customer never learns of a draft's content)."""
    record_change(tx, ARTICLE_ENTITY, article.id, kind, public=is_live_public(article))
