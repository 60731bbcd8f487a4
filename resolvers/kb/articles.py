"""Writing articles: create (draft version 1), save a draft on top of the latest version
(refused when based on a stale one), restore an old version as a new draft."""

from __future__ import annotations

import uuid

from auth import policy
from db.models import Article, ArticleVersion
from db.models.kb import ArticleAudience, ArticleVersionState
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind
from resolvers.error_codes import KbErrorCode
from resolvers.errors import ValidationFailed
from resolvers.kb.common import (
    Metadata,
    article_changed,
    article_snapshot,
    load_article_for_update,
    load_version_of,
    require_writer,
)
from resolvers.kb.writer import Content, add_version, new_article

__all__ = ["create_article", "ensure_editable", "restore_article_version", "save_article_draft"]


async def create_article(tx: MutationTx, content: Content, meta: Metadata) -> ArticleVersion:
    principal = require_writer(tx.ctx)
    article, version = await new_article(
        tx.session,
        content,
        category=meta.category or None,
        tags=meta.tags or [],
        locale=meta.locale or "en",
        audience=meta.audience or ArticleAudience.PUBLIC.value,
        author_id=principal.user_id,
    )
    tx.audit("Article", article.id, diff({}, article_snapshot(article, version)))
    article_changed(tx, article, ChangeKind.CREATED)
    return version


def ensure_editable(latest: ArticleVersion | None) -> None:
    if latest is not None and latest.state == ArticleVersionState.IN_REVIEW.value:
        raise ValidationFailed.one(
            "articleId",
            f"Version {latest.number} is waiting for review: a reviewer must approve it or "
            "request changes before the article can be edited again.",
            KbErrorCode.INVALID_STATE,
        )


def _apply_metadata(tx: MutationTx, article: Article, meta: Metadata) -> None:
    if meta.audience is not None and meta.audience != article.audience:
        # Changing who may read live content is a publishing decision.
        if article.published_version_id is not None and not tx.ctx.allows(
            policy.may_review_articles
        ):
            raise ValidationFailed.one(
                "audience",
                "Only reviewers and admins may change the audience of a published article.",
                KbErrorCode.FORBIDDEN,
            )
        article.audience = meta.audience
    if meta.category is not None:
        article.category = meta.category or None
    if meta.tags is not None:
        article.tags = meta.tags
    if meta.locale is not None:
        article.locale = meta.locale


async def save_article_draft(
    tx: MutationTx,
    article_id: uuid.UUID,
    base_version_id: uuid.UUID,
    content: Content,
    meta: Metadata,
) -> ArticleVersion:
    """A new draft version; the published one (if any) stays live until this is approved."""
    principal = require_writer(tx.ctx)
    session = tx.session
    article = await load_article_for_update(session, article_id, "articleId")
    base = await load_version_of(session, article, base_version_id, "baseVersionId")
    latest = await session.get(ArticleVersion, article.latest_version_id)
    if latest is not None and base.id != latest.id:
        raise ValidationFailed.one(
            "baseVersionId",
            f"This article changed while you were editing: you started from version "
            f"{base.number}, but version {latest.number} has been saved since. Reload it, "
            "re-apply your changes and save again.",
            KbErrorCode.STALE_VERSION,
        )
    ensure_editable(latest)
    if article.archived_at is not None:
        raise ValidationFailed.one(
            "articleId",
            "This article is archived: restore one of its versions to edit it again.",
            KbErrorCode.INVALID_STATE,
        )
    before = article_snapshot(article, latest)
    _apply_metadata(tx, article, meta)
    version = await add_version(
        session, article, content, author_id=principal.user_id, based_on=base.id
    )
    tx.audit("Article", article.id, diff(before, article_snapshot(article, version)))
    article_changed(tx, article, ChangeKind.UPDATED)
    return version


async def restore_article_version(
    tx: MutationTx, version_id: uuid.UUID, summary: str
) -> ArticleVersion:
    """The old version's content as a new draft on top of the latest (archived articles
    come back as a draft too)."""
    principal = require_writer(tx.ctx)
    session = tx.session
    old = await session.get(ArticleVersion, version_id)
    if old is None:
        raise ValidationFailed.one(
            "versionId", "No article version with this ID.", KbErrorCode.NOT_FOUND
        )
    article = await load_article_for_update(session, old.article_id, "versionId")
    latest = await session.get(ArticleVersion, article.latest_version_id)
    ensure_editable(latest)
    before = article_snapshot(article, latest)
    content = Content(
        title=old.title,
        body_html=old.body_html,
        body_text=old.body_text,
        summary=summary or f"Restored version {old.number}",
    )
    article.archived_at = None
    version = await add_version(
        session,
        article,
        content,
        author_id=principal.user_id,
        based_on=latest.id if latest is not None else None,
    )
    tx.audit(
        "Article",
        article.id,
        diff(before, article_snapshot(article, version)) | {"restored_from": old.number},
    )
    article_changed(tx, article, ChangeKind.UPDATED)
    return version
