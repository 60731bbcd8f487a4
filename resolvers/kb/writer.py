"""Writing articles and versions: the one place rows of kb_articles / kb_article_versions
are created and moved through the workflow, for GraphQL, imports and the CLI alike.

A version's content is sanitised here (allowlist HTML, plain text rendered from it), so no
caller can store unsanitised HTML. Publishing enqueues the `kb.index_version` job in the
same transaction (chunking and embeddings run in a worker).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Article, ArticleVersion, Job
from db.models.kb import ArticleVersionState
from resolvers.error_codes import KbErrorCode
from resolvers.errors import ValidationFailed
from resolvers.sanitize import html_to_text, sanitize_html
from workers.jobs import KINDS, enqueue

__all__ = [
    "INDEX_VERSION_JOB",
    "MAX_ARTICLE_BODY_CHARS",
    "MAX_TITLE",
    "Content",
    "add_version",
    "clean_content",
    "enqueue_index",
    "new_article",
    "publish_version",
]

INDEX_VERSION_JOB = "kb.index_version"
MAX_TITLE = 300
MAX_SUMMARY = 500
# An article body may be a whole imported manual: far above a message's 100 KB.
MAX_ARTICLE_BODY_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class Content:
    """What one version says, cleaned: title (plain text), sanitised HTML, its plain text."""

    title: str
    body_html: str
    body_text: str
    summary: str = ""


def clean_content(title: str, body_html: str, summary: str = "") -> Content:
    """Validate and sanitise; ValidationFailed names the field at fault."""
    clean_title = " ".join(title.split())
    if not clean_title:
        raise ValidationFailed.one("title", "Give the article a title.", KbErrorCode.REQUIRED)
    if len(clean_title) > MAX_TITLE:
        raise ValidationFailed.one(
            "title", f"A title has at most {MAX_TITLE} characters.", KbErrorCode.TOO_LONG
        )
    if len(body_html) > MAX_ARTICLE_BODY_CHARS:
        raise ValidationFailed.one(
            "bodyHtml",
            f"An article body has at most {MAX_ARTICLE_BODY_CHARS:,} characters.",
            KbErrorCode.TOO_LONG,
        )
    html = sanitize_html(body_html)
    text = html_to_text(html)
    if not text.strip():
        raise ValidationFailed.one(
            "bodyHtml", "The article has no text: write something first.", KbErrorCode.REQUIRED
        )
    clean_summary = " ".join(summary.split())
    if len(clean_summary) > MAX_SUMMARY:
        raise ValidationFailed.one(
            "summary",
            f"A change summary has at most {MAX_SUMMARY} characters.",
            KbErrorCode.TOO_LONG,
        )
    return Content(clean_title, html, text, clean_summary)


@dataclass(frozen=True, slots=True)
class Source:
    """The original file a version was imported from (kept in the blob store)."""

    sha256: str
    filename: str
    storage_key: str
    section: int | None = None


async def new_article(
    session: AsyncSession,
    content: Content,
    *,
    category: str | None,
    tags: list[str],
    locale: str,
    audience: str,
    author_id: uuid.UUID | None,
    source: Source | None = None,
) -> tuple[Article, ArticleVersion]:
    """A new article whose version 1 is a draft."""
    article = Article(
        id=uuid.uuid4(),
        category=category,
        tags=tags,
        locale=locale,
        audience=audience,
        author_id=author_id,
        owner_id=author_id,
    )
    # The two tables point at each other: insert the article, then its version, then link.
    session.add(article)
    await session.flush()
    version = _version(article, 1, content, author_id, None, source)
    session.add(version)
    await session.flush()
    article.latest_version_id = version.id
    return article, version


async def add_version(
    session: AsyncSession,
    article: Article,
    content: Content,
    *,
    author_id: uuid.UUID | None,
    based_on: uuid.UUID | None,
    source: Source | None = None,
) -> ArticleVersion:
    """A new draft version on top of the latest (the article row must be locked)."""
    number = (
        await session.execute(
            select(func.coalesce(func.max(ArticleVersion.number), 0)).where(
                ArticleVersion.article_id == article.id
            )
        )
    ).scalar_one()
    version = _version(article, number + 1, content, author_id, based_on, source)
    session.add(version)
    await session.flush()
    article.latest_version_id = version.id
    article.updated_at = utcnow()
    return version


def _version(
    article: Article,
    number: int,
    content: Content,
    author_id: uuid.UUID | None,
    based_on: uuid.UUID | None,
    source: Source | None,
) -> ArticleVersion:
    return ArticleVersion(
        id=uuid.uuid4(),
        article_id=article.id,
        number=number,
        based_on_version_id=based_on,
        title=content.title,
        body_html=content.body_html,
        body_text=content.body_text,
        summary=content.summary,
        state=ArticleVersionState.DRAFT.value,
        created_by_id=author_id,
        created_at=utcnow(),
        source_sha256=source.sha256 if source else None,
        source_filename=source.filename if source else None,
        source_storage_key=source.storage_key if source else None,
        source_section=source.section if source else None,
    )


async def publish_version(
    session: AsyncSession,
    article: Article,
    version: ArticleVersion,
    *,
    reviewer_id: uuid.UUID | None,
    comment: str | None = None,
) -> Job:
    """Make `version` the live one: the previous published version is superseded, the
    article is un-archived, and its indexing job is written in this transaction."""
    now = utcnow()
    if article.published_version_id is not None and article.published_version_id != version.id:
        previous = await session.get(ArticleVersion, article.published_version_id)
        if previous is not None:
            previous.state = ArticleVersionState.SUPERSEDED.value
    version.state = ArticleVersionState.PUBLISHED.value
    version.reviewed_by_id = reviewer_id
    version.reviewed_at = now
    version.review_comment = comment
    version.published_at = now
    article.published_version_id = version.id
    article.archived_at = None
    article.last_reviewed_at = now
    article.updated_at = now
    return enqueue_index(session, version.id, reviewer_id)


def enqueue_index(
    session: AsyncSession, version_id: uuid.UUID, requested_by: uuid.UUID | None
) -> Job:
    """The `kb.index_version` job (chunk + embed), in the caller's transaction.

    The retrieval package registers that kind; where it is not installed the row is still
    written (it then fails as an unknown kind, visible to admins, and re-running it later
    indexes the version), so publishing never depends on it.
    """
    args = {"version_id": str(version_id)}
    if INDEX_VERSION_JOB in KINDS:
        return enqueue(session, INDEX_VERSION_JOB, args, requested_by=requested_by)
    job = Job(
        id=uuid.uuid4(),
        kind=INDEX_VERSION_JOB,
        queue="default",
        args=args,
        status="queued",
        attempts=0,
        max_attempts=5,
        progress=0.0,
        requested_by_id=requested_by,
    )
    session.add(job)
    return job
