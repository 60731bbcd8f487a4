"""Readers' feedback on articles: helpful / not-helpful votes (one per person, replaced by
a new one) and views (at most one per reader per article per day).

The view counter lives with the retrieval and citation counters in db.kb_counters.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from auth import policy
from db.kb_counters import bump_counter, stats_day
from db.models import Article, ArticleView, ArticleVote
from resolvers.audit import MutationTx
from resolvers.errors import Forbidden, NotFound

__all__ = ["record_article_view", "vote_on_article"]


async def _readable_article(tx: MutationTx, article_id: uuid.UUID) -> Article:
    article = await tx.session.get(Article, article_id)
    if article is None or not policy.can_see_article(tx.ctx.principal, article):
        raise NotFound("articleId", "article")
    if not policy.may_give_article_feedback(tx.ctx.principal, article):
        raise Forbidden("Sign in with a user account to vote on or record views of articles.")
    return article


async def vote_on_article(tx: MutationTx, article_id: uuid.UUID, helpful: bool) -> Article:
    """Record the reader's vote; a second vote replaces the first."""
    tx.ctx.require_principal()
    article = await _readable_article(tx, article_id)
    user_id = tx.ctx.principal.user_id if tx.ctx.principal else None
    assert user_id is not None
    before = await tx.session.scalar(
        select(ArticleVote.helpful).where(
            ArticleVote.article_id == article_id, ArticleVote.user_id == user_id
        )
    )
    stmt = (
        insert(ArticleVote)
        .values(article_id=article_id, user_id=user_id, helpful=helpful)
        .on_conflict_do_update(
            index_elements=["article_id", "user_id"],
            set_={"helpful": helpful, "updated_at": func.now()},
        )
    )
    await tx.session.execute(stmt)
    tx.audit("Article", article_id, {"helpful": {"before": before, "after": helpful}})
    return article


async def record_article_view(tx: MutationTx, article_id: uuid.UUID) -> bool:
    """Count a view unless this viewer already viewed the article today; True if counted."""
    tx.ctx.require_principal()
    article = await _readable_article(tx, article_id)
    user_id = tx.ctx.principal.user_id if tx.ctx.principal else None
    marked = await tx.session.scalar(
        insert(ArticleView)
        .values(article_id=article.id, day=stats_day(), user_id=user_id)
        .on_conflict_do_nothing()
        .returning(ArticleView.article_id)
    )
    counted = marked is not None
    if counted:
        await bump_counter(tx.session, "views", [article.id])
    tx.audit("Article", article.id, {"view_counted": {"before": None, "after": counted}})
    return counted
