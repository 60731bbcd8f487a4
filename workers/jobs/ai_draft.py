"""`ai.draft_reply`: draft a reply to a ticket (args `{"ticket_id", "pipeline_version",
"provider", "automatic"}`), streaming its tokens to the ticket's staff as it is written.

The draft is stored with the job's success (`run.finishing()`), so a job run twice stores
it once; storing, superseding, the auto-reply policy and the events are the resolvers'
(resolvers/ai_suggestions/finish.py).
"""

from __future__ import annotations

import logging
import uuid

from ai.drafts import CURRENT_PIPELINE, produce_draft
from ai.drafts.tool_step import tool_step_for
from ai.embeddings import EmbeddingUnavailable, active_embedder
from ai.gateway import AllProvidersFailed, GatewayTimeout
from workers.jobs.draft_input import load_draft_input
from workers.jobs.kinds import TransientJobError, job_kind
from workers.jobs.runner import JobRun

__all__ = ["DRAFT_REPLY_JOB", "draft_reply_job"]

DRAFT_REPLY_JOB = "ai.draft_reply"
_log = logging.getLogger("autocrm.ai")


@job_kind(DRAFT_REPLY_JOB, queue="ai", time_limit=180.0, max_attempts=3)
async def draft_reply_job(run: JobRun) -> str | None:
    from resolvers.ai_suggestions.events import publish_suggestion_event, token_event
    from resolvers.ai_suggestions.finish import finish_draft

    try:
        ticket_id = uuid.UUID(str(run.args["ticket_id"]))
    except (KeyError, ValueError) as exc:
        raise ValueError("ai.draft_reply needs args {'ticket_id': <uuid>}") from exc
    draft = await load_draft_input(
        run,
        ticket_id,
        pipeline_version=str(run.args.get("pipeline_version") or CURRENT_PIPELINE),
        provider=run.args.get("provider") or None,
    )
    if draft is None:
        return "ticket-gone"
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
