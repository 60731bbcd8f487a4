"""Knowledge-base test data: published articles written straight into our database (the
workflow that publishes them belongs to another module), and a memoising embedder so the
relevance set's chunks are embedded once per test session."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from ai.embeddings.base import Embedder
from db.base import utcnow
from db.engine import Database
from db.models import Article, ArticleVersion

HERE = Path(__file__).parent
_MARKDOWN = MarkdownIt("commonmark").enable("table")


class MemoEmbedder:
    """Wraps a real embedder and remembers each text's vector for the session."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimensions = inner.dimensions
        self.max_tokens = inner.max_tokens
        self._memo: dict[str, list[float]] = {}
        self.embedded = 0  # texts the real model embedded

    def tokenize(self, text: str) -> list[int]:
        return self.inner.tokenize(text)

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for text, vector in zip(
                missing, await self.inner.embed_documents(missing), strict=True
            ):
                self._memo[text] = vector
            self.embedded += len(missing)
        return [self._memo[t] for t in texts]

    async def embed_query(self, text: str) -> list[float]:
        return await self.inner.embed_query(text)


@dataclass(frozen=True)
class HelpArticle:
    slug: str
    category: str
    title: str
    markdown: str


def helpcentre() -> list[HelpArticle]:
    articles = []
    for path in sorted((HERE / "helpcentre").glob("*.md")):
        text = path.read_text()
        title = text.splitlines()[0].lstrip("# ").strip()
        articles.append(HelpArticle(path.stem, path.stem.split("--")[0], title, text))
    return articles


def questions() -> list[tuple[str, str | None]]:
    rows = json.loads((HERE / "questions.json").read_text())
    return [(row["q"], row["a"]) for row in rows]


def markdown_to_html(markdown: str) -> str:
    html: str = _MARKDOWN.render(markdown)
    return html


async def publish_article(
    db: Database,
    *,
    title: str,
    markdown: str,
    audience: str = "public",
    locale: str = "en",
    category: str | None = None,
    tags: Sequence[str] = (),
    published: bool = True,
) -> tuple[uuid.UUID, uuid.UUID]:
    """An article with one version (published unless told otherwise): (article, version)."""
    async with db.transaction() as session:
        article = Article(
            id=uuid.uuid4(), locale=locale, audience=audience, category=category, tags=list(tags)
        )
        session.add(article)
        await session.flush()
        version = ArticleVersion(
            id=uuid.uuid4(),
            article_id=article.id,
            number=1,
            title=title,
            body_html=markdown_to_html(markdown),
            body_text=markdown,
            state="published" if published else "draft",
            published_at=utcnow() if published else None,
        )
        session.add(version)
        await session.flush()
        article.latest_version_id = version.id
        if published:
            article.published_version_id = version.id
    return article.id, version.id


async def add_version(
    db: Database, article_id: uuid.UUID, *, title: str, markdown: str, publish: bool
) -> uuid.UUID:
    """A new version of an article; publishing it supersedes the published one."""
    async with db.transaction() as session:
        article = await session.get(Article, article_id)
        assert article is not None
        number = 1 + len(
            (
                await session.execute(
                    ArticleVersion.__table__.select().where(ArticleVersion.article_id == article_id)
                )
            ).all()
        )
        version = ArticleVersion(
            id=uuid.uuid4(),
            article_id=article_id,
            number=number,
            title=title,
            body_html=markdown_to_html(markdown),
            body_text=markdown,
            state="published" if publish else "draft",
        )
        session.add(version)
        await session.flush()
        article.latest_version_id = version.id
        if publish:
            article.published_version_id = version.id
    return version.id
