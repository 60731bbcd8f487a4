"""Realtime events the use cases publish once their transaction has committed: a use case
registers them as post-commit hooks (`tx.after_commit(publish_ticket_event, ctx, kind, t)`).

Payloads are small on purpose: the kind, the ids and just enough (customer, visibility)
for a subscription to discard what its subscriber may not see before loading anything.
Subscribers always load the object itself fresh, so a payload never carries its content.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from resolvers.context import RequestContext

__all__ = [
    "TICKETS_CHANNEL",
    "MessageEventKind",
    "TicketEventKind",
    "message_event_payload",
    "occurred_at",
    "publish_message_event",
    "publish_payload",
    "publish_ticket_event",
    "publish_ticket_events",
    "ticket_event_payload",
    "ticket_messages_channel",
]

_log = logging.getLogger("autocrm.realtime")

# Every ticket event goes to one channel; subscriptions filter per subscriber.
TICKETS_CHANNEL = "tickets"


def ticket_messages_channel(ticket_id: uuid.UUID | str) -> str:
    """Message events go per ticket: a ticket's page only hears its own conversation."""
    return f"ticket:{ticket_id}:messages"


class TicketEventKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"
    ASSIGNED = "assigned"
    MERGED = "merged"


class MessageEventKind(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"


class TicketLike(Protocol):
    id: uuid.UUID
    customer_id: uuid.UUID
    status: str
    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None


class MessageLike(Protocol):
    id: uuid.UUID
    ticket_id: uuid.UUID
    visibility: str


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def occurred_at(payload: Mapping[str, Any]) -> datetime:
    """When the event was published (now, for a payload without the field)."""
    try:
        return datetime.fromisoformat(str(payload["occurred_at"]))
    except (KeyError, ValueError):
        return datetime.now(UTC)


def ticket_event_payload(kind: TicketEventKind | str, ticket: TicketLike) -> dict[str, Any]:
    kind = TicketEventKind(kind)
    return {
        "type": f"ticket.{kind.value}",
        "kind": kind.value,
        "ticket_id": str(ticket.id),
        "customer_id": _str(ticket.customer_id),
        "status": ticket.status,
        "assignee_id": _str(ticket.assignee_id),
        "team_id": _str(ticket.team_id),
        "occurred_at": _now(),
    }


def message_event_payload(
    kind: MessageEventKind | str, message: MessageLike, ticket: TicketLike
) -> dict[str, Any]:
    kind = MessageEventKind(kind)
    return {
        "type": f"message.{kind.value}",
        "kind": kind.value,
        "message_id": str(message.id),
        "ticket_id": str(message.ticket_id),
        "customer_id": _str(ticket.customer_id),
        "visibility": message.visibility,
        "occurred_at": _now(),
    }


async def publish_payload(ctx: RequestContext, channel: str, payload: Mapping[str, Any]) -> None:
    """Publish one event; a failure is logged, never raised (the change is committed)."""
    if ctx.publisher is None:
        return
    try:
        await ctx.publisher.publish(channel, payload)
    except Exception:
        # The change is committed; failing the mutation now would invite a duplicate retry.
        _log.exception("could not publish %s", payload.get("type"))


async def publish_ticket_event(
    ctx: RequestContext, kind: TicketEventKind | str, ticket: TicketLike
) -> None:
    """Tell subscribers a ticket changed: a post-commit hook (`tx.after_commit`), never
    called inside the transaction."""
    await publish_payload(ctx, TICKETS_CHANNEL, ticket_event_payload(kind, ticket))


async def publish_ticket_events(
    ctx: RequestContext, kind: TicketEventKind | str, tickets: Iterable[TicketLike]
) -> None:
    """The same event for several tickets (bulk updates), one message each."""
    for ticket in tickets:
        await publish_ticket_event(ctx, kind, ticket)


async def publish_message_event(
    ctx: RequestContext, kind: MessageEventKind | str, message: MessageLike, ticket: TicketLike
) -> None:
    """Tell the ticket's subscribers a message was created or edited (after the commit)."""
    await publish_payload(
        ctx, ticket_messages_channel(ticket.id), message_event_payload(kind, message, ticket)
    )
