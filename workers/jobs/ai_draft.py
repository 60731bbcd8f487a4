"""`ai.draft_reply`: draft a reply to a ticket (args `{"ticket_id", "pipeline_version",
"provider", "automatic"}`), streaming its tokens to the ticket's staff as it is written.

The draft is stored with the job's success (`run.finishing()`), so a job run twice stores
it once; storing, superseding, the auto-reply policy and the events are the resolvers'
(resolvers/ai_suggestions/finish.py).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from ai.drafts import CURRENT_PIPELINE, DraftInput, ThreadMessage, produce_draft
from ai.drafts.tool_step import tool_step_for
from ai.embeddings import EmbeddingUnavailable, active_embedder
from ai.gateway import AllProvidersFailed, GatewayTimeout
from db.models import Ticket, TicketMessage
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from workers.jobs.kinds import TransientJobError, job_kind
from workers.jobs.runner import JobRun

__all__ = ["DRAFT_REPLY_JOB", "draft_reply_job", "thread_of"]

DRAFT_REPLY_JOB = "ai.draft_reply"
_log = logging.getLogger("autocrm.ai")
# The newest messages are what a reply answers; older ones only add cost.
_MAX_THREAD = 50


def thread_of(messages: list[TicketMessage]) -> tuple[ThreadMessage, ...]:
    return tuple(
        ThreadMessage(
            text=m.body_text,
            from_customer=m.author_kind == AuthorKind.CUSTOMER.value,
            public=m.visibility == Visibility.PUBLIC.value,
        )
        for m in messages[-_MAX_THREAD:]
    )


@job_kind(DRAFT_REPLY_JOB, queue="ai", time_limit=180.0, max_attempts=3)
async def draft_reply_job(run: JobRun) -> str | None:
    from resolvers.ai_suggestions.events import publish_suggestion_event, token_event
    from resolvers.ai_suggestions.finish import finish_draft

    try:
        ticket_id = uuid.UUID(str(run.args["ticket_id"]))
    except (KeyError, ValueError) as exc:
        raise ValueError("ai.draft_reply needs args {'ticket_id': <uuid>}") from exc
    async with run.db.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.status == TicketStatus.CLOSED.value:
            return "ticket-gone"
        messages = list(
            (
                await session.execute(
                    select(TicketMessage)
                    .where(TicketMessage.ticket_id == ticket_id)
                    .order_by(TicketMessage.created_at, TicketMessage.id)
                )
            ).scalars()
        )
        subject, channel_locale = ticket.subject, None
    draft = DraftInput(
        ticket_id=ticket_id,
        subject=subject,
        thread=thread_of(messages),
        audiences=("public",),  # the reply goes to the customer: public articles only
        locale=channel_locale,
        pipeline_version=str(run.args.get("pipeline_version") or CURRENT_PIPELINE),
        provider=run.args.get("provider") or None,
        requested_by=run.requested_by,
        job_id=run.id,
    )
    sequence = 0

    async def on_token(delta: str) -> None:
        nonlocal sequence
        sequence += 1
        await publish_suggestion_event(
            run.env.publisher, ticket_id, token_event(ticket_id, run.id, sequence, delta)
        )

    await run.progress(0.1, "retrieving and drafting")
    # Read-only tools the requester may run (issue 12): their results are citable sources.
    tools = await tool_step_for(
        db=run.db,
        gateway=run.ai,
        settings=run.env.settings,
        requested_by=run.requested_by,
        ticket_id=ticket_id,
        job_id=run.id,
        sender=run.env.sender,
        rate_limiter=run.env.rate_limiter,
    )
    try:
        result = await produce_draft(
            draft,
            db=run.db,
            gateway=run.ai,
            embedder=active_embedder(run.env.settings),
            settings=run.env.settings,
            on_token=on_token,
            tools=tools,
        )
    except (EmbeddingUnavailable, AllProvidersFailed, GatewayTimeout) as exc:
        raise TransientJobError(str(exc)) from exc
    suggestion_id = await finish_draft(run, draft, result)
    _log.info("draft %s stored for ticket %s", suggestion_id, ticket_id)
    return f"ai_suggestion:{suggestion_id}"
