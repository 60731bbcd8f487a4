"""importArticleDocument: real files of each kind become draft articles through a job;
each bad kind is refused with a clear error and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import Runtime
from db.engine import Database
from db.models import Article, ArticleVersion, Job
from settings import Settings
from tests.ai.documents import (
    SAMPLE_MARKDOWN,
    docx_document,
    encrypted_pdf,
    pdf_document,
    scanned_pdf,
)
from tests.ai.word97 import word97_doc
from tests.conftest import ApiClient
from tests.resolvers.attachment_helpers import stored_files
from tests.resolvers.kb_helpers import create
from tests.resolvers.ticket_helpers import count

IMPORT = """
mutation ($input: ImportArticleDocumentInput!) {
  importArticleDocument(input: $input) {
    job { id kind status }
    errors { field code message }
  }
}
"""

GUIDE = pdf_document(
    [
        ["Billing guide", "Invoices are sent monthly", "on the first day.", "Refunds"],
        ["Refunds take 5 days to reach", "your card.", "Chargebacks", "We answer in 2 days."],
    ]
)


async def post_import(
    client: ApiClient, content: bytes, filename: str, **options: Any
) -> dict[str, Any]:
    operations = {"query": IMPORT, "variables": {"input": {"file": None, **options}}}
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["importArticleDocument"]
    return payload


async def imported(
    client: ApiClient, runtime: Runtime, content: bytes, filename: str, **options: Any
) -> Job:
    """Import, run the job to its end, and return the finished job row."""
    payload = await post_import(client, content, filename, **options)
    assert payload["errors"] == []
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    async with runtime.db.sessions() as session:
        (job,) = (
            await session.execute(
                select(Job)
                .where(Job.kind == "kb.import_document")
                .order_by(Job.created_at.desc())
                .limit(1)
            )
        ).scalars()
    return job


async def versions(db: Database) -> list[ArticleVersion]:
    async with db.sessions() as session:
        rows = await session.execute(select(ArticleVersion).order_by(ArticleVersion.created_at))
        return list(rows.scalars())


async def test_pdf_becomes_a_draft_article_keeping_the_original(
    agent: ApiClient, runtime: Runtime, db: Database, settings: Settings
) -> None:
    job = await imported(agent, runtime, GUIDE, "billing.pdf")

    assert (job.status, job.progress, job.last_error) == ("succeeded", 1.0, None)
    assert job.progress_message == "writing drafts from 2 page(s)"
    (version,) = await versions(db)
    assert job.result_ref == f"articles:{version.article_id}"
    assert version.title == "Billing guide"
    assert version.state == "draft"
    assert "<h2>Refunds</h2>" in version.body_html
    assert "Refunds take 5 days to reach your card." in version.body_text
    assert version.source_filename == "billing.pdf"
    assert version.source_storage_key is not None
    stored = settings.data_dir / "files" / version.source_storage_key
    assert stored.read_bytes() == GUIDE


async def test_docx_split_into_one_article_per_section(
    agent: ApiClient, runtime: Runtime, db: Database
) -> None:
    job = await imported(
        agent, runtime, docx_document(), "start.docx", splitSections=True, category="Guides"
    )

    assert job.status == "succeeded"
    rows = await versions(db)
    assert [v.title for v in rows] == ["Install the app", "Plans"]
    assert "<table>" in rows[1].body_html
    assert "<ul>" in rows[1].body_html
    assert "<ol>" in rows[0].body_html
    async with db.sessions() as session:
        categories = set((await session.execute(select(Article.category))).scalars())
    assert categories == {"Guides"}


async def test_markdown_front_matter_sets_title_category_and_tags(
    agent: ApiClient, runtime: Runtime, db: Database
) -> None:
    job = await imported(agent, runtime, SAMPLE_MARKDOWN.encode(), "2fa.md")

    assert job.status == "succeeded"
    (version,) = await versions(db)
    assert version.title == "Two-factor authentication"
    assert "&lt;script&gt;" in version.body_html
    assert "<script>" not in version.body_html
    async with db.sessions() as session:
        (article,) = (await session.execute(select(Article))).scalars()
    assert (article.category, article.tags) == ("Security", ["2fa", "login"])


async def test_word97_doc_and_plain_text_import(
    agent: ApiClient, runtime: Runtime, db: Database
) -> None:
    doc = word97_doc(["Closing your account", "Write to support from your account e-mail."])
    assert (await imported(agent, runtime, doc, "close.doc")).status == "succeeded"
    text = b"Opening hours\n\nWe answer from 9 to 5."
    assert (await imported(agent, runtime, text, "hours.txt")).status == "succeeded"

    assert [v.title for v in await versions(db)] == ["Closing your account", "Opening hours"]


async def test_reimporting_the_same_file_adds_a_version_not_an_article(
    agent: ApiClient, runtime: Runtime, db: Database
) -> None:
    first = await imported(agent, runtime, GUIDE, "billing.pdf")
    second = await imported(agent, runtime, GUIDE, "billing-copy.pdf")

    assert first.result_ref == second.result_ref
    assert await count(db, Article) == 1
    assert [v.number for v in await versions(db)] == [1, 2]


async def test_import_into_an_existing_article_makes_a_new_version(
    agent: ApiClient, runtime: Runtime, db: Database
) -> None:
    article_id = (await create(agent, "Hours"))["article"]["id"]

    job = await imported(
        agent, runtime, b"Hours\n\nNow open on Saturdays.", "h.txt", articleId=article_id
    )

    assert job.status == "succeeded"
    assert await count(db, Article) == 1
    latest = (await versions(db))[-1]
    assert (latest.number, latest.body_text) == (2, "Hours\n\nNow open on Saturdays.")


@pytest.mark.parametrize(
    ("content", "filename", "code", "says"),
    [
        (b"", "empty.txt", "EMPTY_FILE", "empty"),
        (b"plain words", "report.pdf", "UNSUPPORTED_TYPE", "named .pdf"),
        (pdf_document([["Hi"]]), "notes.docx", "UNSUPPORTED_TYPE", "named .docx"),
        (b"MZ\x90\x00 program", "setup.exe", "UNSUPPORTED_TYPE", ".exe"),
        (docx_document()[:3000], "cut.docx", "UNREADABLE_FILE", "damaged"),
    ],
)
async def test_files_refused_at_upload_leave_nothing(
    agent: ApiClient,
    db: Database,
    settings: Settings,
    content: bytes,
    filename: str,
    code: str,
    says: str,
) -> None:
    payload = await post_import(agent, content, filename)

    (error,) = payload["errors"]
    assert (error["field"], error["code"]) == ("file", code)
    assert says in error["message"]
    assert payload["job"] is None
    assert await count(db, Job) == 0
    assert stored_files(settings.data_dir) == []


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (scanned_pdf(), "scan.pdf", "no text layer"),
        (encrypted_pdf(), "locked.pdf", "encrypted"),
        (word97_doc(["Locked"], encrypted=True), "locked.doc", "encrypted"),
        (GUIDE[:400], "cut.pdf", "damaged"),
    ],
)
async def test_files_that_cannot_be_read_fail_the_job_and_leave_nothing(
    agent: ApiClient,
    runtime: Runtime,
    db: Database,
    settings: Settings,
    content: bytes,
    filename: str,
    says: str,
) -> None:
    job = await imported(agent, runtime, content, filename)

    assert job.status == "failed"
    assert job.last_error is not None
    assert says in job.last_error
    assert await count(db, Article) == 0
    assert await count(db, ArticleVersion) == 0
    assert [p for p in stored_files(settings.data_dir) if ".tmp" not in p.parts] == []


async def test_oversized_file_is_refused(
    agent: ApiClient, runtime: Runtime, db: Database, settings: Settings
) -> None:
    runtime.settings = settings.model_copy(update={"max_upload_bytes": 1000})
    big = b"Big manual\n\n" + b"word " * 400

    payload = await post_import(agent, big, "manual.txt")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", "TOO_LARGE")]
    assert await count(db, Job) == 0


async def test_customer_cannot_import(customer: ApiClient, db: Database, tmp_path: Path) -> None:
    operations = {"query": IMPORT, "variables": {"input": {"file": None}}}
    response = await customer.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("a.txt", b"Hello\n\nworld", "text/plain")},
        headers={"Authorization": f"Bearer {customer.token}"},
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, Job) == 0
