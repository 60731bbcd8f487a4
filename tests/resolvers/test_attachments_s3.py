"""Attachments with BLOB_URL=s3://…: the GraphQL upload goes to a real S3-compatible server
(moto on loopback; a multipart upload when large), and the file's downloadUrl leads a real
HTTP client to the bytes through a presigned URL (or through the server, when streaming)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from app import Runtime
from db.engine import Database
from settings import Settings
from tests.conftest import ApiClient, make_user
from tests.resolvers.attachment_helpers import (
    attachment_rows,
    pdf_bytes,
    stored_files,
    upload,
    uploaded,
)
from tests.resolvers.message_helpers import make_ticket
from tests.s3_server import S3Server

MIB = 1024 * 1024
DELETE_ATTACHMENT = """
mutation ($input: DeleteAttachmentInput!) {
  deleteAttachment(input: $input) { deletedAttachmentId errors { field code } }
}
"""
DOWNLOAD_URL = "query ($id: ID!) { node(id: $id) { ... on Attachment { downloadUrl } } }"


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.new_bucket()


@pytest.fixture
def settings(settings: Settings, s3_server: S3Server, bucket: str) -> Settings:
    return settings.model_copy(update=s3_server.settings(bucket, prefix="helpdesk"))


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    assert runtime.blobs is not None
    await runtime.blobs.aclose()  # what the app's lifespan does at shutdown


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_large_upload_lands_in_the_bucket_and_downloads_through_a_presigned_url(
    db: Database, customer: ApiClient, s3_server: S3Server, bucket: str, settings: Settings
) -> None:
    # given: a 6 MiB text file (two parts of a multipart upload at 5 MiB parts)
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    content = b"".join(b"order %07d shipped\n" % i for i in range(6 * MIB // 20 + 1))

    # when
    payload = await upload(customer, ticket.id, content, "orders.txt", "text/plain")

    # then: the bytes are in the bucket under the prefix, none on the local disk
    assert payload["errors"] == []
    (row,) = await attachment_rows(db)
    key = f"helpdesk/{row.storage_key}"
    assert s3_server.keys(bucket) == [key]
    head = s3_server.client().head_object(Bucket=bucket, Key=key)
    assert head["ETag"].strip('"').endswith("-2")
    assert stored_files(settings.data_dir) == []

    # when: a browser follows downloadUrl
    response = await customer.http.get(path_of(payload["attachment"]["downloadUrl"]))

    # then: after checking who asks, the server sends it to a short-lived signed URL
    assert response.status_code == 307
    assert response.headers["cache-control"] == "no-store"
    signed = response.headers["location"]
    assert signed.startswith(s3_server.endpoint)
    assert "X-Amz-Expires=60" in signed
    async with httpx.AsyncClient() as browser:
        fetched = await browser.get(signed)
    assert fetched.status_code == 200
    assert fetched.content == content
    assert fetched.headers["content-type"] == "text/plain"
    assert fetched.headers["content-disposition"] == (
        "attachment; filename=\"orders.txt\"; filename*=UTF-8''orders.txt"
    )


async def test_someone_else_gets_no_signed_url(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    # given: an agent's file on a ticket of another customer
    other = await make_user(db, role="customer", name="Olga Other")
    ticket = await make_ticket(db, other)
    file_id = await uploaded(agent, ticket.id, pdf_bytes(), "internal.pdf")
    link = (await agent.data(DOWNLOAD_URL, {"id": file_id}))["node"]["downloadUrl"]

    # when: the customer calls /files/<id> with their own credentials
    row_id = urlsplit(link).path.rsplit("/", 1)[-1]
    response = await customer.http.get(
        f"/files/{row_id}", headers={"Authorization": f"Bearer {customer.token}"}
    )

    # then
    assert response.status_code == 404
    assert "location" not in response.headers


async def test_streaming_mode_relays_the_bytes_through_the_server(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    settings.s3_downloads = "stream"
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    document = pdf_bytes("Invoice 77")
    payload = await upload(customer, ticket.id, document, "invoice.pdf", "application/pdf")

    response = await customer.http.get(path_of(payload["attachment"]["downloadUrl"]))

    assert response.status_code == 200
    assert response.content == document
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_deleting_an_attachment_removes_its_object(
    db: Database, customer: ApiClient, s3_server: S3Server, bucket: str
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    file_id = await uploaded(customer, ticket.id, pdf_bytes(), "wrong.pdf")
    assert len(s3_server.keys(bucket)) == 1

    data = await customer.data(DELETE_ATTACHMENT, {"input": {"attachmentId": file_id}})

    assert data["deleteAttachment"]["errors"] == []
    assert s3_server.keys(bucket) == []


async def test_refused_upload_leaves_nothing_in_the_bucket(
    db: Database, customer: ApiClient, s3_server: S3Server, bucket: str, settings: Settings
) -> None:
    # given: a limit above one S3 part, and a file just over it (a part is sent before the refusal)
    settings.max_upload_bytes = 6 * MIB
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    content = b"y" * (6 * MIB + 100 * 1024)
    payload = await upload(customer, ticket.id, content, "too-big.txt", "text/plain")

    assert [e["code"] for e in payload["errors"]] == ["TOO_LARGE"]
    assert s3_server.keys(bucket) == []
    assert s3_server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
