"""Builders for the attachment tests: small but valid files made in code, the GraphQL
multipart request a real client sends, and direct reads of what was stored."""

from __future__ import annotations

import io
import json
import struct
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from strawberry import relay

from db.engine import Database
from db.models import Attachment
from tests.conftest import ApiClient

UPLOAD_ATTACHMENT = """
mutation Upload($input: UploadAttachmentInput!) {
  uploadAttachment(input: $input) {
    attachment {
      id filename contentType sizeBytes sha256 createdAt downloadUrl
      uploadedBy { id }
      message { id }
      ticket { id }
    }
    errors { field code message }
  }
}
"""


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (RGB, all red) that image viewers open."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str = "Invoice 42") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bytes(padding: int = 0) -> bytes:
    """A minimal Word document; `padding` puts a large part before word/ (as some writers do)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'
            "/></Types>",
        )
        if padding:
            archive.writestr("docProps/thumbnail.bin", bytes(range(256)) * (padding // 256))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def windows_exe_bytes() -> bytes:
    """The start of a real PE file: DOS header (MZ), DOS stub and PE signature."""
    dos_header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(43)
    dos_header += struct.pack("<I", 0x80)  # e_lfanew
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    stub += b"This program cannot be run in DOS mode.\r\r\n$"
    body = dos_header + stub
    body += bytes(0x80 - len(body)) + b"PE\x00\x00\x4c\x01\x03\x00" + bytes(4096)
    return body


async def post_upload(
    client: ApiClient,
    ticket_id: uuid.UUID,
    content: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    *,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """uploadAttachment as a browser or Apollo client sends it: a multipart form with
    `operations`, `map` and the file part (GraphQL multipart request spec)."""
    variables: dict[str, Any] = {
        "input": {"ticketId": gid("Ticket", ticket_id), "file": None, "messageId": message_id}
    }
    operations = {"query": UPLOAD_ATTACHMENT, "variables": variables}
    all_headers = dict(headers or {})
    if client.token:
        all_headers["Authorization"] = f"Bearer {client.token}"
    return await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, content_type)},
        headers=all_headers,
    )


async def upload(
    client: ApiClient,
    ticket_id: uuid.UUID,
    content: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    **kw: Any,
) -> dict[str, Any]:
    """The uploadAttachment payload (the request itself must not be a GraphQL error)."""
    response = await post_upload(client, ticket_id, content, filename, content_type, **kw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["uploadAttachment"]
    return payload


async def uploaded(client: ApiClient, ticket_id: uuid.UUID, content: bytes, name: str) -> str:
    """Upload that must succeed; returns the Attachment's global ID."""
    payload = await upload(client, ticket_id, content, name)
    assert payload["errors"] == []
    attachment_id: str = payload["attachment"]["id"]
    return attachment_id


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def stored_files(data_dir: Path) -> list[Path]:
    """Every file in the blob store's folder, temporary ones included."""
    root = data_dir / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def attachment_rows(db: Database) -> list[Attachment]:
    async with db.sessions() as session:
        rows = await session.execute(select(Attachment).order_by(Attachment.created_at))
        return list(rows.scalars())
