"""`ai.compare_drafts`: draft a reply to one ticket with each named provider (args
`{"ticket_id", "providers", "group_id"}`), store every draft as a suggestion of one compare
group, and mark the best by quality score (ai/drafts/quality.py).

Drafts are stored together with the job's success (`run.finishing()`), so a job run twice
stores the group once. A provider that fails is stored too, as an invalid draft saying why,
so the comparison shows it. The job's own `succeeded` event (jobUpdated) is the completion
event; its resultRef is `compare_group:<uuid>`.
"""

from __future__ import annotations

import logging
import uuid

from ai.drafts import (
    DraftAction,
    DraftInput,
    DraftOutput,
    DraftResult,
    ValidationReport,
    produce_draft,
)
from ai.drafts.quality import score_result
from ai.embeddings import EmbeddingUnavailable, active_embedder
from ai.gateway import GatewayError
from ai.quotas import QuotaExceeded
from db.models import AiSuggestion
from workers.jobs.draft_input import load_draft_input
from workers.jobs.kinds import TransientJobError, job_kind
from workers.jobs.runner import JobRun

__all__ = ["COMPARE_DRAFTS_JOB", "compare_drafts_job", "pick_best"]

COMPARE_DRAFTS_JOB = "ai.compare_drafts"
_log = logging.getLogger("autocrm.ai")


def pick_best(results: list[DraftResult]) -> int | None:
    """Index of the best draft: the highest quality score among those that passed
    validation (the first on a tie); None when none passed."""
    best: int | None = None
    best_score = -1.0
    for i, result in enumerate(results):
        if not result.validation.passed:
            continue
        score = score_result(result)
        if score > best_score:
            best, best_score = i, score
    return best


def _failed(draft: DraftInput, provider: str, model: str, reason: str) -> DraftResult:
    return DraftResult(
        output=DraftOutput(
            text="", citations=(), confidence=0.0, action=DraftAction.ESCALATE, language="en"
        ),
        validation=ValidationReport(
            passed=False,
            reasons=(f"the provider gave no draft: {reason}"[:500],),
            groundedness=0.0,
            citation_coverage=0.0,
        ),
        sources=(),
        question="",
        provider=provider,
        model=model,
        prompt_version="none",
        pipeline_version=draft.pipeline_version,
    )


@job_kind(COMPARE_DRAFTS_JOB, queue="ai", time_limit=600.0, max_attempts=3)
async def compare_drafts_job(run: JobRun) -> str | None:
    from dataclasses import replace

    from resolvers.ai_suggestions.store import save_draft

    try:
        ticket_id = uuid.UUID(str(run.args["ticket_id"]))
        group_id = uuid.UUID(str(run.args["group_id"]))
        providers = [str(p) for p in run.args["providers"]]
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(
            "ai.compare_drafts needs args {'ticket_id', 'group_id', 'providers'}"
        ) from exc
    base = await load_draft_input(run, ticket_id)
    if base is None:
        return "ticket-gone"
    settings = run.env.settings
    try:
        embedder = active_embedder(settings)
    except EmbeddingUnavailable as exc:
        raise TransientJobError(str(exc)) from exc
    drafts: list[tuple[DraftInput, DraftResult]] = []
    for done, name in enumerate(providers):
        await run.progress(done / (len(providers) + 1), f"drafting with {name}")
        draft = replace(base, provider=name)
        try:
            gateway = run.ai.only(name)
        except GatewayError:  # configured on the server that queued it, not on this worker
            drafts.append((draft, _failed(draft, name, "", "not configured on this worker")))
            continue
        try:
            result = await produce_draft(
                draft, db=run.db, gateway=gateway, embedder=embedder, settings=settings
            )
        except EmbeddingUnavailable as exc:
            raise TransientJobError(str(exc)) from exc
        except (GatewayError, QuotaExceeded) as exc:
            _log.warning("compareDrafts: %s gave no draft: %s", name, exc)
            result = _failed(draft, name, gateway.providers[0].model, str(exc))
        drafts.append((draft, result))
    best = pick_best([result for _, result in drafts])
    async with run.finishing(f"compare_group:{group_id}") as session:
        for i, (draft, result) in enumerate(drafts):
            suggestion: AiSuggestion = await save_draft(
                session, draft, result, compare_group_id=group_id
            )
            suggestion.best_in_group = i == best
    return f"compare_group:{group_id}"
