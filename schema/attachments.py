"""Attachments: the Attachment type, Ticket.attachments / Message.attachments, and the
uploadAttachment / deleteAttachment mutations (GraphQL multipart request spec)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from db.models import Attachment as AttachmentRow
from db.pagination import PageRequest
from resolvers.attachments import (
    AttachmentCriteria,
    AttachmentSort,
    attachments_page,
    delete_attachment,
    download_url,
    upload_attachment,
    visible_attachments,
)
from resolvers.attachments.storage import UploadedFile
from resolvers.attachments.upload import upload_interaction_attachment
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.error_codes import AttachmentErrorCode
from resolvers.errors import ValidationFailed
from resolvers.messages.queries import visible_messages
from schema.accounts import User, visible_user
from schema.connections import connection_from_page
from schema.errors import AttachmentError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.ordering import OrderDirection
from schema.permissions import IsAuthenticated

if TYPE_CHECKING:
    from schema.messages import Message
    from schema.tickets import Ticket

__all__ = [
    "MESSAGE_ATTACHMENTS_FIELD",
    "TICKET_ATTACHMENTS_FIELD",
    "Attachment",
    "AttachmentConnection",
    "AttachmentsMutation",
]


@strawberry.type(
    description="A file on a ticket: uploaded with uploadAttachment, usually then put on a "
    "message by addMessage(attachmentIds). Its bytes are fetched from downloadUrl."
)
class Attachment(relay.Node):
    id: relay.NodeID[str]
    filename: str = strawberry.field(
        description="The uploaded name, made safe (no folders, at most 255 characters), "
        "with the extension of the detected type."
        " Plain text: escape before rendering as HTML."
    )
    content_type: str = strawberry.field(
        description="The type detected from the file's content (not the name or the type "
        "the client declared), e.g. image/png."
        " Plain text: escape before rendering as HTML."
    )
    size_bytes: int = strawberry.field(description="Size in bytes.")
    sha256: str = strawberry.field(
        description="SHA-256 of the content, hex: spot duplicates."
        " Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    row: strawberry.Private[AttachmentRow]

    @classmethod
    def from_row(cls, row: AttachmentRow) -> Attachment:
        return cls(
            id=str(row.id),
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            created_at=row.created_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_attachments(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    @strawberry.field(
        description="A link that downloads the file for you, valid for a few minutes (10 by "
        "default): usable as a plain <a href> without an Authorization header. Fetch a new "
        "one when it has expired."
        " Plain text: escape before rendering as HTML."
    )
    def download_url(self, info: strawberry.Info[RequestContext]) -> str | None:
        return download_url(info.context, self.row)

    @strawberry.field(
        description="Who uploaded it: customers see staff as a public profile (name only). "
        "Null for API keys and deleted users."
    )
    async def uploaded_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.uploaded_by_id)

    @strawberry.field(description="The message the file is on; null while not on one yet.")
    async def message(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Message, strawberry.lazy("schema.messages")] | None:
        from schema.messages import Message

        if self.row.message_id is None:
            return None
        (row,) = await visible_messages(info.context, [self.row.message_id])
        return Message.from_row(row) if row is not None else None

    @strawberry.field(
        description="The ticket the file belongs to (null for a file on a logged interaction)."
    )
    async def ticket(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        if self.row.ticket_id is None:
            return None
        row = await info.context.loaders.ticket_by_id.load(self.row.ticket_id)
        return Ticket.from_row(row) if row is not None else None


@strawberry.type(description="A page of a ticket's attachments.")
class AttachmentConnection(relay.Connection[Attachment]):
    total_count: int = strawberry.field(description="Attachments matching the filter.")


@strawberry.input(description="Narrow a ticket's attachments; all given conditions must hold.")
class AttachmentFilter:
    content_types: list[str] | None = strawberry.field(
        default=None, description='Any of these detected types, e.g. ["application/pdf"].'
    )
    on_message: bool | None = strawberry.field(
        default=None,
        description="true: only files on a message; false: only uploads not on one yet.",
    )
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.enum(description="What a ticket's attachments can be sorted by.")
class AttachmentOrderField(enum.Enum):
    CREATED_AT = "created_at"
    FILENAME = "filename"
    SIZE = "size"


@strawberry.input(description="Sort order of a ticket's attachments (ties broken by ID).")
class AttachmentOrderBy:
    field: AttachmentOrderField = strawberry.field(
        default=AttachmentOrderField.CREATED_AT, description="Sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="ASC is upload order (oldest first)."
    )


async def ticket_attachments(
    root: Any,
    info: strawberry.Info[RequestContext],
    filter: AttachmentFilter | None = None,
    order_by: AttachmentOrderBy | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> AttachmentConnection:
    f = filter or AttachmentFilter()
    order = order_by or AttachmentOrderBy()
    page = await attachments_page(
        info.context,
        uuid.UUID(str(root.id)),
        AttachmentCriteria(
            content_types=tuple(t.strip().lower() for t in f.content_types or ()),
            on_message=f.on_message,
            created_after=f.created_after,
            created_before=f.created_before,
        ),
        AttachmentSort(order.field.value),
        order.direction is OrderDirection.DESC,
        PageRequest(first=first, after=after, last=last, before=before),
    )
    return connection_from_page(AttachmentConnection, page, Attachment.from_row)


async def message_attachments(root: Any, info: strawberry.Info[RequestContext]) -> list[Attachment]:
    """Message.attachments: whoever sees the message sees its files; one query per response
    for every message in it (DataLoader)."""
    loaders = info.context.loaders
    rows = await loaders.attachments_by_message_id.load(uuid.UUID(str(root.id)))
    for row in rows:
        loaders.attachment_by_id.prime(row.id, row)
    return [Attachment.from_row(row) for row in rows]


# Fields schema/tickets.py and schema/messages.py put on their types.
TICKET_ATTACHMENTS_FIELD = strawberry.field(
    resolver=ticket_attachments,
    description="Every file on the ticket you may see, oldest first by default (customers: "
    "files on public replies, and their own uploads not on a message yet).",
    permission_classes=[IsAuthenticated],
)
MESSAGE_ATTACHMENTS_FIELD = strawberry.field(
    resolver=message_attachments,
    description="The files on this message, in upload order.",
    permission_classes=[IsAuthenticated],
)


@strawberry.input(
    description="A file for a ticket, sent as a GraphQL multipart request "
    "(https://github.com/jaydenseric/graphql-multipart-request-spec)."
)
class UploadAttachmentInput:
    ticket_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The ticket the file belongs to (give this or interactionId).",
    )
    file: Upload = strawberry.field(
        description="The file (25 MB at most by default). Its type is detected from the "
        "content: images (PNG, JPEG, GIF, WebP), PDF, text, CSV, e-mail and Word/Excel/"
        "PowerPoint files are accepted; programs are refused whatever their name."
    )
    message_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Put the file straight on this message of yours (agents and admins: any "
        "message); usually left out and the file is linked by addMessage(attachmentIds). "
        "Reviewers upload too, so their files only ever reach their internal notes.",
    )
    interaction_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Put the file on this logged interaction instead of a ticket (agents "
        "and admins; such files are staff only).",
    )


@strawberry.type(
    description="Result of uploadAttachment; a refused file's error code says why "
    "(too_large, empty_file, unsupported_type, …)."
)
class UploadAttachmentPayload(MutationPayload[AttachmentError]):
    attachment: Attachment | None = strawberry.field(default=None, description="The stored file.")


@strawberry.input(description="The attachment to remove.")
class DeleteAttachmentInput:
    attachment_id: strawberry.ID = strawberry.field(description="The attachment.")


@strawberry.type(description="Result of deleteAttachment.")
class DeleteAttachmentPayload(MutationPayload[AttachmentError]):
    deleted_attachment_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the removed attachment."
    )


@strawberry.type
class AttachmentsMutation:
    @mutation(
        description="Upload a file to a ticket (multipart request). Customers upload to "
        "their own tickets only; closed tickets refuse files (invalid_state). The type is "
        "decided by the content: a program renamed invoice.pdf is refused "
        "(unsupported_type). Link the result to a reply with addMessage(attachmentIds). "
        "With interactionId instead, the file goes on a logged interaction (agents, admins).",
        permission_classes=[IsAuthenticated],
    )
    async def upload_attachment(
        tx: MutationTx, input: UploadAttachmentInput
    ) -> UploadAttachmentPayload:
        if input.interaction_id is not None:
            if input.ticket_id is not None or input.message_id is not None:
                raise ValidationFailed.one(
                    "interactionId",
                    "Give either a ticket (and message) or an interaction, not both.",
                    AttachmentErrorCode.INVALID,
                )
            row = await upload_interaction_attachment(
                tx,
                interaction_id=decode_id(input.interaction_id, "Interaction", "interactionId"),
                upload=cast(UploadedFile, input.file),
            )
            return UploadAttachmentPayload(attachment=Attachment.from_row(row))
        if input.ticket_id is None:
            raise ValidationFailed.one(
                "ticketId",
                "Say which ticket (or interaction) the file is for.",
                AttachmentErrorCode.REQUIRED,
            )
        row = await upload_attachment(
            tx,
            ticket_id=decode_id(input.ticket_id, "Ticket", "ticketId"),
            message_id=(
                decode_id(input.message_id, "Message", "messageId")
                if input.message_id is not None
                else None
            ),
            upload=cast(UploadedFile, input.file),
        )
        return UploadAttachmentPayload(attachment=Attachment.from_row(row))

    @mutation(
        description="Remove a file and its stored bytes. Agents and admins remove any file; "
        "others only their own upload that is not on a message yet.",
        permission_classes=[IsAuthenticated],
    )
    async def delete_attachment(
        tx: MutationTx, input: DeleteAttachmentInput
    ) -> DeleteAttachmentPayload:
        attachment_id = decode_id(input.attachment_id, "Attachment", "attachmentId")
        await delete_attachment(tx, attachment_id)
        return DeleteAttachmentPayload(
            deleted_attachment_id=strawberry.ID(relay.to_base64("Attachment", attachment_id))
        )
