"""AI draft quality for staff: the `aiQuality` report over stored suggestions, and draft
comparisons (`compareDrafts` queues one ticket through several providers; `draftComparison`
reads the group back with each draft's quality score and the best one marked)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer, String, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ai.drafts.quality import quality_score
from auth import policy
from db.models import AiSuggestion, AiSuggestionVersion, Job, Ticket
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.error_codes import AiErrorCode, CommonErrorCode
from resolvers.errors import NotFound, ValidationFailed
from workers.jobs import enqueue
from workers.jobs.ai_compare import COMPARE_DRAFTS_JOB

__all__ = [
    "MAX_COMPARED_PROVIDERS",
    "MAX_QUALITY_RANGE",
    "ComparedDraft",
    "DraftComparison",
    "QualityGroup",
    "QualityGroupBy",
    "ai_quality",
    "compare_drafts",
    "draft_comparison",
]

MAX_QUALITY_RANGE = timedelta(days=400)
MAX_COMPARED_PROVIDERS = 5
_DECIDED = ("accepted", "auto_sent", "rejected")
_TAKEN = ("accepted", "auto_sent")


class QualityGroupBy(enum.StrEnum):
    PROVIDER = "provider"
    PROMPT_VERSION = "prompt_version"
    DAY = "day"


@dataclass(frozen=True, slots=True)
class QualityGroup:
    key: str
    drafts: int
    valid_share: float
    mean_groundedness: float
    mean_citation_coverage: float
    mean_confidence: float
    mean_length: float
    decided: int
    acceptance_rate: float | None
    rejection_rate: float | None
    thumbs_up: int
    thumbs_down: int
    mean_edit_distance: float | None
    escalate_share: float


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _key(group_by: QualityGroupBy) -> Any:
    if group_by is QualityGroupBy.PROVIDER:
        return AiSuggestion.provider
    if group_by is QualityGroupBy.PROMPT_VERSION:
        return AiSuggestion.prompt_version
    # UTC days, as an ISO date.
    return cast(cast(func.timezone("UTC", AiSuggestion.created_at), Date), String)


def _share(condition: Any) -> Any:
    return func.avg(cast(condition, Integer)).cast(Float)


def quality_statement(since: datetime, until: datetime, group_by: QualityGroupBy) -> Any:
    """One aggregate over the range (ix_ai_suggestions_created_at), joined to each draft's
    version 1 (the AI's own text) by the (suggestion_id, number) unique index."""
    key = _key(group_by).label("key")
    decided = func.count().filter(AiSuggestion.status.in_(_DECIDED))
    return (
        select(
            key,
            func.count().label("drafts"),
            _share(AiSuggestion.validation_passed).label("valid_share"),
            func.avg(AiSuggestion.groundedness).label("groundedness"),
            func.avg(AiSuggestion.citation_coverage).label("citation_coverage"),
            func.avg(AiSuggestion.confidence).label("confidence"),
            func.avg(func.length(AiSuggestionVersion.text)).cast(Float).label("length"),
            decided.label("decided"),
            func.count().filter(AiSuggestion.status.in_(_TAKEN)).label("taken"),
            func.count().filter(AiSuggestion.status == "rejected").label("rejected"),
            func.count().filter(AiSuggestion.rating == 1).label("thumbs_up"),
            func.count().filter(AiSuggestion.rating == -1).label("thumbs_down"),
            func.avg(AiSuggestion.edit_distance)
            .filter(AiSuggestion.status == "accepted")
            .cast(Float)
            .label("edit_distance"),
            _share(AiSuggestion.action == "ESCALATE").label("escalate_share"),
        )
        .select_from(AiSuggestion)
        .join(
            AiSuggestionVersion,
            and_(
                AiSuggestionVersion.suggestion_id == AiSuggestion.id,
                AiSuggestionVersion.number == 1,
            ),
        )
        .where(AiSuggestion.created_at >= since, AiSuggestion.created_at < until)
        .group_by(key)
        .order_by(key)
    )


async def ai_quality(
    ctx: RequestContext, since: datetime, until: datetime, group_by: QualityGroupBy
) -> list[QualityGroup]:
    """Staff, like the other reports. Groups with no drafts are left out."""
    ctx.require_staff()
    since, until = _aware(since), _aware(until)
    if until <= since:
        raise ValidationFailed.one(
            "range.to", "The end of the range must be after its start.", CommonErrorCode.INVALID
        )
    if until - since > MAX_QUALITY_RANGE:
        raise ValidationFailed.one(
            "range",
            f"The report covers at most {MAX_QUALITY_RANGE.days} days: shorten the range.",
            CommonErrorCode.INVALID,
        )
    async with ctx.db.sessions() as session:
        rows = (await session.execute(quality_statement(since, until, group_by))).all()
    return [
        QualityGroup(
            key=str(row.key),
            drafts=int(row.drafts),
            valid_share=float(row.valid_share),
            mean_groundedness=float(row.groundedness),
            mean_citation_coverage=float(row.citation_coverage),
            mean_confidence=float(row.confidence),
            mean_length=float(row.length),
            decided=int(row.decided),
            acceptance_rate=row.taken / row.decided if row.decided else None,
            rejection_rate=row.rejected / row.decided if row.decided else None,
            thumbs_up=int(row.thumbs_up),
            thumbs_down=int(row.thumbs_down),
            mean_edit_distance=None if row.edit_distance is None else float(row.edit_distance),
            escalate_share=float(row.escalate_share),
        )
        for row in rows
    ]


# -- comparisons ------------------------------------------------------------------------------


def _provider_names(ctx: RequestContext, providers: list[str]) -> list[str]:
    names = list(dict.fromkeys(" ".join(p.split()) for p in providers))
    if not names or any(not n for n in names):
        raise ValidationFailed.one(
            "providers", "Name at least one AI provider to compare.", AiErrorCode.REQUIRED
        )
    if len(names) > MAX_COMPARED_PROVIDERS:
        raise ValidationFailed.one(
            "providers",
            f"Compare at most {MAX_COMPARED_PROVIDERS} providers at once.",
            AiErrorCode.INVALID,
        )
    configured = [p.name for p in ctx.ai.providers] if ctx.ai is not None else []
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise ValidationFailed.one(
            "providers",
            f"Not a configured AI provider: {', '.join(unknown)}. Configured (AI_PROVIDERS): "
            f"{', '.join(configured) or 'none'}.",
            AiErrorCode.UNKNOWN_PROVIDER,
        )
    return names


async def compare_drafts(
    tx: MutationTx, ticket_id: uuid.UUID, providers: list[str]
) -> tuple[uuid.UUID, Job]:
    """Queue `ai.compare_drafts`; returns the comparison's group id and the job. Drafts of a
    comparison are stored as suggestions of the ticket (status ready/invalid) in one group."""
    principal = tx.ctx.require_staff()
    ticket = await tx.session.get(Ticket, ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        raise NotFound("ticketId", "ticket")
    names = _provider_names(tx.ctx, providers)
    group_id = uuid.uuid4()
    job = enqueue(
        tx.session,
        COMPARE_DRAFTS_JOB,
        {"ticket_id": str(ticket_id), "providers": names, "group_id": str(group_id)},
        requested_by=principal.user_id,
    )
    await tx.session.flush()
    tx.audit("DraftComparison", group_id, {"ticket_id": str(ticket_id), "providers": names})
    if tx.ctx.jobs is not None:
        tx.after_commit(tx.ctx.jobs.send_pending, [job])
    return group_id, job


@dataclass(frozen=True, slots=True)
class ComparedDraft:
    suggestion_id: uuid.UUID
    provider: str
    model: str
    status: str
    action: str
    text: str
    valid: bool
    validation_reasons: tuple[str, ...]
    groundedness: float
    citation_coverage: float
    confidence: float
    citations: int
    score: float
    best: bool


@dataclass(frozen=True, slots=True)
class DraftComparison:
    group_id: uuid.UUID
    ticket_id: uuid.UUID
    drafts: list[ComparedDraft]


async def _group_rows(session: AsyncSession, group_id: uuid.UUID) -> list[tuple[AiSuggestion, str]]:
    rows = await session.execute(
        select(AiSuggestion, AiSuggestionVersion.text)
        .join(
            AiSuggestionVersion,
            and_(
                AiSuggestionVersion.suggestion_id == AiSuggestion.id,
                AiSuggestionVersion.number == 1,
            ),
        )
        .where(AiSuggestion.compare_group_id == group_id)
        .order_by(AiSuggestion.created_at, AiSuggestion.id)
    )
    return [(s, text) for s, text in rows]


async def draft_comparison(ctx: RequestContext, group_id: uuid.UUID) -> DraftComparison | None:
    """The group's drafts in the order they were made; None while the job has stored none
    yet, or for a group the caller may not see."""
    principal = ctx.require_staff()
    async with ctx.db.sessions() as session:
        rows = await _group_rows(session, group_id)
        if not rows:
            return None
        ticket = await session.get(Ticket, rows[0][0].ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        return None
    drafts = [
        ComparedDraft(
            suggestion_id=s.id,
            provider=s.provider,
            model=s.model,
            status=s.status,
            action=s.action,
            text=text,
            valid=s.validation_passed,
            validation_reasons=tuple(s.validation_reasons),
            groundedness=s.groundedness,
            citation_coverage=s.citation_coverage,
            confidence=s.confidence,
            citations=len(s.citations),
            score=quality_score(
                groundedness=s.groundedness,
                citation_coverage=s.citation_coverage,
                confidence=s.confidence,
                valid=s.validation_passed,
                length=len(text),
            ),
            best=s.best_in_group,
        )
        for s, text in rows
    ]
    return DraftComparison(group_id=group_id, ticket_id=ticket.id, drafts=drafts)
