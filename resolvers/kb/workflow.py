"""The review workflow: draft → in_review → published (→ superseded), changes_requested
back to an editable draft with the reviewer's comment, and archived."""

from __future__ import annotations

import uuid

from db.base import utcnow
from db.models import Article, ArticleVersion
from db.models.kb import ArticleVersionState
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind
from resolvers.error_codes import KbErrorCode
from resolvers.errors import ValidationFailed
from resolvers.kb.common import (
    article_changed,
    article_snapshot,
    load_article_for_update,
    require_reviewer,
    require_writer,
)
from resolvers.kb.writer import publish_version

__all__ = [
    "MAX_COMMENT",
    "approve_article",
    "archive_article",
    "request_article_changes",
    "submit_article_for_review",
]

MAX_COMMENT = 5000
S = ArticleVersionState


async def _latest(tx: MutationTx, article_id: uuid.UUID) -> tuple[Article, ArticleVersion]:
    article = await load_article_for_update(tx.session, article_id, "articleId")
    latest = await tx.session.get(ArticleVersion, article.latest_version_id)
    if latest is None:
        raise ValidationFailed.one("articleId", "This article has no version.", KbErrorCode.INVALID)
    return article, latest


def _refuse_state(latest: ArticleVersion, action: str) -> ValidationFailed:
    return ValidationFailed.one(
        "articleId",
        f"Version {latest.number} is {latest.state.replace('_', ' ')}: it cannot be {action}.",
        KbErrorCode.INVALID_STATE,
    )


def _clean_comment(comment: str | None, *, required: bool) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise ValidationFailed.one(
            "comment", "Say what should change, for the author.", KbErrorCode.REQUIRED
        )
    if len(text) > MAX_COMMENT:
        raise ValidationFailed.one(
            "comment", f"A comment has at most {MAX_COMMENT} characters.", KbErrorCode.TOO_LONG
        )
    return text or None


def _archived(article: Article) -> None:
    if article.archived_at is not None:
        raise ValidationFailed.one(
            "articleId",
            "This article is archived: restore one of its versions first.",
            KbErrorCode.INVALID_STATE,
        )


async def submit_article_for_review(tx: MutationTx, article_id: uuid.UUID) -> Article:
    require_writer(tx.ctx)
    article, latest = await _latest(tx, article_id)
    _archived(article)
    if latest.state not in (S.DRAFT.value, S.CHANGES_REQUESTED.value):
        raise _refuse_state(latest, "submitted for review")
    before = article_snapshot(article, latest)
    latest.state = S.IN_REVIEW.value
    latest.submitted_at = utcnow()
    article.updated_at = utcnow()
    tx.audit("Article", article.id, diff(before, article_snapshot(article, latest)))
    article_changed(tx, article, ChangeKind.UPDATED)
    return article


async def approve_article(tx: MutationTx, article_id: uuid.UUID, comment: str | None) -> Article:
    """Publish the latest version (in review, or a reviewer's own draft); the version that
    was live becomes superseded, and the new one is queued for indexing."""
    principal = require_reviewer(tx.ctx)
    note = _clean_comment(comment, required=False)
    article, latest = await _latest(tx, article_id)
    _archived(article)
    if latest.state not in (S.IN_REVIEW.value, S.DRAFT.value):
        raise _refuse_state(latest, "approved")
    before = article_snapshot(article, latest)
    job = await publish_version(
        tx.session, article, latest, reviewer_id=principal.user_id, comment=note
    )
    tx.audit(
        "Article",
        article.id,
        diff(before, article_snapshot(article, latest)) | {"index_job": str(job.id)},
    )
    article_changed(tx, article, ChangeKind.UPDATED)
    if tx.ctx.jobs is not None:
        tx.after_commit(tx.ctx.jobs.send_pending, [job])
    return article


async def request_article_changes(tx: MutationTx, article_id: uuid.UUID, comment: str) -> Article:
    principal = require_reviewer(tx.ctx)
    note = _clean_comment(comment, required=True)
    article, latest = await _latest(tx, article_id)
    if latest.state != S.IN_REVIEW.value:
        raise _refuse_state(latest, "sent back (only a version in review can be)")
    before = article_snapshot(article, latest)
    latest.state = S.CHANGES_REQUESTED.value
    latest.reviewed_by_id = principal.user_id
    latest.reviewed_at = utcnow()
    latest.review_comment = note
    article.updated_at = utcnow()
    tx.audit(
        "Article",
        article.id,
        diff(before, article_snapshot(article, latest)) | {"comment": note},
    )
    article_changed(tx, article, ChangeKind.UPDATED)
    return article


async def archive_article(tx: MutationTx, article_id: uuid.UUID) -> Article:
    """Take the article off the help centre and out of retrieval; versions are kept."""
    require_reviewer(tx.ctx)
    article, latest = await _latest(tx, article_id)
    _archived(article)
    before = article_snapshot(article, latest)
    live = (S.DRAFT.value, S.IN_REVIEW.value, S.CHANGES_REQUESTED.value, S.PUBLISHED.value)
    for version_id in {article.published_version_id, article.latest_version_id} - {None}:
        version = await tx.session.get(ArticleVersion, version_id)
        if version is not None and version.state in live:
            version.state = S.ARCHIVED.value
    article.published_version_id = None
    article.archived_at = utcnow()
    article.updated_at = utcnow()
    tx.audit("Article", article.id, diff(before, article_snapshot(article, latest)))
    article_changed(tx, article, ChangeKind.UPDATED)
    return article
