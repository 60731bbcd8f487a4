"""Root subscriptions: live ticket changes and a ticket's live conversation.

Served over WebSocket (graphql-transport-ws). Every event is filtered server-side by what
the subscriber may see, and carries the object loaded fresh when the event arrives.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import datetime

import strawberry

from resolvers.context import RequestContext
from resolvers.events import MessageEventKind as MessageKind
from resolvers.events import TicketEventKind as TicketKind
from resolvers.subscriptions import (
    MessageDelivery,
    TicketDelivery,
    TicketEventFilter,
    ticket_event_stream,
    ticket_message_stream,
)
from schema.ids import decode_id
from schema.messages import Message
from schema.permissions import IsAuthenticated
from schema.tickets import Ticket, TicketStatus

__all__ = [
    "MessageEvent",
    "MessageEventKind",
    "RealtimeSubscription",
    "TicketEvent",
    "TicketEventKind",
    "TicketEventsFilter",
]


@strawberry.enum(description="What happened to a ticket.")
class TicketEventKind(enum.Enum):
    CREATED = TicketKind.CREATED.value
    UPDATED = TicketKind.UPDATED.value
    STATUS_CHANGED = TicketKind.STATUS_CHANGED.value
    ASSIGNED = TicketKind.ASSIGNED.value
    MERGED = TicketKind.MERGED.value


@strawberry.enum(description="What happened to a message.")
class MessageEventKind(enum.Enum):
    CREATED = MessageKind.CREATED.value
    EDITED = MessageKind.EDITED.value


@strawberry.type(description="A ticket changed; `ticket` is its state when the event arrived.")
class TicketEvent:
    kind: TicketEventKind = strawberry.field(description="What happened.")
    ticket: Ticket = strawberry.field(description="The ticket as it is now.")
    occurred_at: datetime = strawberry.field(description="When the change was published.")


@strawberry.type(description="A message was posted or edited on the watched ticket.")
class MessageEvent:
    kind: MessageEventKind = strawberry.field(description="What happened.")
    message: Message = strawberry.field(description="The message as it is now.")
    occurred_at: datetime = strawberry.field(description="When the change was published.")


@strawberry.input(description="Which ticket events to receive; every condition given must hold.")
class TicketEventsFilter:
    ticket_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these tickets."
    )
    statuses: list[TicketStatus] | None = strawberry.field(
        default=None, description="Only tickets now in one of these statuses."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only tickets now assigned to this user."
    )


def _criteria(value: TicketEventsFilter | None) -> TicketEventFilter:
    if value is None:
        return TicketEventFilter()
    return TicketEventFilter(
        ticket_ids=None
        if value.ticket_ids is None
        else frozenset(
            decode_id(gid, "Ticket", f"filter.ticketIds.{n}")
            for n, gid in enumerate(value.ticket_ids)
        ),
        statuses=None
        if value.statuses is None
        else frozenset(status.value for status in value.statuses),
        assignee_id=None
        if value.assignee_id is None
        else decode_id(value.assignee_id, "User", "filter.assigneeId"),
    )


@strawberry.type
class RealtimeSubscription:
    @strawberry.subscription(
        description="Live ticket changes (created, updated, status changed, assigned, merged). "
        "Staff hear every ticket, customers only their own.",
        permission_classes=[IsAuthenticated],
    )
    async def ticket_events(
        self,
        info: strawberry.Info[RequestContext],
        filter: TicketEventsFilter | None = None,
    ) -> AsyncIterator[TicketEvent]:
        stream = await ticket_event_stream(info.context, _criteria(filter))
        return _ticket_events(stream)

    @strawberry.subscription(
        description="Live messages (new and edited) of one ticket. Customers never receive "
        "internal notes; a ticket you may not see is refused as not found.",
        permission_classes=[IsAuthenticated],
    )
    async def ticket_messages(
        self, info: strawberry.Info[RequestContext], ticket_id: strawberry.ID
    ) -> AsyncIterator[MessageEvent]:
        stream = await ticket_message_stream(
            info.context, decode_id(ticket_id, "Ticket", "ticketId")
        )
        return _message_events(stream)


async def _ticket_events(
    stream: AsyncGenerator[TicketDelivery, None],
) -> AsyncGenerator[TicketEvent, None]:
    async with aclosing(stream) as deliveries:
        async for event in deliveries:
            yield TicketEvent(
                kind=TicketEventKind(event.kind.value),
                ticket=Ticket.from_row(event.ticket),
                occurred_at=event.occurred_at,
            )


async def _message_events(
    stream: AsyncGenerator[MessageDelivery, None],
) -> AsyncGenerator[MessageEvent, None]:
    async with aclosing(stream) as deliveries:
        async for event in deliveries:
            yield MessageEvent(
                kind=MessageEventKind(event.kind.value),
                message=Message.from_row(event.message),
                occurred_at=event.occurred_at,
            )
