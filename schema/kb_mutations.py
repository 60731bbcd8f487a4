"""Knowledge-base mutations: write drafts, move them through review, restore versions,
and import documents (a job with progress)."""

from __future__ import annotations

import uuid
from typing import cast

import strawberry
from strawberry.file_uploads import Upload

from db.models import Article as ArticleRow
from db.models import ArticleVersion as VersionRow
from resolvers.attachments.storage import UploadedFile
from resolvers.audit import MutationTx
from resolvers.kb.articles import create_article, restore_article_version, save_article_draft
from resolvers.kb.common import clean_metadata
from resolvers.kb.import_document import import_article_document
from resolvers.kb.importing import ImportOptions
from resolvers.kb.workflow import (
    approve_article,
    archive_article,
    request_article_changes,
    submit_article_for_review,
)
from resolvers.kb.writer import clean_content
from schema.errors import KbError
from schema.ids import decode_id
from schema.jobs import Job
from schema.kb import Article, ArticleAudience, ArticleVersion
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAuthenticated

__all__ = ["KbMutation"]


@strawberry.input(description="A new article; it starts as draft version 1.")
class CreateArticleInput:
    title: str = strawberry.field(description="Title (at most 300 characters).")
    body_html: str = strawberry.field(description="Body as HTML; sanitised when saved.")
    summary: str = strawberry.field(default="", description="A note about this version.")
    category: str | None = strawberry.field(default=None, description="Category.")
    tags: list[str] | None = strawberry.field(default=None, description="Tags (at most 20).")
    locale: str | None = strawberry.field(default=None, description="Language (default en).")
    audience: ArticleAudience | None = strawberry.field(
        default=None, description="PUBLIC (default) or INTERNAL."
    )


@strawberry.input(
    description="A new draft version. `baseVersionId` is the version you started editing "
    "(Article.latestVersion when you opened it): if someone saved since, the save is "
    "refused with STALE_VERSION and nothing is lost."
)
class SaveArticleDraftInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")
    base_version_id: strawberry.ID = strawberry.field(description="The version you edited.")
    title: str = strawberry.field(description="Title (at most 300 characters).")
    body_html: str = strawberry.field(description="Body as HTML; sanitised when saved.")
    summary: str = strawberry.field(default="", description="What you changed.")
    category: str | None = strawberry.field(default=None, description="New category.")
    tags: list[str] | None = strawberry.field(default=None, description="New tags.")
    locale: str | None = strawberry.field(default=None, description="New language.")
    audience: ArticleAudience | None = strawberry.field(
        default=None,
        description="New audience (of a published article: reviewers and admins only).",
    )


@strawberry.input(description="The article whose latest version goes to review.")
class SubmitArticleForReviewInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")


@strawberry.input(description="Publish the article's latest version.")
class ApproveArticleInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")
    comment: str | None = strawberry.field(default=None, description="An optional note.")


@strawberry.input(description="Send the version in review back to its author.")
class RequestArticleChangesInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")
    comment: str = strawberry.field(description="What should change (required).")


@strawberry.input(description="The article to archive.")
class ArchiveArticleInput:
    article_id: strawberry.ID = strawberry.field(description="The article.")


@strawberry.input(description="An old version to bring back as a new draft.")
class RestoreArticleVersionInput:
    version_id: strawberry.ID = strawberry.field(description="The version to restore.")
    summary: str = strawberry.field(default="", description="Why (default: Restored version N).")


@strawberry.input(
    description="A document to import as draft article(s): PDF, Word (.docx), Word 97-2003 "
    "(.doc), Markdown or plain text, at most MAX_UPLOAD_BYTES."
)
class ImportArticleDocumentInput:
    file: Upload = strawberry.field(description="The file (GraphQL multipart request).")
    split_sections: bool = strawberry.field(
        default=False,
        description="One article per top-level section (heading) instead of one article.",
    )
    article_id: strawberry.ID | None = strawberry.field(
        default=None, description="Import as a new draft version of this article instead."
    )
    category: str | None = strawberry.field(default=None, description="Category of new ones.")
    tags: list[str] | None = strawberry.field(default=None, description="Tags of new ones.")
    locale: str | None = strawberry.field(default=None, description="Language (default en).")
    audience: ArticleAudience | None = strawberry.field(
        default=None, description="Audience of new articles (default PUBLIC)."
    )


@strawberry.type(description="Result of an article mutation.")
class ArticlePayload(MutationPayload[KbError]):
    article: Article | None = strawberry.field(default=None, description="The article now.")
    version: ArticleVersion | None = strawberry.field(
        default=None, description="The version this mutation wrote or moved."
    )


@strawberry.type(description="Result of importArticleDocument.")
class ImportArticleDocumentPayload(MutationPayload[KbError]):
    job: Job | None = strawberry.field(
        default=None,
        description="The import job: follow it with jobUpdated; once succeeded its resultRef "
        "is `articles:<uuid>,…`; a file that cannot be read fails it with lastError.",
    )


async def _payload(
    tx: MutationTx, article: ArticleRow | uuid.UUID, version: VersionRow | uuid.UUID | None
) -> ArticlePayload:
    """The payload from rows already in the session (or their ids)."""
    article_row = (
        article if isinstance(article, ArticleRow) else await tx.session.get(ArticleRow, article)
    )
    version_row = (
        version
        if isinstance(version, VersionRow) or version is None
        else await tx.session.get(VersionRow, version)
    )
    return ArticlePayload(
        article=Article.from_row(article_row) if article_row is not None else None,
        version=ArticleVersion.from_row(version_row) if version_row is not None else None,
    )


@strawberry.type
class KbMutation:
    @mutation(
        description="Create an article as draft version 1 (staff).",
        permission_classes=[IsAuthenticated],
    )
    async def create_article(tx: MutationTx, input: CreateArticleInput) -> ArticlePayload:
        meta = clean_metadata(
            input.category,
            input.tags,
            input.locale,
            input.audience.value if input.audience else None,
        )
        version = await create_article(
            tx, clean_content(input.title, input.body_html, input.summary), meta
        )
        return await _payload(tx, version.article_id, version)

    @mutation(
        description="Save a new draft version on top of the version you edited (staff). A "
        "published article stays live until the new version is approved.",
        permission_classes=[IsAuthenticated],
    )
    async def save_article_draft(tx: MutationTx, input: SaveArticleDraftInput) -> ArticlePayload:
        article_id = decode_id(input.article_id, "Article", "articleId")
        base_id = decode_id(input.base_version_id, "ArticleVersion", "baseVersionId")
        meta = clean_metadata(
            input.category,
            input.tags,
            input.locale,
            input.audience.value if input.audience else None,
        )
        content = clean_content(input.title, input.body_html, input.summary)
        version = await save_article_draft(tx, article_id, base_id, content, meta)
        return await _payload(tx, article_id, version)

    @mutation(
        description="Send the latest draft to review (staff).",
        permission_classes=[IsAuthenticated],
    )
    async def submit_article_for_review(
        tx: MutationTx, input: SubmitArticleForReviewInput
    ) -> ArticlePayload:
        article = await submit_article_for_review(
            tx, decode_id(input.article_id, "Article", "articleId")
        )
        return await _payload(tx, article, article.latest_version_id)

    @mutation(
        description="Publish the latest version (reviewers and admins): the previously "
        "published version is superseded, and the new one is indexed for search and AI.",
        permission_classes=[IsAuthenticated],
    )
    async def approve_article(tx: MutationTx, input: ApproveArticleInput) -> ArticlePayload:
        article = await approve_article(
            tx, decode_id(input.article_id, "Article", "articleId"), input.comment
        )
        return await _payload(tx, article, article.latest_version_id)

    @mutation(
        description="Send the version in review back to its author with a comment "
        "(reviewers and admins); the author then saves a new draft.",
        permission_classes=[IsAuthenticated],
    )
    async def request_article_changes(
        tx: MutationTx, input: RequestArticleChangesInput
    ) -> ArticlePayload:
        article = await request_article_changes(
            tx, decode_id(input.article_id, "Article", "articleId"), input.comment
        )
        return await _payload(tx, article, article.latest_version_id)

    @mutation(
        description="Archive an article (reviewers and admins): off the help centre and out "
        "of AI answers; its versions are kept and can be restored.",
        permission_classes=[IsAuthenticated],
    )
    async def archive_article(tx: MutationTx, input: ArchiveArticleInput) -> ArticlePayload:
        article = await archive_article(tx, decode_id(input.article_id, "Article", "articleId"))
        return await _payload(tx, article, None)

    @mutation(
        description="Bring an old version's content back as a new draft (staff).",
        permission_classes=[IsAuthenticated],
    )
    async def restore_article_version(
        tx: MutationTx, input: RestoreArticleVersionInput
    ) -> ArticlePayload:
        version = await restore_article_version(
            tx, decode_id(input.version_id, "ArticleVersion", "versionId"), input.summary
        )
        return await _payload(tx, version.article_id, version)

    @mutation(
        description="Import a document as draft article(s) in a background job (staff); "
        "the original file is kept with the version it made.",
        permission_classes=[IsAuthenticated],
    )
    async def import_article_document(
        tx: MutationTx, input: ImportArticleDocumentInput
    ) -> ImportArticleDocumentPayload:
        meta = clean_metadata(
            input.category,
            input.tags,
            input.locale,
            input.audience.value if input.audience else None,
        )
        options = ImportOptions(
            split_sections=input.split_sections,
            article_id=decode_id(input.article_id, "Article", "articleId")
            if input.article_id
            else None,
            category=meta.category,
            tags=tuple(meta.tags or ()),
            locale=meta.locale or "en",
            audience=meta.audience or "public",
        )
        job = await import_article_document(tx, cast(UploadedFile, input.file), options)
        return ImportArticleDocumentPayload(job=Job.from_row(job))
