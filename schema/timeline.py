"""Customer.timeline: the TimelineItem interface, one type per kind of item, and the
connection. The page is chosen by resolvers/customer_view/timeline.py (one statement);
each item here wraps the row that was batch-loaded for the page."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from auth import policy
from db.models import AuditEntry
from resolvers.context import RequestContext
from resolvers.customer_view import TimelineEntry, TimelineKind, timeline_page
from resolvers.customer_view.timeline import CUSTOMER_PRIVATE_CHANGES
from schema.customer_notes import CustomerNote
from schema.feedback import TicketFeedback
from schema.interactions import Interaction
from schema.messages import Message
from schema.tickets import Ticket

__all__ = ["TIMELINE_TYPES", "TimelineConnection", "TimelineItemKind", "customer_timeline"]


@strawberry.enum(description="What a timeline item records.")
class TimelineItemKind(enum.Enum):
    TICKET_OPENED = "ticket_opened"
    TICKET_SOLVED = "ticket_solved"
    MESSAGE = "message"
    INTERNAL_NOTE = "internal_note"
    INTERACTION = "interaction"
    CUSTOMER_NOTE = "customer_note"
    CSAT_RATING = "csat_rating"
    FIELD_CHANGE = "field_change"


@strawberry.interface(description="Something that happened with a customer.")
class TimelineItem:
    occurred_at: datetime = strawberry.field(description="When it happened.")
    kind: TimelineItemKind = strawberry.field(description="What it records.")


@strawberry.type(description="A ticket was opened.")
class TicketOpenedItem(TimelineItem):
    ticket: Ticket = strawberry.field(description="The ticket.")


@strawberry.type(description="A ticket was solved (its latest solve).")
class TicketSolvedItem(TimelineItem):
    ticket: Ticket = strawberry.field(description="The ticket.")


@strawberry.type(
    description="A message on one of the customer's tickets: a public reply (MESSAGE) or, "
    "for staff only, an internal note (INTERNAL_NOTE)."
)
class MessageItem(TimelineItem):
    message: Message = strawberry.field(description="The message.")


@strawberry.type(description="A logged call, meeting, e-mail, chat or visit.")
class InteractionItem(TimelineItem):
    interaction: Interaction = strawberry.field(description="The interaction.")


@strawberry.type(description="A staff note on the customer (staff only).")
class CustomerNoteItem(TimelineItem):
    note: CustomerNote = strawberry.field(description="The note.")


@strawberry.type(description="The customer rated a ticket (CSAT).")
class CsatRatingItem(TimelineItem):
    feedback: TicketFeedback = strawberry.field(description="The rating.")


@strawberry.type(description="One field of the customer record before and after a change.")
class FieldChange:
    field: str = strawberry.field(
        description="The field (camelCase). Plain text: escape before rendering as HTML."
    )
    before: JSON | None = strawberry.field(
        description="The old value. Its strings are plain text: escape before rendering as HTML."
    )
    after: JSON | None = strawberry.field(
        description="The new value. Its strings are plain text: escape before rendering as HTML."
    )


@strawberry.type(
    description="The customer record was changed (from the audit log); customers see the "
    "changes to the fields they may read."
)
class FieldChangeItem(TimelineItem):
    changes: list[FieldChange] = strawberry.field(description="What changed.")
    actor_user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="Who made the change, by display name (null for API keys and the "
        "system). Plain text: escape before rendering as HTML."
    )
    async def actor_name(self, info: strawberry.Info[RequestContext]) -> str | None:
        if self.actor_user_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.actor_user_id)
        return row.name if row is not None else None


TIMELINE_TYPES: tuple[type, ...] = (
    TicketOpenedItem,
    TicketSolvedItem,
    MessageItem,
    InteractionItem,
    CustomerNoteItem,
    CsatRatingItem,
    FieldChangeItem,
)


@strawberry.type(description="An item of a timeline page and its cursor.")
class TimelineEdge:
    cursor: str = strawberry.field(
        description="Opaque; pass as `after` for the items after this one."
    )
    node: TimelineItem = strawberry.field(description="The item.")


@strawberry.type(description="A page of a customer's timeline, newest first.")
class TimelineConnection:
    edges: list[TimelineEdge] = strawberry.field(description="The items of this page.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page is.")


def _changes(entry: AuditEntry, staff: bool) -> list[FieldChange]:
    return [
        FieldChange(
            field=name,
            before=cast(JSON, (value or {}).get("before")),
            after=cast(JSON, (value or {}).get("after")),
        )
        for name, value in sorted((entry.changes or {}).items())
        if staff or name not in CUSTOMER_PRIVATE_CHANGES
    ]


def _item(entry: TimelineEntry, staff: bool) -> TimelineItem:
    kind = TimelineItemKind(entry.kind.value)
    at, row = entry.occurred_at, entry.row
    match entry.kind:
        case TimelineKind.TICKET_OPENED:
            return TicketOpenedItem(occurred_at=at, kind=kind, ticket=Ticket.from_row(row))
        case TimelineKind.TICKET_SOLVED:
            return TicketSolvedItem(occurred_at=at, kind=kind, ticket=Ticket.from_row(row))
        case TimelineKind.MESSAGE | TimelineKind.INTERNAL_NOTE:
            return MessageItem(occurred_at=at, kind=kind, message=Message.from_row(row))
        case TimelineKind.INTERACTION:
            return InteractionItem(occurred_at=at, kind=kind, interaction=Interaction.from_row(row))
        case TimelineKind.CUSTOMER_NOTE:
            return CustomerNoteItem(occurred_at=at, kind=kind, note=CustomerNote.from_row(row))
        case TimelineKind.CSAT_RATING:
            return CsatRatingItem(occurred_at=at, kind=kind, feedback=TicketFeedback.from_row(row))
        case _:
            return FieldChangeItem(
                occurred_at=at,
                kind=kind,
                changes=_changes(row, staff),
                actor_user_id=row.actor_user_id,
            )


async def customer_timeline(
    customer_row_id: uuid.UUID,
    info: strawberry.Info[RequestContext],
    first: int | None,
    after: str | None,
    kinds: list[Any] | None,
) -> TimelineConnection:
    page = await timeline_page(
        info.context,
        customer_row_id,
        first=first,
        after=after,
        kinds=[TimelineKind(k.value) for k in kinds or ()],
    )
    staff = info.context.allows(policy.is_staff)
    edges = [TimelineEdge(cursor=e.cursor, node=_item(e, staff)) for e in page.entries]
    return TimelineConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
