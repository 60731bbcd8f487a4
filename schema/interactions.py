"""Interactions logged on a customer: the Interaction type, Customer.interactions and the
logInteraction / updateInteraction / deleteInteraction mutations."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from auth import policy
from db.models import Interaction as InteractionRow
from db.models import InteractionRevision as RevisionRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.interactions import (
    KEEP,
    InteractionDraft,
    delete_interaction,
    log_interaction,
    update_interaction,
    visible_interactions,
)
from resolvers.interactions.queries import InteractionCriteria, interactions_page
from resolvers.tickets.queries import visible_tickets
from schema.accounts import User, user_from_row, visible_user
from schema.attachments import Attachment
from schema.connections import connection_from_page, selected_paths
from schema.errors import InteractionError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsAgent, IsAuthenticated, IsStaff

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.tickets import Ticket

__all__ = [
    "CUSTOMER_INTERACTIONS_FIELD",
    "Interaction",
    "InteractionConnection",
    "InteractionDirection",
    "InteractionType",
    "InteractionsMutation",
]


@strawberry.enum(description="What kind of contact was logged.")
class InteractionType(enum.Enum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    CHAT = "chat"
    VISIT = "visit"
    OTHER = "other"


@strawberry.enum(description="Who reached out: the customer (INBOUND) or staff (OUTBOUND).")
class InteractionDirection(enum.Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@strawberry.type(description="An interaction's fields as they were before an edit.")
class InteractionRevision:
    previous: JSON = strawberry.field(
        description="The previous values (snake_case keys: subject, body_text, occurred_at, "
        "participant_ids …). Its strings are plain text: escape before rendering as HTML."
    )
    replaced_at: datetime = strawberry.field(description="When the edit replaced them.")
    editor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who made the edit.")
    async def edited_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.editor_id)

    @classmethod
    def from_row(cls, row: RevisionRow) -> InteractionRevision:
        return cls(
            previous=cast(JSON, row.previous),
            replaced_at=row.created_at,
            editor_id=row.editor_id,
        )


@strawberry.type(
    description="A call, meeting, e-mail sent outside AutoCRM, chat on another channel or "
    "visit, logged on a customer by staff. Customers see the ones not marked internal on "
    "their own record (staff appear to them by display name only)."
)
class Interaction(relay.Node):
    id: relay.NodeID[str]
    type: InteractionType = strawberry.field(description="Call, meeting, e-mail …")
    direction: InteractionDirection = strawberry.field(description="Inbound or outbound.")
    channel: str | None = strawberry.field(
        description='Where it happened ("phone", "whatsapp", "in person").'
        " Plain text: escape before rendering as HTML."
    )
    occurred_at: datetime = strawberry.field(description="When it happened.")
    duration_seconds: int | None = strawberry.field(description="How long it took.")
    subject: str = strawberry.field(
        description="What it was about. Plain text: escape before rendering as HTML."
    )
    body_html: str = strawberry.field(
        description="Notes on it. Sanitised HTML (allowlist), safe to render as is."
    )
    body_text: str = strawberry.field(
        description="The notes as plain text. Plain text: escape before rendering as HTML."
    )
    internal: bool = strawberry.field(
        description="True: staff only. False: also on the customer's own timeline."
    )
    created_at: datetime = strawberry.field(description="When it was logged.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    row: strawberry.Private[InteractionRow]

    @classmethod
    def from_row(cls, row: InteractionRow) -> Interaction:
        return cls(
            id=str(row.id),
            type=InteractionType(row.type),
            direction=InteractionDirection(row.direction),
            channel=row.channel,
            occurred_at=row.occurred_at,
            duration_seconds=row.duration_seconds,
            subject=row.subject,
            body_html=row.body_html,
            body_text=row.body_text,
            internal=row.internal,
            created_at=row.created_at,
            updated_at=row.updated_at,
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
        rows = await visible_interactions(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    @strawberry.field(description="The customer it was logged on.")
    async def customer(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        from schema.customers import Customer

        row = await info.context.loaders.customer_by_id.load(self.row.customer_id)
        return Customer.from_row(row) if row is not None else None

    @strawberry.field(
        description="Who logged it: customers see staff as a public profile (name only)."
    )
    async def author(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.author_id)

    @strawberry.field(
        description="The staff members who took part (customers: display names only)."
    )
    async def participants(self, info: strawberry.Info[RequestContext]) -> list[User]:
        loaders = info.context.loaders
        links = await loaders.participants_by_interaction_id.load(self.row.id)
        users = await loaders.user_by_id.load_many([link.user_id for link in links])
        return [u for u in (user_from_row(info, row) for row in users) if u is not None]

    @strawberry.field(description="The ticket it is about, when linked and visible to you.")
    async def ticket(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        if self.row.ticket_id is None:
            return None
        (row,) = await visible_tickets(info.context, [self.row.ticket_id])
        return Ticket.from_row(row) if row is not None else None

    @strawberry.field(
        description="Files uploaded to it (uploadAttachment with interactionId), oldest "
        "first; staff only (null for customers).",
    )
    async def attachments(self, info: strawberry.Info[RequestContext]) -> list[Attachment] | None:
        if not info.context.allows(policy.is_staff):
            return None
        loaders = info.context.loaders
        rows = await loaders.attachments_by_interaction_id.load(self.row.id)
        for row in rows:
            loaders.attachment_by_id.prime(row.id, row)
        return [Attachment.from_row(row) for row in rows]

    @strawberry.field(
        description="Earlier values, oldest first (staff only).", permission_classes=[IsStaff]
    )
    async def revisions(
        self, info: strawberry.Info[RequestContext]
    ) -> list[InteractionRevision] | None:
        rows = await info.context.loaders.revisions_by_interaction_id.load(self.row.id)
        return [InteractionRevision.from_row(row) for row in rows]


@strawberry.type(description="A page of a customer's interactions.")
class InteractionConnection(relay.Connection[Interaction]):
    total_count: int = strawberry.field(description="Interactions matching the filter.")


@strawberry.input(description="Narrow a customer's interactions; all given conditions hold.")
class InteractionFilter:
    types: list[InteractionType] | None = strawberry.field(default=None, description="Any of.")
    occurred_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    occurred_before: datetime | None = strawberry.field(default=None, description="Exclusive.")


async def customer_interactions(
    root: Any,
    info: strawberry.Info[RequestContext],
    filter: InteractionFilter | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> InteractionConnection:
    f = filter or InteractionFilter()
    page = await interactions_page(
        info.context,
        uuid.UUID(str(root.id)),
        InteractionCriteria(
            types=tuple(t.value for t in f.types or ()),
            occurred_after=f.occurred_after,
            occurred_before=f.occurred_before,
        ),
        PageRequest(first=first, after=after, last=last, before=before),
        count="totalCount" in selected_paths(info, depth=1),
    )
    return connection_from_page(InteractionConnection, page, Interaction.from_row)


CUSTOMER_INTERACTIONS_FIELD = strawberry.field(
    resolver=customer_interactions,
    description="Logged interactions, newest first (customers: the ones not marked internal).",
    permission_classes=[IsAuthenticated],
)


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="An interaction to log on a customer.")
class LogInteractionInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    type: InteractionType = strawberry.field(description="Call, meeting, e-mail, chat, visit …")
    direction: InteractionDirection = strawberry.field(description="Inbound or outbound.")
    subject: str = strawberry.field(description="What it was about, 1-300 characters.")
    channel: str | None = strawberry.field(
        default=None, description='Where, at most 50 characters ("phone", "whatsapp").'
    )
    occurred_at: datetime | None = strawberry.field(
        default=None, description="When it happened (default: now; at most a day ahead)."
    )
    duration_seconds: int | None = strawberry.field(
        default=None, description="How long, 0 to 604800 seconds (a week)."
    )
    body_html: str | None = strawberry.field(
        default=None, description="Notes, HTML of at most 100 KB; sanitised."
    )
    internal: bool = strawberry.field(
        default=True,
        description="True (default): staff only. False: the customer sees it on their own "
        "timeline (e.g. a call they took part in).",
    )
    participant_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Staff users who took part (at most 20)."
    )
    ticket_id: strawberry.ID | None = strawberry.field(
        default=None, description="A ticket of the same customer it is about."
    )


@strawberry.input(description="Changes to an interaction: only the fields given change.")
class UpdateInteractionInput:
    id: strawberry.ID = strawberry.field(description="The interaction.")
    type: InteractionType | None = strawberry.field(default=strawberry.UNSET, description="New.")
    direction: InteractionDirection | None = strawberry.field(
        default=strawberry.UNSET, description="New direction."
    )
    subject: str | None = strawberry.field(default=strawberry.UNSET, description="1-300 chars.")
    channel: str | None = strawberry.field(default=strawberry.UNSET, description="Null clears it.")
    occurred_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it happened."
    )
    duration_seconds: int | None = strawberry.field(
        default=strawberry.UNSET, description="Null clears it."
    )
    body_html: str | None = strawberry.field(
        default=strawberry.UNSET, description="New notes (null or blank clears them)."
    )
    internal: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Staff only (true) or also the customer's."
    )
    participant_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the participants."
    )
    ticket_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A ticket of the same customer; null unlinks."
    )


@strawberry.input(description="The interaction to delete.")
class DeleteInteractionInput:
    id: strawberry.ID = strawberry.field(description="The interaction.")


@strawberry.type(description="Result of logInteraction.")
class LogInteractionPayload(MutationPayload[InteractionError]):
    interaction: Interaction | None = strawberry.field(default=None, description="As logged.")


@strawberry.type(description="Result of updateInteraction.")
class UpdateInteractionPayload(MutationPayload[InteractionError]):
    interaction: Interaction | None = strawberry.field(default=None, description="As changed.")


@strawberry.type(description="Result of deleteInteraction.")
class DeleteInteractionPayload(MutationPayload[InteractionError]):
    deleted_interaction_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted interaction."
    )


def _value(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


def _enum_value(value: Any) -> Any:
    if value is strawberry.UNSET or value is None:
        return KEEP
    return value.value


def _ids(values: list[strawberry.ID] | None, type_name: str, field: str) -> list[uuid.UUID]:
    return [decode_id(v, type_name, f"{field}.{i}") for i, v in enumerate(values or ())]


@strawberry.type
class InteractionsMutation:
    @mutation(
        description="Log a call, meeting, e-mail, chat or visit on a customer (agents and "
        "admins). Attach files afterwards with uploadAttachment(interactionId).",
        permission_classes=[IsAgent],
    )
    async def log_interaction(tx: MutationTx, input: LogInteractionInput) -> LogInteractionPayload:
        draft = InteractionDraft(
            type=input.type.value,
            direction=input.direction.value,
            channel=input.channel,
            occurred_at=input.occurred_at,
            duration_seconds=input.duration_seconds,
            subject=input.subject,
            body_html=input.body_html,
            internal=input.internal,
            ticket_id=(
                decode_id(input.ticket_id, "Ticket", "ticketId") if input.ticket_id else None
            ),
            participant_ids=_ids(input.participant_ids, "User", "participantIds"),
        )
        row = await log_interaction(
            tx, decode_id(input.customer_id, "Customer", "customerId"), draft
        )
        return LogInteractionPayload(interaction=Interaction.from_row(row))

    @mutation(
        description="Change an interaction (its author or an admin); the previous values "
        "are kept as a revision (Interaction.revisions).",
        permission_classes=[IsAgent],
    )
    async def update_interaction(
        tx: MutationTx, input: UpdateInteractionInput
    ) -> UpdateInteractionPayload:
        ticket: Any = _value(input.ticket_id)
        if ticket is not KEEP and ticket is not None:
            ticket = decode_id(ticket, "Ticket", "ticketId")
        people: Any = _value(input.participant_ids)
        if people is not KEEP:
            people = _ids(people, "User", "participantIds")
        draft = InteractionDraft(
            type=_enum_value(input.type),
            direction=_enum_value(input.direction),
            channel=_value(input.channel),
            occurred_at=KEEP
            if input.occurred_at in (strawberry.UNSET, None)
            else input.occurred_at,
            duration_seconds=_value(input.duration_seconds),
            subject=_value(input.subject),
            body_html=_value(input.body_html),
            internal=KEEP if input.internal in (strawberry.UNSET, None) else input.internal,
            ticket_id=ticket,
            participant_ids=people,
        )
        row = await update_interaction(tx, decode_id(input.id, "Interaction", "id"), draft)
        return UpdateInteractionPayload(interaction=Interaction.from_row(row))

    @mutation(
        description="Delete an interaction (admins; soft: kept for the audit trail, hidden "
        "everywhere).",
        permission_classes=[IsAdmin],
    )
    async def delete_interaction(
        tx: MutationTx, input: DeleteInteractionInput
    ) -> DeleteInteractionPayload:
        row = await delete_interaction(tx, decode_id(input.id, "Interaction", "id"))
        return DeleteInteractionPayload(
            deleted_interaction_id=strawberry.ID(relay.to_base64("Interaction", row.id))
        )
