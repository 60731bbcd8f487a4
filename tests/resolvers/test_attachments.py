"""uploadAttachment through the real multipart request: type checks from the content, size
and empty-file limits, who may upload where, linking to replies, listing and deleting."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from db.engine import Database
from db.models import Attachment, Ticket, TicketMessage
from settings import Settings
from tests.conftest import ApiClient
from tests.resolvers.attachment_helpers import (
    attachment_rows,
    docx_bytes,
    pdf_bytes,
    png_bytes,
    post_upload,
    stored_files,
    upload,
    uploaded,
    windows_exe_bytes,
)
from tests.resolvers.message_helpers import (
    audit_actions,
    count_rows,
    gid,
    make_message,
    make_ticket,
)

ADD_MESSAGE = """
mutation ($input: AddMessageInput!) {
  addMessage(input: $input) {
    message { id visibility attachments { id filename contentType message { id } } }
    errors { field code message }
  }
}
"""

TICKET_ATTACHMENTS = """
query ($id: ID!, $filter: AttachmentFilter, $orderBy: AttachmentOrderBy) {
  ticket(id: $id) {
    attachments(filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { node { id filename contentType sizeBytes message { id } } }
    }
  }
}
"""

NODE = """
query ($id: ID!) { node(id: $id) { id ... on Attachment { filename } } }
"""

TICKET_MESSAGES_WITH_FILES = """
query ($id: ID!) {
  ticket(id: $id) {
    messages(first: 50) {
      edges { node { id attachments { id filename downloadUrl uploadedBy { id } } } }
    }
  }
}
"""

MERGE = """
mutation ($input: MergeTicketsInput!) {
  mergeTickets(input: $input) { errors { field code } }
}
"""

DELETE_ATTACHMENT = """
mutation ($input: DeleteAttachmentInput!) {
  deleteAttachment(input: $input) { deletedAttachmentId errors { field code message } }
}
"""


def problems(payload: dict[str, object]) -> list[tuple[object, object]]:
    errors = payload["errors"]
    assert isinstance(errors, list)
    return [(e["field"], e["code"]) for e in errors]


# --- uploading --------------------------------------------------------------------------


async def test_customer_uploads_a_png_to_their_ticket(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    image = png_bytes()

    # when
    payload = await upload(customer, ticket.id, image, "screenshot.png", "image/png")

    # then
    assert payload["errors"] == []
    attachment = payload["attachment"]
    assert attachment["filename"] == "screenshot.png"
    assert attachment["contentType"] == "image/png"
    assert attachment["sizeBytes"] == len(image)
    assert attachment["sha256"] == hashlib.sha256(image).hexdigest()
    assert attachment["uploadedBy"] == {"id": gid("User", customer.user.id)}
    assert attachment["ticket"] == {"id": gid("Ticket", ticket.id)}
    assert attachment["message"] is None
    assert attachment["downloadUrl"].startswith("http://testserver/files/")
    (row,) = await attachment_rows(db)
    (blob,) = stored_files(settings.data_dir)
    assert blob.read_bytes() == image
    assert str(blob).endswith(row.storage_key)
    (entry,) = await audit_actions(db, "Attachment")
    assert entry.action == "uploadAttachment"
    assert entry.changes["filename"] == {"before": None, "after": "screenshot.png"}


async def test_agent_uploads_a_pdf(db: Database, agent: ApiClient, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    payload = await upload(agent, ticket.id, pdf_bytes(), "invoice.pdf", "application/pdf")

    assert payload["errors"] == []
    assert payload["attachment"]["contentType"] == "application/pdf"
    assert payload["attachment"]["filename"] == "invoice.pdf"


async def test_word_document_is_recognised_from_the_archive(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    # given: a docx whose word/ part comes after 40 KB of other parts
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    payload = await upload(agent, ticket.id, docx_bytes(padding=40_000), "notes", "text/plain")

    assert payload["errors"] == []
    assert payload["attachment"]["contentType"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert payload["attachment"]["filename"] == "notes.docx"


async def test_content_wins_over_declared_type_and_extension(
    db: Database, customer: ApiClient
) -> None:
    # given: a PNG sent as "scan.pdf" with a PDF content type
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    payload = await upload(customer, ticket.id, png_bytes(), "scan.pdf", "application/pdf")

    assert payload["errors"] == []
    assert payload["attachment"]["contentType"] == "image/png"
    assert payload["attachment"]["filename"] == "scan.png"


async def test_csv_and_text_are_accepted_by_content(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    csv = await upload(customer, ticket.id, "name,total\nÅsa,12\n".encode(), "orders.csv")
    page = await upload(customer, ticket.id, b"<script>alert(1)</script>", "page.html", "text/html")

    assert csv["attachment"]["contentType"] == "text/csv"
    # HTML is kept as plain text: it is never served as a page.
    assert page["attachment"]["contentType"] == "text/plain"


async def test_filename_is_stripped_of_folders_and_direction_overrides(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    payload = await upload(customer, ticket.id, png_bytes(), "..\\..\\evil\u202egnp.png")
    long_name = await upload(customer, ticket.id, png_bytes(), "x" * 400 + ".png")

    assert payload["attachment"]["filename"] == "evilgnp.png"
    assert long_name["attachment"]["filename"] == "x" * 251 + ".png"


async def test_disguised_windows_program_is_refused_and_nothing_stored(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: a Windows executable renamed invoice.pdf, declared as a PDF
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    # when
    payload = await upload(
        customer, ticket.id, windows_exe_bytes(), "invoice.pdf", "application/pdf"
    )

    # then
    assert payload["attachment"] is None
    assert problems(payload) == [("file", "UNSUPPORTED_TYPE")]
    assert "program" in payload["errors"][0]["message"]
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []


async def test_binary_content_after_a_text_start_is_refused(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: text for the first 64 KB, then NUL bytes (past what the signature check reads)
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    content = b"a harmless line\n" * 4096 + bytes(1024)

    payload = await upload(customer, ticket.id, content, "readme.txt", "text/plain")

    assert problems(payload) == [("file", "UNSUPPORTED_TYPE")]
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []


async def test_zip_archives_are_refused_by_default(db: Database, customer: ApiClient) -> None:
    import io
    import zipfile

    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("setup.exe", windows_exe_bytes())

    payload = await upload(customer, ticket.id, archive.getvalue(), "photos.zip")

    assert problems(payload) == [("file", "UNSUPPORTED_TYPE")]


async def test_empty_file_is_refused(db: Database, customer: ApiClient, settings: Settings) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    payload = await upload(customer, ticket.id, b"", "empty.txt", "text/plain")

    assert payload["attachment"] is None
    assert problems(payload) == [("file", "EMPTY_FILE")]
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []


async def test_file_over_the_size_limit_is_refused_and_nothing_stored(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: a 2 KB limit
    settings.max_upload_bytes = 2048
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    # when: a valid PDF of 3 KB
    big = pdf_bytes("x" * 3000)
    payload = await upload(customer, ticket.id, big, "big.pdf", "application/pdf")

    # then
    assert payload["attachment"] is None
    assert problems(payload) == [("file", "TOO_LARGE")]
    assert "2 KB" in payload["errors"][0]["message"]
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []
    assert await audit_actions(db, "Attachment") == []


async def test_file_at_the_size_limit_is_accepted(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    content = b"x" * 2048
    settings.max_upload_bytes = len(content)

    payload = await upload(customer, ticket.id, content, "exact.txt")

    assert payload["errors"] == []


async def test_request_body_far_over_the_limit_is_cut_off_before_parsing(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: a 2 KB limit and a 2 MB upload (bigger than the form allowance too)
    settings.max_upload_bytes = 2048
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    response = await post_upload(customer, ticket.id, b"x" * (2 * 1024 * 1024), "huge.txt")

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []


async def test_streamed_body_without_length_is_cut_off_at_the_limit(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: a chunked request body (no Content-Length) that keeps going past the limit
    settings.max_upload_bytes = 2048
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="0"; filename="a.txt"\r\n\r\n'
        for _ in range(100):
            sent.append(64 * 1024)
            yield b"x" * (64 * 1024)

    response = await customer.http.post(
        "/graphql",
        content=body(),
        headers={
            "Content-Type": "multipart/form-data; boundary=b",
            "Authorization": f"Bearer {customer.token}",
        },
    )

    assert response.status_code == 413
    assert sum(sent) < 100 * 64 * 1024  # reading stopped early


async def test_multipart_without_a_preflight_header_is_refused(
    db: Database, anonymous: ApiClient, customer: ApiClient
) -> None:
    # given: what a cross-site HTML form could send (no credentials, no custom header)
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    response = await post_upload(anonymous, ticket.id, png_bytes(), "a.png")

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_PREVENTED"
    assert await count_rows(db, Attachment) == 0


async def test_anonymous_upload_with_preflight_header_needs_a_login(
    db: Database, anonymous: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    response = await post_upload(
        anonymous, ticket.id, png_bytes(), "a.png", headers={"Apollo-Require-Preflight": "true"}
    )

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count_rows(db, Attachment) == 0


async def test_customer_cannot_upload_to_someone_elses_ticket(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    # given: another customer's ticket
    from tests.conftest import make_user

    other = await make_user(db, role="customer", name="Olga Other")
    ticket = await make_ticket(db, other)

    payload = await upload(customer, ticket.id, png_bytes(), "a.png")

    assert problems(payload) == [("ticketId", "NOT_FOUND")]
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []


async def test_closed_ticket_refuses_files(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user, status="closed")

    payload = await upload(customer, ticket.id, png_bytes(), "a.png")

    assert problems(payload) == [("ticketId", "INVALID_STATE")]
    assert await count_rows(db, Attachment) == 0


@pytest.fixture
async def failing_attachment_insert(db: Database) -> AsyncIterator[None]:
    """A real database failure at INSERT time (a trigger), removed afterwards."""
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER refuse_attachment BEFORE INSERT ON attachments "
                "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()"
            )
        )
    yield
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER refuse_attachment ON attachments"))
        await conn.execute(text("DROP FUNCTION refuse_attachment()"))


@pytest.mark.usefixtures("failing_attachment_insert")
async def test_blob_is_removed_when_the_database_write_fails(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)

    response = await post_upload(customer, ticket.id, png_bytes(), "a.png")

    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert stored_files(settings.data_dir) == []


# --- linking to messages ----------------------------------------------------------------


async def test_uploaded_file_is_put_on_a_reply_by_add_message(
    db: Database, customer: ApiClient
) -> None:
    # given
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    first = await uploaded(customer, ticket.id, png_bytes(), "one.png")
    second = await uploaded(customer, ticket.id, pdf_bytes(), "two.pdf")

    # when
    data = await customer.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", ticket.id),
                "bodyHtml": "<p>Screenshots attached</p>",
                "attachmentIds": [first, second],
            }
        },
    )

    # then
    payload = data["addMessage"]
    assert payload["errors"] == []
    message = payload["message"]
    assert [a["id"] for a in message["attachments"]] == [first, second]
    assert {a["message"]["id"] for a in message["attachments"]} == {message["id"]}
    actions = [e.action for e in await audit_actions(db, "Attachment")]
    assert actions.count("addMessage") == 2


async def test_add_message_with_a_file_of_another_ticket_posts_nothing(
    db: Database, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    other_ticket = await make_ticket(db, customer.user, subject="Other")
    foreign = await uploaded(customer, other_ticket.id, png_bytes(), "a.png")

    data = await customer.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", ticket.id),
                "bodyHtml": "<p>see file</p>",
                "attachmentIds": [foreign],
            }
        },
    )

    assert problems(data["addMessage"]) == [("attachmentIds.0", "NOT_FOUND")]
    assert await count_rows(db, TicketMessage) == 0
    assert all(row.message_id is None for row in await attachment_rows(db))


async def test_customer_cannot_link_a_file_staff_uploaded(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    staff_file = await uploaded(agent, ticket.id, pdf_bytes(), "internal.pdf")

    data = await customer.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", ticket.id),
                "bodyHtml": "<p>hi</p>",
                "attachmentIds": [staff_file],
            }
        },
    )

    assert problems(data["addMessage"]) == [("attachmentIds.0", "NOT_FOUND")]
    assert await count_rows(db, TicketMessage) == 0


async def test_a_file_already_on_a_message_cannot_be_linked_again(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    file_id = await uploaded(agent, ticket.id, pdf_bytes(), "a.pdf")
    add = {"ticketId": gid("Ticket", ticket.id), "bodyHtml": "<p>x</p>", "attachmentIds": [file_id]}
    assert (await agent.data(ADD_MESSAGE, {"input": add}))["addMessage"]["errors"] == []

    data = await agent.data(ADD_MESSAGE, {"input": add})

    assert problems(data["addMessage"]) == [("attachmentIds.0", "INVALID_STATE")]
    assert await count_rows(db, TicketMessage) == 1


async def test_upload_straight_onto_own_message(db: Database, customer: ApiClient) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    message = await make_message(db, ticket, customer.user, "<p>mine</p>")

    payload = await upload(
        customer, ticket.id, png_bytes(), "a.png", message_id=gid("Message", message.id)
    )

    assert payload["errors"] == []
    assert payload["attachment"]["message"] == {"id": gid("Message", message.id)}


async def test_customer_cannot_upload_onto_a_staff_message(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    assert customer.user is not None
    assert agent.user is not None
    ticket = await make_ticket(db, customer.user)
    reply = await make_message(db, ticket, agent.user, "<p>staff reply</p>")
    note = await make_message(db, ticket, agent.user, "<p>note</p>", visibility="internal")

    on_reply = await upload(
        customer, ticket.id, png_bytes(), "a.png", message_id=gid("Message", reply.id)
    )
    on_note = await upload(
        customer, ticket.id, png_bytes(), "a.png", message_id=gid("Message", note.id)
    )

    assert problems(on_reply) == [("messageId", "FORBIDDEN")]
    assert problems(on_note) == [("messageId", "NOT_FOUND")]
    assert await count_rows(db, Attachment) == 0


# --- reading ------------------------------------------------------------------------------


async def _files_on_messages(
    db: Database, customer: ApiClient, agent: ApiClient
) -> tuple[Ticket, str, str, str]:
    """A ticket with a file on a public reply, one on an internal note, and one staff
    upload not on a message yet."""
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    public_file = await uploaded(agent, ticket.id, png_bytes(), "public.png")
    note_file = await uploaded(agent, ticket.id, pdf_bytes(), "note.pdf")
    draft_file = await uploaded(agent, ticket.id, pdf_bytes(), "draft.pdf")
    for visibility, file_id in (("PUBLIC", public_file), ("INTERNAL", note_file)):
        data = await agent.data(
            ADD_MESSAGE,
            {
                "input": {
                    "ticketId": gid("Ticket", ticket.id),
                    "bodyHtml": "<p>files</p>",
                    "visibility": visibility,
                    "attachmentIds": [file_id],
                }
            },
        )
        assert data["addMessage"]["errors"] == []
    return ticket, public_file, note_file, draft_file


async def test_customer_sees_files_of_public_replies_and_own_uploads_only(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    # given
    ticket, public_file, note_file, draft_file = await _files_on_messages(db, customer, agent)
    own_file = await uploaded(customer, ticket.id, png_bytes(), "mine.png")
    ticket_id = gid("Ticket", ticket.id)

    # when
    customer_view = await customer.data(TICKET_ATTACHMENTS, {"id": ticket_id})
    staff_view = await agent.data(TICKET_ATTACHMENTS, {"id": ticket_id})

    # then
    seen = [e["node"]["id"] for e in customer_view["ticket"]["attachments"]["edges"]]
    assert seen == [public_file, own_file]
    assert customer_view["ticket"]["attachments"]["totalCount"] == 2
    staff_seen = [e["node"]["id"] for e in staff_view["ticket"]["attachments"]["edges"]]
    assert staff_seen == [public_file, note_file, draft_file, own_file]
    for hidden in (note_file, draft_file):
        assert (await customer.data(NODE, {"id": hidden}))["node"] is None
    assert (await customer.data(NODE, {"id": public_file}))["node"]["filename"] == "public.png"


async def test_ticket_attachments_filter_and_order(
    db: Database, customer: ApiClient, agent: ApiClient
) -> None:
    ticket, _, note_file, _ = await _files_on_messages(db, customer, agent)
    ticket_id = gid("Ticket", ticket.id)

    pdfs = await agent.data(
        TICKET_ATTACHMENTS,
        {
            "id": ticket_id,
            "filter": {"contentTypes": ["application/pdf"], "onMessage": True},
        },
    )
    by_name = await agent.data(
        TICKET_ATTACHMENTS,
        {"id": ticket_id, "orderBy": {"field": "FILENAME", "direction": "DESC"}},
    )

    assert [e["node"]["id"] for e in pdfs["ticket"]["attachments"]["edges"]] == [note_file]
    names = [e["node"]["filename"] for e in by_name["ticket"]["attachments"]["edges"]]
    assert names == ["public.png", "note.pdf", "draft.pdf"]


async def test_message_files_load_in_constant_queries(
    db: Database, agent: ApiClient, customer: ApiClient, count_statements: object
) -> None:
    # given: two tickets' conversations, one with 2 messages and one with 6, 2 files each
    assert customer.user is not None
    assert agent.user is not None

    async def conversation(messages: int) -> str:
        ticket = await make_ticket(db, customer.user)  # type: ignore[arg-type]
        for _ in range(messages):
            message = await make_message(db, ticket, agent.user, "<p>reply</p>")
            for name in ("a.png", "b.png"):
                await upload(
                    agent, ticket.id, png_bytes(), name, message_id=gid("Message", message.id)
                )
        return gid("Ticket", ticket.id)

    small, large = await conversation(2), await conversation(6)

    # when
    counts = []
    for ticket_id in (small, large):
        with count_statements() as counter:  # type: ignore[operator]
            data = await agent.data(TICKET_MESSAGES_WITH_FILES, {"id": ticket_id})
        counts.append(counter.count)
        files = [a for e in data["ticket"]["messages"]["edges"] for a in e["node"]["attachments"]]
        assert all(a["uploadedBy"] == {"id": gid("User", agent.user.id)} for a in files)

    # then
    assert len(files) == 12
    assert counts[0] == counts[1]


# --- merging and deleting ------------------------------------------------------------------


async def test_merge_moves_files_to_the_target_ticket(
    db: Database, agent: ApiClient, customer: ApiClient
) -> None:
    # given: a file on a reply in the duplicate, and a pending upload there
    assert customer.user is not None
    source = await make_ticket(db, customer.user, subject="dup")
    target = await make_ticket(db, customer.user, subject="main")
    on_reply = await uploaded(customer, source.id, png_bytes(), "a.png")
    await customer.data(
        ADD_MESSAGE,
        {
            "input": {
                "ticketId": gid("Ticket", source.id),
                "bodyHtml": "<p>see</p>",
                "attachmentIds": [on_reply],
            }
        },
    )
    pending = await uploaded(customer, source.id, pdf_bytes(), "b.pdf")

    # when
    merged = await agent.data(
        MERGE,
        {"input": {"sourceId": gid("Ticket", source.id), "targetId": gid("Ticket", target.id)}},
    )

    # then
    assert merged["mergeTickets"]["errors"] == []
    view = await customer.data(TICKET_ATTACHMENTS, {"id": gid("Ticket", target.id)})
    assert [e["node"]["id"] for e in view["ticket"]["attachments"]["edges"]] == [
        on_reply,
        pending,
    ]
    assert {row.ticket_id for row in await attachment_rows(db)} == {target.id}


async def test_uploader_deletes_a_pending_upload_and_its_bytes(
    db: Database, customer: ApiClient, settings: Settings
) -> None:
    assert customer.user is not None
    ticket = await make_ticket(db, customer.user)
    file_id = await uploaded(customer, ticket.id, png_bytes(), "oops.png")

    data = await customer.data(DELETE_ATTACHMENT, {"input": {"attachmentId": file_id}})

    assert data["deleteAttachment"] == {"deletedAttachmentId": file_id, "errors": []}
    assert await count_rows(db, Attachment) == 0
    assert stored_files(settings.data_dir) == []
    actions = [e.action for e in await audit_actions(db, "Attachment")]
    assert actions == ["uploadAttachment", "deleteAttachment"]


async def test_customer_cannot_delete_a_file_already_on_a_reply(
    db: Database, customer: ApiClient, agent: ApiClient, settings: Settings
) -> None:
    _, public_file, _, _ = await _files_on_messages(db, customer, agent)

    refused = await customer.data(DELETE_ATTACHMENT, {"input": {"attachmentId": public_file}})
    removed = await agent.data(DELETE_ATTACHMENT, {"input": {"attachmentId": public_file}})

    assert problems(refused["deleteAttachment"]) == [("attachmentId", "FORBIDDEN")]
    assert removed["deleteAttachment"]["errors"] == []
    assert await count_rows(db, Attachment) == 2
    assert len(stored_files(settings.data_dir)) == 2
