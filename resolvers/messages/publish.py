"""The one place message events leave for subscribers (called after the commit)."""

from __future__ import annotations

from typing import Literal

from db.models import Ticket, TicketMessage
from resolvers.context import RequestContext

__all__ = ["publish_message_event"]


async def publish_message_event(
    ctx: RequestContext,
    kind: Literal["created", "edited"],
    message: TicketMessage,
    ticket: Ticket,
) -> None:
    """Tell subscribers a message was created or edited, with its visibility and the
    ticket's customer so the subscription can filter what each subscriber may see."""
    return None
