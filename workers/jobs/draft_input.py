"""What a draft job reads of a ticket: its subject and newest messages as a DraftInput (the
draft job and compareDrafts both start here)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ai.drafts import CURRENT_PIPELINE, DraftInput, ThreadMessage
from db.models import Ticket, TicketMessage
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from workers.jobs.runner import JobRun

__all__ = ["MAX_THREAD", "load_draft_input"]

# The newest messages are what a reply answers; older ones only add cost.
MAX_THREAD = 50


async def load_draft_input(
    run: JobRun,
    ticket_id: uuid.UUID,
    *,
    pipeline_version: str = CURRENT_PIPELINE,
    provider: str | None = None,
) -> DraftInput | None:
    """None when the ticket is gone or closed (nothing to answer any more)."""
    async with run.db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.status == TicketStatus.CLOSED.value:
            return None
        newest = list(
            (
                await session.execute(
                    select(TicketMessage)
                    .where(TicketMessage.ticket_id == ticket_id)
                    .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
                    .limit(MAX_THREAD)
                )
            ).scalars()
        )
        subject = ticket.subject
    thread = tuple(
        ThreadMessage(
            text=m.body_text,
            from_customer=m.author_kind == AuthorKind.CUSTOMER.value,
            public=m.visibility == Visibility.PUBLIC.value,
        )
        for m in reversed(newest)
    )
    return DraftInput(
        ticket_id=ticket_id,
        subject=subject,
        thread=thread,
        audiences=("public",),  # the reply goes to the customer: public articles only
        pipeline_version=pipeline_version,
        provider=provider,
        requested_by=run.requested_by,
        job_id=run.id,
    )
