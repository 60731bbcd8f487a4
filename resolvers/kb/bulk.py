"""`autocrm kb import` and `autocrm kb export`: a help centre from a folder of files, and
back to Markdown with front matter (which imports again as the same articles' content).

Import writes each file in its own transaction (all of its articles or none), keeps the
original in the blob store like the GraphQL import, and with `publish` publishes them and
runs their indexing jobs before returning, so search and AI answers find them at once.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread
from markdownify import markdownify
from sqlalchemy import select

from ai.documents import DocumentRefused, parse_document
from ai.documents.text import front_matter_of
from db.blobs import BlobStore, blob_store
from db.engine import Database
from db.models import Article, ArticleVersion, AuditEntry, Job
from resolvers.kb.import_document import new_source_key
from resolvers.kb.importing import ImportOptions, write_import
from resolvers.kb.writer import INDEX_VERSION_JOB, Source, publish_version
from settings import Settings
from workers.jobs import KINDS
from workers.jobs.runner import JobEnv, run_job
from workers.jobs.sender import Outgoing

__all__ = [
    "IMPORTABLE_SUFFIXES",
    "ExportReport",
    "ImportReport",
    "export_articles",
    "files_to_import",
    "import_files",
]

IMPORTABLE_SUFFIXES = frozenset({".pdf", ".docx", ".doc", ".md", ".markdown", ".txt"})
CLI_LABEL = "autocrm kb import"


@dataclass(slots=True)
class ImportReport:
    articles: int = 0
    versions: int = 0
    pages: int = 0
    published: int = 0
    indexed: int = 0
    # Publishing queued indexing jobs that this build has no worker for (kbSearch's).
    index_pending: int = 0
    refused: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(slots=True)
class ExportReport:
    files: list[Path] = field(default_factory=list)


def files_to_import(paths: list[Path]) -> Iterator[Path]:
    """Each file given, and every importable file under each folder (sorted, recursive)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in IMPORTABLE_SUFFIXES:
                    yield found
        else:
            yield path


class _NoBroker:
    """Jobs run inline here; a retry is left to the server's relay."""

    async def send(self, messages: list[Outgoing]) -> None:
        return None


async def import_files(
    db: Database,
    settings: Settings,
    files: list[Path],
    *,
    publish: bool,
    max_bytes: int,
    advance: Callable[[Path], None] = lambda path: None,
) -> ImportReport:
    store = blob_store(settings)
    try:
        return await _import_all(db, settings, store, files, publish, max_bytes, advance)
    finally:
        await store.aclose()


async def _import_all(
    db: Database,
    settings: Settings,
    store: BlobStore,
    files: list[Path],
    publish: bool,
    max_bytes: int,
    advance: Callable[[Path], None],
) -> ImportReport:
    report = ImportReport()
    jobs: list[uuid.UUID] = []
    for path in files:
        try:
            jobs += await _import_one(db, store, path, publish, max_bytes, report)
        except DocumentRefused as exc:
            report.refused.append((path, str(exc)))
        except OSError as exc:
            report.refused.append((path, f"cannot read it ({exc.strerror or exc})"))
        advance(path)
    if jobs and INDEX_VERSION_JOB in KINDS:
        env = JobEnv(db=db, settings=settings, sender=_NoBroker())
        for job_id in jobs:
            if await run_job(env, job_id) == "succeeded":
                report.indexed += 1
    else:
        report.index_pending = len(jobs)
    return report


async def _import_one(
    db: Database,
    store: BlobStore,
    path: Path,
    publish: bool,
    max_bytes: int,
    report: ImportReport,
) -> list[uuid.UUID]:
    if (await anyio.Path(path).stat()).st_size > max_bytes:
        raise DocumentRefused("too_large", f"larger than {max_bytes:,} bytes")
    data = await anyio.Path(path).read_bytes()
    parsed = await anyio.to_thread.run_sync(parse_document, data, path.name)
    front = front_matter_of(data) if parsed.kind == "markdown" else {}
    key = new_source_key()
    await store.put(key, data)
    source = Source(hashlib.sha256(data).hexdigest(), path.name[:255], key)
    jobs: list[Job] = []
    try:
        async with db.transaction() as session:
            results = await write_import(session, parsed, front, source, ImportOptions(), None)
            for item in results:
                if publish:
                    jobs.append(
                        await publish_version(session, item.article, item.version, reviewer_id=None)
                    )
                session.add(
                    AuditEntry(
                        actor_label=CLI_LABEL,
                        action="kb.import",
                        object_type="Article",
                        object_id=str(item.article.id),
                        changes={
                            "file": path.name,
                            "version": item.version.number,
                            "published": publish,
                        },
                    )
                )
    except BaseException:
        await store.delete(key)
        raise
    report.pages += parsed.pages
    report.articles += sum(1 for item in results if item.created)
    report.versions += len(results)
    report.published += len(jobs)
    return [job.id for job in jobs]


_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(title: str, taken: set[str]) -> str:
    base = _SLUG.sub("-", title.lower()).strip("-")[:60] or "article"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def article_markdown(article: Article, version: ArticleVersion) -> str:
    """Front matter (JSON values, which YAML reads too) and the body as Markdown."""
    meta = {
        "title": version.title,
        "category": article.category,
        "tags": list(article.tags or []),
        "locale": article.locale,
        "audience": article.audience,
        "state": "archived" if article.archived_at else version.state,
        "version": version.number,
    }
    lines = ["---"]
    lines += [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    lines.append("---")
    body = markdownify(version.body_html, heading_style="ATX", bullets="-").strip()
    return "\n".join(lines) + "\n\n" + re.sub(r"\n{3,}", "\n\n", body) + "\n"


async def export_articles(db: Database, out_dir: Path) -> ExportReport:
    """One Markdown file per article (its latest version), named after its title."""
    report = ExportReport()
    await anyio.Path(out_dir).mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    async with db.sessions() as session:
        rows = await session.execute(
            select(Article, ArticleVersion)
            .join(ArticleVersion, ArticleVersion.id == Article.latest_version_id)
            .order_by(Article.created_at, Article.id)
        )
        for article, version in rows.all():
            target = out_dir / f"{_slug(version.title, taken)}.md"
            await anyio.Path(target).write_text(article_markdown(article, version), "utf-8")
            report.files.append(target)
    return report
