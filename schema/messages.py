"""Messages on a ticket: the Message type, the Ticket.messages / Ticket.lastMessage fields,
and the addMessage / editMessage mutations."""

from __future__ import annotations

import enum
import inspect
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay

from dataloaders import now_or_later
from db.models import TicketMessage as MessageRow
from db.models import TicketMessageRevision as RevisionRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.messages import MessageFilter, add_message, edit_message, messages_page
from resolvers.messages.access import customer_only_public
from resolvers.messages.queries import visible_messages
from schema.accounts import User, visible_user
from schema.attachments import MESSAGE_ATTACHMENTS_FIELD
from schema.connections import connection_from_page, selected_paths
from schema.errors import MessageError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.ordering import OrderDirection
from schema.permissions import IsAuthenticated, IsStaff
from schema.plain_fields import PlainResolver, WithContext, node_global_id
from schema.preloaded import NOT_LOADED, preloaded

if TYPE_CHECKING:
    from schema.tickets import Ticket

__all__ = [
    "Message",
    "MessageAuthorKind",
    "MessageConnection",
    "MessageFilterInput",
    "MessageOrderBy",
    "MessageVisibility",
    "MessagesMutation",
    "last_message_of",
    "ticket_last_message",
    "ticket_messages",
]


@strawberry.enum(description="Who may read a message.")
class MessageVisibility(enum.Enum):
    PUBLIC = "public"
    INTERNAL = "internal"


@strawberry.enum(description="What wrote a message.")
class MessageAuthorKind(enum.Enum):
    USER = "user"
    CUSTOMER = "customer"
    AI = "ai"


@strawberry.type(description="A message body as it was before an edit replaced it.")
class MessageRevision:
    body_html: str = strawberry.field(
        description="The body before the edit. Sanitised HTML (allowlist), safe to render."
    )
    body_text: str = strawberry.field(
        description="The plain-text body before the edit."
        " Plain text: escape before rendering as HTML."
    )
    replaced_at: datetime = strawberry.field(description="When the edit replaced this body.")
    editor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who made the edit that replaced this body.")
    async def edited_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.editor_id)

    @classmethod
    def from_row(cls, row: RevisionRow) -> MessageRevision:
        return cls(
            body_html=row.body_html,
            body_text=row.body_text,
            replaced_at=row.created_at,
            editor_id=row.edited_by_id,
        )


@strawberry.type(description="One entry of a ticket's conversation: a reply or an internal note.")
class Message(relay.Node):
    id: relay.NodeID[str]
    author_kind: MessageAuthorKind = strawberry.field(
        description="A staff user, a customer, or the AI assistant."
    )
    visibility: MessageVisibility = strawberry.field(
        description="PUBLIC replies are seen by the customer; INTERNAL notes by staff only."
    )
    body_html: str = strawberry.field(
        description="The body. Sanitised HTML (allowlist), safe to render as is."
    )
    body_text: str = strawberry.field(
        description="The body as plain text (not HTML-escaped)."
        " Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When the message was posted.")
    edited_at: datetime | None = strawberry.field(description="When it was last edited.")
    row_id: strawberry.Private[uuid.UUID]
    ticket_row_id: strawberry.Private[uuid.UUID]
    author_user_id: strawberry.Private[uuid.UUID | None]
    in_reply_to_row_id: strawberry.Private[uuid.UUID | None]
    approved_by_id: strawberry.Private[uuid.UUID | None] = None

    @classmethod
    def from_row(cls, row: MessageRow) -> Message:
        return cls(
            id=str(row.id),
            author_kind=MessageAuthorKind(row.author_kind),
            visibility=MessageVisibility(row.visibility),
            body_html=row.body_html,
            body_text=row.body_text,
            created_at=row.created_at,
            edited_at=row.edited_at,
            row_id=row.id,
            ticket_row_id=row.ticket_id,
            author_user_id=row.author_user_id,
            in_reply_to_row_id=row.in_reply_to_id,
            approved_by_id=row.approved_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_messages(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    @strawberry.field(description="The ticket this message belongs to.")
    async def ticket(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        row = await info.context.loaders.ticket_by_id.load(self.ticket_row_id)
        return Ticket.from_row(row) if row is not None else None

    @strawberry.field(
        description="The author: staff see every account in full; a customer sees staff and "
        "the other users of their organisation as a public profile (name only) and "
        "themselves in full. Null for AI messages and deleted users."
    )
    async def author(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.author_user_id)

    @strawberry.field(
        description="For an AI reply an agent accepted: the agent who approved it (seen as "
        "the author is). Null for every other message and for replies the auto-reply policy "
        "sent without a human."
    )
    async def approved_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.approved_by_id)

    @strawberry.field(
        description="The author's display name, for everyone who sees the message."
        " Plain text: escape before rendering as HTML."
    )
    async def author_name(self, info: strawberry.Info[RequestContext]) -> str | None:
        return cast("str | None", await _awaited(_author_name(self, info)))

    @strawberry.field(description="The message this one answers, when you may see it.")
    async def in_reply_to(self, info: strawberry.Info[RequestContext]) -> Message | None:
        if self.in_reply_to_row_id is None:
            return None
        (row,) = await visible_messages(info.context, [self.in_reply_to_row_id])
        return Message.from_row(row) if row is not None else None

    # Files on the message (helper F, schema/attachments.py).
    attachments = MESSAGE_ATTACHMENTS_FIELD

    @strawberry.field(
        description="Earlier bodies of this message, oldest first (staff only).",
        permission_classes=[IsStaff],
    )
    async def revisions(
        self, info: strawberry.Info[RequestContext]
    ) -> list[MessageRevision] | None:
        rows = await info.context.loaders.revisions_by_message_id.load(self.row_id)
        return [MessageRevision.from_row(row) for row in rows]


@strawberry.type(description="A page of a ticket's messages.")
class MessageConnection(relay.Connection[Message]):
    total_count: int = strawberry.field(description="Messages matching the filter.")


@strawberry.input(description="Narrow a ticket's messages; all given conditions must hold.")
class MessageFilterInput:
    visibility: MessageVisibility | None = strawberry.field(
        default=None, description="Only replies or only internal notes."
    )
    author_kinds: list[MessageAuthorKind] | None = strawberry.field(
        default=None, description="Any of these author kinds."
    )
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.enum(description="What a ticket's messages can be sorted by.")
class MessageOrderField(enum.Enum):
    CREATED_AT = "created_at"


@strawberry.input(description="Sort order of a ticket's messages.")
class MessageOrderBy:
    field: MessageOrderField = strawberry.field(
        default=MessageOrderField.CREATED_AT, description="Sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="ASC is conversation order (oldest first)."
    )


def _ticket_row_id(root: Any) -> uuid.UUID:
    return uuid.UUID(str(root.id))


async def ticket_messages(
    root: Any,
    info: strawberry.Info[RequestContext],
    filter: MessageFilterInput | None = None,
    order_by: MessageOrderBy | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> MessageConnection:
    """Ticket.messages: customers never get internal notes (left out in SQL)."""
    f = filter or MessageFilterInput()
    order = order_by or MessageOrderBy()
    selected = selected_paths(info)
    page = await messages_page(
        info.context,
        _ticket_row_id(root),
        MessageFilter(
            visibility=f.visibility.value if f.visibility else None,
            author_kinds=tuple(kind.value for kind in f.author_kinds or ()),
            created_after=f.created_after,
            created_before=f.created_before,
        ),
        PageRequest(first=first, after=after, last=last, before=before),
        newest_first=order.direction is OrderDirection.DESC,
        count="totalCount" in selected,
    )
    if "edges.node.authorName" in selected:
        # The page's authors in one batch before the field runs: authorName then resolves
        # at once per message (its plain resolver reads the primed loader).
        authors = {row.author_user_id for row in page.rows if row.author_user_id is not None}
        if authors:
            await info.context.loaders.user_by_id.load_many(list(authors))
    return connection_from_page(MessageConnection, page, Message.from_row)


def _author_name(message: Message, info: WithContext) -> Any:
    """Message.authorName: a value when the author is loaded already, else an awaitable."""
    if message.author_kind is MessageAuthorKind.AI:
        return "AI assistant"
    if message.author_user_id is None:
        return None
    return now_or_later(
        info.context.loaders.user_by_id,
        message.author_user_id,
        lambda row: row.name if row is not None else None,
    )


async def _awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


# Installed on the built schema by schema/__init__.py (see schema/plain_fields.py).
PLAIN_RESOLVERS: dict[tuple[str, str], PlainResolver] = {
    ("Message", "id"): node_global_id,
    ("Message", "authorName"): _author_name,
}


def ticket_last_message(root: Any, info: strawberry.Info[RequestContext]) -> Message | None:
    """Ticket.lastMessage: batched over every ticket in the response, one query; read at
    once (no task) when the ticket page preloaded it."""
    return last_message_of(root, info)


def last_message_of(root: Any, info: WithContext) -> Message | None:
    """Ticket.lastMessage's logic, also the field's plain resolver (schema/tickets.py)."""
    row = preloaded(root, "last_message")
    if row is not NOT_LOADED:
        return _message_or_none(row)
    loaders = info.context.loaders
    loader = (
        loaders.last_public_message_by_ticket_id
        if customer_only_public(info.context.principal)
        else loaders.last_message_by_ticket_id
    )
    return cast("Message | None", now_or_later(loader, _ticket_row_id(root), _message_or_none))


def _message_or_none(row: MessageRow | None) -> Message | None:
    return Message.from_row(row) if row is not None else None


# The fields schema/tickets.py puts on Ticket (kept here so the message rules live together).
MESSAGES_FIELD = strawberry.field(
    resolver=ticket_messages,
    description="The conversation, oldest first by default; customers see public replies only.",
    permission_classes=[IsAuthenticated],
)
LAST_MESSAGE_FIELD = strawberry.field(
    resolver=ticket_last_message,
    description="The newest message you may see (customers: the newest public reply).",
    permission_classes=[IsAuthenticated],
)


@strawberry.input(description="A reply or an internal note on a ticket.")
class AddMessageInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket to post on.")
    body_html: str = strawberry.field(
        description="HTML (at most 100 KB); sanitised, so only basic formatting survives."
    )
    visibility: MessageVisibility = strawberry.field(
        default=MessageVisibility.PUBLIC,
        description="PUBLIC (a reply the customer sees) or INTERNAL (a note for staff). "
        "Customers post PUBLIC only, reviewers INTERNAL only (they comment, never speak to "
        "the customer), agents and admins both; another choice is refused (forbidden).",
    )
    in_reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="A message on the same ticket this one answers."
    )
    attachment_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Files uploaded to this ticket with uploadAttachment to put on the "
        "message (at most 20; customers: their own uploads).",
    )


@strawberry.type(description="Result of addMessage.")
class AddMessagePayload(MutationPayload[MessageError]):
    message: Message | None = strawberry.field(default=None, description="The new message.")


@strawberry.input(description="A new body for a message.")
class EditMessageInput:
    message_id: strawberry.ID = strawberry.field(description="The message to edit.")
    body_html: str = strawberry.field(description="The new HTML body (same rules as addMessage).")


@strawberry.type(description="Result of editMessage.")
class EditMessagePayload(MutationPayload[MessageError]):
    message: Message | None = strawberry.field(default=None, description="The edited message.")


@strawberry.type
class MessagesMutation:
    @mutation(
        description="Post a public reply or an internal note. Customers post public replies on "
        "their own tickets only; a staff reply answers a new ticket, a customer reply reopens a "
        "pending or solved one; closed tickets refuse messages (invalid_state).",
        permission_classes=[IsAuthenticated],
    )
    async def add_message(tx: MutationTx, input: AddMessageInput) -> AddMessagePayload:
        row = await add_message(
            tx,
            ticket_id=decode_id(input.ticket_id, "Ticket", "ticketId"),
            body_html=input.body_html,
            visibility=input.visibility.value,
            in_reply_to_id=(
                decode_id(input.in_reply_to_id, "Message", "inReplyToId")
                if input.in_reply_to_id is not None
                else None
            ),
            attachment_ids=[
                decode_id(value, "Attachment", f"attachmentIds.{index}")
                for index, value in enumerate(input.attachment_ids or ())
            ],
        )
        return AddMessagePayload(message=Message.from_row(row))

    @mutation(
        description="Change a message's body (its author or an admin). The previous body is "
        "kept as a revision that only staff can read.",
        permission_classes=[IsAuthenticated],
    )
    async def edit_message(tx: MutationTx, input: EditMessageInput) -> EditMessagePayload:
        row = await edit_message(
            tx,
            message_id=decode_id(input.message_id, "Message", "messageId"),
            body_html=input.body_html,
        )
        return EditMessagePayload(message=Message.from_row(row))
