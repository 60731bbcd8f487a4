"""The end of an `ai.draft_reply` job: store the draft as a suggestion together with the
job's success, supersede the ticket's older ready drafts, apply the auto-reply policy, and
tell the ticket's staff once it has committed."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from ai.drafts import DraftInput, DraftResult
from dataloaders import Loaders
from db.base import utcnow
from db.models import AiSuggestion, Ticket
from db.models.tickets import TicketStatus
from resolvers.ai_suggestions.auto_reply import policy_for, qualifies
from resolvers.ai_suggestions.decisions import post_ai_reply, suggestion_snapshot
from resolvers.ai_suggestions.events import (
    SuggestionEventKind,
    publish_suggestion_event,
    suggestion_event,
)
from resolvers.ai_suggestions.store import save_draft
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext, RequestMeta
from workers.jobs import JobQueue

if TYPE_CHECKING:
    from workers.jobs.runner import JobRun

__all__ = ["AUTO_REPLY_ACTOR", "finish_draft"]

AUTO_REPLY_ACTOR = "AI auto-reply"


def _job_context(run: JobRun) -> RequestContext:
    settings = run.env.settings
    return RequestContext(
        db=run.db,
        settings=settings,
        loaders=Loaders(run.db),
        meta=RequestMeta(request_id=f"job-{run.id}"),
        jobs=JobQueue(run.db, settings, run.env.sender),
        publisher=run.env.publisher,
        ai=run.env.ai,
    )


async def finish_draft(run: JobRun, draft: DraftInput, result: DraftResult) -> uuid.UUID:
    """Returns the stored suggestion's id."""
    ctx = _job_context(run)
    superseded: list[uuid.UUID] = []
    async with run.finishing(f"ticket:{draft.ticket_id}") as session:
        tx = MutationTx(session=session, ctx=ctx, action="aiDraftReply")
        ticket = (
            await session.execute(
                select(Ticket).where(Ticket.id == draft.ticket_id).with_for_update()
            )
        ).scalar_one_or_none()
        if ticket is None:
            raise LookupError("the ticket was deleted while its draft was written")
        suggestion = await save_draft(session, draft, result)
        superseded = list(
            (
                await session.execute(
                    update(AiSuggestion)
                    .where(
                        AiSuggestion.ticket_id == ticket.id,
                        AiSuggestion.status == "ready",
                        AiSuggestion.id != suggestion.id,
                    )
                    .values(status="superseded", updated_at=utcnow())
                    .returning(AiSuggestion.id)
                )
            ).scalars()
        )
        if qualifies(await policy_for(session, ticket), suggestion) and (
            ticket.status != TicketStatus.CLOSED.value
        ):
            message = await post_ai_reply(tx, ticket, result.output.text, None)
            suggestion.status = "auto_sent"
            suggestion.needs_review = True
            suggestion.message_id = message.id
            suggestion.decided_at = utcnow()
            suggestion.edit_distance = 0
        tx.audit(
            "AiSuggestion",
            suggestion.id,
            {
                **diff({}, suggestion_snapshot(suggestion)),
                "job_id": str(run.id),
                "superseded": [str(s) for s in superseded],
            },
        )
        for entry in tx.entries:  # written by the job, not by a person
            entry.actor_label = AUTO_REPLY_ACTOR if suggestion.status == "auto_sent" else "AI"
        await session.flush()
        suggestion_id, ticket_id, status = suggestion.id, ticket.id, suggestion.status
    await tx.run_after_commit()
    publisher = run.env.publisher
    for old in superseded:
        await publish_suggestion_event(
            publisher,
            ticket_id,
            suggestion_event(SuggestionEventKind.CHANGED, ticket_id, old, "superseded"),
        )
    await publish_suggestion_event(
        publisher,
        ticket_id,
        suggestion_event(SuggestionEventKind.READY, ticket_id, suggestion_id, status),
    )
    return suggestion_id
