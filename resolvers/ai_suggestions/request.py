"""requestReplyDraft, and the automatic drafts: an `ai.draft_reply` job is queued in the
caller's transaction. A person's request is checked against their AI quota in that same
transaction, so a refused request leaves no job row."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ai.drafts import CURRENT_PIPELINE, PIPELINE_VERSIONS
from ai.requests import Caller
from auth import policy
from db.models import Job, Ticket
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx
from resolvers.error_codes import AiSuggestionErrorCode
from resolvers.errors import Forbidden, ValidationFailed
from resolvers.tickets.common import load_ticket_for_update
from workers.jobs import enqueue
from workers.jobs.ai_draft import DRAFT_REPLY_JOB

__all__ = ["DRAFT_REPLY_JOB", "auto_draft", "queue_draft", "request_reply_draft"]


def queue_draft(
    tx: MutationTx,
    ticket: Ticket,
    *,
    requested_by: uuid.UUID | None,
    pipeline_version: str = CURRENT_PIPELINE,
    provider: str | None = None,
    automatic: bool = False,
) -> Job:
    job = enqueue(
        tx.session,
        DRAFT_REPLY_JOB,
        {
            "ticket_id": str(ticket.id),
            "pipeline_version": pipeline_version,
            "provider": provider,
            "automatic": automatic,
        },
        requested_by=requested_by,
    )
    if tx.ctx.jobs is not None:
        tx.after_commit(tx.ctx.jobs.send_pending, [job])
    return job


async def request_reply_draft(
    tx: MutationTx,
    ticket_id: uuid.UUID,
    *,
    pipeline_version: str = CURRENT_PIPELINE,
    provider: str | None = None,
) -> Job:
    principal = tx.ctx.require_principal()
    if not policy.may_decide_ai_suggestion(principal):
        raise Forbidden("Only agents and admins may request AI reply drafts.")
    if pipeline_version not in PIPELINE_VERSIONS:
        raise ValidationFailed.one(
            "pipelineVersion",
            f"Unknown pipeline version; one of {', '.join(PIPELINE_VERSIONS)}.",
            AiSuggestionErrorCode.UNKNOWN_PIPELINE,
        )
    gateway = tx.ctx.ai
    if provider is not None:
        names = [p.name for p in gateway.providers] if gateway is not None else []
        if provider not in names:
            raise ValidationFailed.one(
                "provider",
                f"No provider {provider!r} is configured; "
                f"configured: {', '.join(names) or 'none'}.",
                AiSuggestionErrorCode.UNKNOWN_PROVIDER,
            )
    ticket = await load_ticket_for_update(tx.session, principal, ticket_id, "ticketId")
    if ticket.status == TicketStatus.CLOSED.value:
        raise ValidationFailed.one(
            "ticketId",
            f"Ticket #{ticket.number} is closed: no reply can be drafted.",
            AiSuggestionErrorCode.TICKET_CLOSED,
        )
    if gateway is not None:
        # Inside the transaction that writes the job: QuotaExceeded rolls it back.
        await gateway.check_quota(
            Caller(user_id=principal.user_id, api_key_id=principal.api_key_id, ticket_id=ticket.id)
        )
    job = queue_draft(
        tx,
        ticket,
        requested_by=principal.user_id,
        pipeline_version=pipeline_version,
        provider=provider,
    )
    tx.audit(
        "Ticket",
        ticket.id,
        {"ai_draft_requested": {"before": None, "after": str(job.id)}},
    )
    return job


async def auto_draft(tx: MutationTx, ticket: Ticket) -> Job | None:
    """AI_AUTO_DRAFT: a customer opened the ticket or wrote again. One waiting draft job per
    ticket is enough (it reads the thread when it runs)."""
    if not tx.ctx.settings.ai_auto_draft or ticket.status == TicketStatus.CLOSED.value:
        return None
    waiting = (
        await tx.session.execute(
            select(Job.id)
            .where(
                Job.kind == DRAFT_REPLY_JOB,
                Job.status == "queued",
                Job.args["ticket_id"].astext == str(ticket.id),
            )
            .limit(1)
        )
    ).first()
    if waiting is not None:
        return None
    return queue_draft(tx, ticket, requested_by=None, automatic=True)
