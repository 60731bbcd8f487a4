"""Asking for triage: on ticket creation (AI_TRIAGE_ON_CREATE) and `retriageTicket`."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from db.models import Job, Ticket
from resolvers.audit import MutationTx
from resolvers.tickets.common import load_ticket_for_update, require_agent
from workers.jobs import enqueue
from workers.jobs.ai_triage import AI_TRIAGE_JOB

__all__ = ["AI_TRIAGE_JOB", "queue_triage", "retriage_ticket"]


def queue_triage(tx: MutationTx, ticket: Ticket, *, keep: Collection[str] = (), reason: str) -> Job:
    """An `ai.triage` job in this transaction, sent to a worker once it commits."""
    principal = tx.ctx.principal
    job = enqueue(
        tx.session,
        AI_TRIAGE_JOB,
        {"ticket_id": str(ticket.id), "keep": sorted(keep), "reason": reason},
        requested_by=principal.user_id if principal else None,
    )
    if tx.ctx.jobs is not None:
        tx.after_commit(tx.ctx.jobs.send_pending, [job])
    return job


async def retriage_ticket(tx: MutationTx, ticket_id: uuid.UUID) -> tuple[Ticket, Job]:
    """Triage again from scratch: the new result may change priority, team and tags."""
    principal = require_agent(tx.ctx)
    ticket = await load_ticket_for_update(tx.session, principal, ticket_id, "ticketId")
    job = queue_triage(tx, ticket, reason="retriage")
    await tx.session.flush()
    tx.audit("Ticket", ticket.id, {"triage_job_id": {"before": None, "after": str(job.id)}})
    return ticket, job
