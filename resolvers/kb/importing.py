"""Turning a parsed document into draft articles: one for the whole file, or one per
top-level section. Re-importing a file (same SHA-256) adds a version to the article(s) it
made before instead of a duplicate. Used by the import job and by `autocrm kb import`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ai.documents import DocumentRefused, ParsedDocument, Section
from db.models import Article, ArticleVersion
from db.models.kb import ArticleAudience, ArticleVersionState
from resolvers.errors import ValidationFailed
from resolvers.kb.writer import MAX_TITLE, Content, Source, add_version, clean_content, new_article

__all__ = ["ImportOptions", "Imported", "write_import"]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How an import lands; carried in the job's arguments."""

    split_sections: bool = False
    article_id: uuid.UUID | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    locale: str = "en"
    audience: str = ArticleAudience.PUBLIC.value
    # Front matter of a Markdown file may override the title and the fields above.
    use_front_matter: bool = True

    def to_args(self) -> dict[str, Any]:
        return {
            "split_sections": self.split_sections,
            "article_id": str(self.article_id) if self.article_id else None,
            "category": self.category,
            "tags": list(self.tags),
            "locale": self.locale,
            "audience": self.audience,
        }

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> ImportOptions:
        article = args.get("article_id")
        return cls(
            split_sections=bool(args.get("split_sections")),
            article_id=uuid.UUID(article) if article else None,
            category=args.get("category"),
            tags=tuple(args.get("tags") or ()),
            locale=args.get("locale") or "en",
            audience=args.get("audience") or ArticleAudience.PUBLIC.value,
        )


@dataclass(slots=True)
class Imported:
    article: Article
    version: ArticleVersion
    created: bool
    notes: list[str] = field(default_factory=list)


def _front_matter_value(raw: str) -> Any:
    """Values are JSON (what `autocrm kb export` writes, also valid YAML) or bare text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip().strip("'\"")


def _content(section: Section, summary: str) -> Content:
    title = section.title[:MAX_TITLE]
    try:
        return clean_content(title, section.html, summary)
    except ValidationFailed as exc:
        raise DocumentRefused("empty", f"Section “{title}”: {exc}") from exc


async def _existing(session: AsyncSession, sha256: str, section: int | None) -> Article | None:
    """The article an earlier import of this very file (and section) made."""
    stmt = (
        select(Article)
        .join(ArticleVersion, ArticleVersion.article_id == Article.id)
        .where(ArticleVersion.source_sha256 == sha256)
        .where(
            ArticleVersion.source_section.is_(None)
            if section is None
            else ArticleVersion.source_section == section
        )
        .order_by(Article.created_at)
        .limit(1)
        .with_for_update(of=Article)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def write_import(
    session: AsyncSession,
    parsed: ParsedDocument,
    front_matter: dict[str, str],
    source: Source,
    options: ImportOptions,
    author_id: uuid.UUID | None,
) -> list[Imported]:
    """Write the drafts in `session` (the caller's transaction: all or nothing)."""
    meta = {k: _front_matter_value(v) for k, v in front_matter.items()}
    title = str(meta.get("title") or parsed.title)
    if options.split_sections and options.article_id is None:
        sections = parsed.sections()
    else:
        sections = [Section(title, parsed.blocks)]
    if len(sections) == 1 and not options.split_sections:
        sections = [Section(title, sections[0].blocks)]
    category = meta.get("category", options.category)
    tags = meta.get("tags", list(options.tags))
    if isinstance(tags, str):  # `tags: a, b` written by hand
        tags = [tag.strip() for tag in tags.split(",")]
    locale = str(meta.get("locale") or options.locale)
    audience = str(meta.get("audience") or options.audience)
    if audience not in {a.value for a in ArticleAudience}:
        raise DocumentRefused("invalid", f"Unknown audience {audience!r} in the front matter.")
    summary = f"Imported from {source.filename}"
    results: list[Imported] = []
    for index, section in enumerate(sections):
        section_no = index if options.split_sections and options.article_id is None else None
        content = _content(section, summary)
        if options.article_id is not None:
            article = (
                await session.execute(
                    select(Article).where(Article.id == options.article_id).with_for_update()
                )
            ).scalar_one_or_none()
            if article is None:
                raise DocumentRefused("invalid", "The article to import into no longer exists.")
        else:
            article = await _existing(session, source.sha256, section_no)
        version_source = Source(source.sha256, source.filename, source.storage_key, section_no)
        if article is None:
            article, version = await new_article(
                session,
                content,
                category=str(category) if category else None,
                tags=[str(t).lower() for t in (tags or [])][:20],
                locale=locale,
                audience=audience,
                author_id=author_id,
                source=version_source,
            )
            results.append(Imported(article, version, created=True))
            continue
        latest = await session.get(ArticleVersion, article.latest_version_id)
        if latest is not None and latest.state == ArticleVersionState.IN_REVIEW.value:
            raise DocumentRefused(
                "invalid",
                f"“{latest.title}” is waiting for review: approve it or request changes "
                "before importing a new version.",
            )
        version = await add_version(
            session,
            article,
            content,
            author_id=author_id,
            based_on=latest.id if latest else None,
            source=version_source,
        )
        article.archived_at = None
        results.append(Imported(article, version, created=False))
    return results
