"""`autocrm kb import` and `autocrm kb export` as an operator runs them (a subprocess
against the real database)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from db.engine import Database
from db.models import Article, ArticleVersion, Job
from tests.ai.documents import SAMPLE_MARKDOWN, docx_document, pdf_document
from tests.ai.word97 import word97_doc
from tests.test_cli import _autocrm


def _help_centre(folder: Path) -> None:
    (folder / "guides").mkdir(parents=True)
    (folder / "guides" / "billing.pdf").write_bytes(
        pdf_document([["Billing guide", "Invoices are sent monthly."], ["Refunds", "In 5 days."]])
    )
    (folder / "guides" / "start.docx").write_bytes(docx_document())
    (folder / "2fa.md").write_bytes(SAMPLE_MARKDOWN.encode())
    (folder / "close.doc").write_bytes(word97_doc(["Closing your account", "Write to us."]))
    (folder / "hours.txt").write_text("Opening hours\n\nWe answer from 9 to 5.\n")
    (folder / "notes.png").write_bytes(b"\x89PNG not imported: not a document type")


async def _versions(db: Database) -> list[tuple[str, str, str]]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(ArticleVersion.title, ArticleVersion.state, ArticleVersion.body_text).order_by(
                ArticleVersion.title
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_import_a_folder_as_drafts_titled_from_first_headings(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    _help_centre(tmp_path / "kb")

    result = _autocrm(
        "kb",
        "import",
        str(tmp_path / "kb"),
        env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")},
    )

    assert result.returncode == 0, result.stderr
    assert "5 article version(s) imported as drafts from 5 file(s)" in result.stdout
    titles = [(title, state) for title, state, _ in await _versions(db)]
    assert titles == [
        ("Billing guide", "draft"),
        ("Closing your account", "draft"),
        ("Getting started with Acme Cloud", "draft"),
        ("Opening hours", "draft"),
        ("Two-factor authentication", "draft"),
    ]
    assert len(list((tmp_path / "data" / "files" / "kb-sources").iterdir())) == 5


async def test_bad_file_is_skipped_with_its_reason_and_leaves_nothing(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\nText.")
    (tmp_path / "report.pdf").write_text("not a pdf at all")

    result = _autocrm(
        "kb",
        "import",
        str(tmp_path / "ok.md"),
        str(tmp_path / "report.pdf"),
        env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")},
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Skipped" in result.stderr
    assert "named .pdf" in result.stderr
    assert [title for title, _, _ in await _versions(db)] == ["Fine"]
    assert len(list((tmp_path / "data" / "files" / "kb-sources").iterdir())) == 1


async def test_publish_publishes_and_queues_indexing(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("# Shipping times\n\nWe ship in 2 days.")

    result = _autocrm(
        "kb",
        "import",
        "--publish",
        str(tmp_path / "a.md"),
        env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")},
    )

    assert result.returncode == 0, result.stderr
    assert "1 article version(s) published" in result.stdout
    async with db.sessions() as session:
        (article,) = (await session.execute(select(Article))).scalars()
        (job,) = (await session.execute(select(Job))).scalars()
    assert article.published_version_id is not None
    assert (job.kind, job.args) == (
        "kb.index_version",
        {"version_id": str(article.published_version_id)},
    )


async def test_export_then_import_round_trips(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    _help_centre(tmp_path / "kb")
    env = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data")}
    assert _autocrm("kb", "import", str(tmp_path / "kb"), env=env).returncode == 0
    before = await _versions(db)
    async with db.sessions() as session:
        meta_before = sorted(
            (row.category or "", row.tags)
            for row in await session.execute(select(Article.category, Article.tags))
        )

    exported = _autocrm("kb", "export", str(tmp_path / "out"), env=env)
    async with db.engine.begin() as conn:
        await conn.execute(text("TRUNCATE kb_articles, kb_article_versions CASCADE"))
    again = _autocrm("kb", "import", str(tmp_path / "out"), env=env)

    assert exported.returncode == 0, exported.stderr
    assert "Wrote 5 article(s)" in exported.stdout
    assert again.returncode == 0, again.stderr
    after = await _versions(db)
    assert [(t, s) for t, s, _ in after] == [(t, s) for t, s, _ in before]
    for (_, _, old), (_, _, new) in zip(before, after, strict=True):
        assert " ".join(new.split()) == " ".join(old.split())
    async with db.sessions() as session:
        meta_after = sorted(
            (row.category or "", row.tags)
            for row in await session.execute(select(Article.category, Article.tags))
        )
    assert meta_after == meta_before
    markdown = (tmp_path / "out" / "two-factor-authentication.md").read_text()
    assert markdown.startswith('---\ntitle: "Two-factor authentication"\ncategory: "Security"')
