"""AI draft quality for staff: the aiQuality report, and draft comparisons across providers
(compareDrafts queues them, draftComparison reads the scored drafts back)."""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from resolvers import ai_quality
from resolvers.ai_suggestions.queries import get_suggestion
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed
from schema.dashboard import ReportRange
from schema.errors import AiError
from schema.ids import decode_id
from schema.jobs import Job
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsStaff

if TYPE_CHECKING:
    from schema.ai_suggestions import AiSuggestion

__all__ = ["AiQualityMutation", "AiQualityQuery"]

_PLAIN = "Plain text: escape before rendering as HTML."


@strawberry.enum(description="What the aiQuality report is grouped by.")
class AiQualityGroupBy(enum.Enum):
    PROVIDER = strawberry.enum_value(
        ai_quality.QualityGroupBy.PROVIDER.value, description="The provider that drafted."
    )
    PROMPT_VERSION = strawberry.enum_value(
        ai_quality.QualityGroupBy.PROMPT_VERSION.value, description="The prompt's version."
    )
    DAY = strawberry.enum_value(
        ai_quality.QualityGroupBy.DAY.value, description="The UTC day it was drafted."
    )


@strawberry.type(description="Quality of the AI reply drafts of one group.")
class AiQualityGroup:
    key: str = strawberry.field(
        description=f"The provider, prompt version, or ISO date (UTC day). {_PLAIN}"
    )
    drafts: int = strawberry.field(description="Drafts made (suggestions stored).")
    valid_share: float = strawberry.field(description="Share (0..1) that passed validation.")
    mean_groundedness: float = strawberry.field(
        description="Mean share of factual sentences supported by a cited source (0..1)."
    )
    mean_citation_coverage: float = strawberry.field(
        description="Mean share of sentences carrying a citation (0..1)."
    )
    mean_confidence: float = strawberry.field(description="Mean stated confidence (0..1).")
    mean_length: float = strawberry.field(
        description="Mean length of the AI's own text (version 1), in characters."
    )
    decided: int = strawberry.field(
        description="Drafts with an outcome: accepted, auto-sent or rejected."
    )
    acceptance_rate: float | None = strawberry.field(
        description="(accepted + auto-sent) / decided; null when none was decided."
    )
    rejection_rate: float | None = strawberry.field(
        description="rejected / decided; null when none was decided."
    )
    thumbs_up: int = strawberry.field(description="Drafts rated thumbs up.")
    thumbs_down: int = strawberry.field(description="Drafts rated thumbs down.")
    mean_edit_distance: float | None = strawberry.field(
        description="Mean characters changed before sending, over accepted drafts (null: none)."
    )
    escalate_share: float = strawberry.field(
        description="Share (0..1) whose answer was to hand the ticket to a human (ESCALATE)."
    )

    @classmethod
    def from_group(cls, g: ai_quality.QualityGroup) -> AiQualityGroup:
        return cls(
            key=g.key,
            drafts=g.drafts,
            valid_share=g.valid_share,
            mean_groundedness=g.mean_groundedness,
            mean_citation_coverage=g.mean_citation_coverage,
            mean_confidence=g.mean_confidence,
            mean_length=g.mean_length,
            decided=g.decided,
            acceptance_rate=g.acceptance_rate,
            rejection_rate=g.rejection_rate,
            thumbs_up=g.thumbs_up,
            thumbs_down=g.thumbs_down,
            mean_edit_distance=g.mean_edit_distance,
            escalate_share=g.escalate_share,
        )


@strawberry.type(description="One provider's draft in a comparison, with its scores.")
class ComparedDraft:
    suggestion_id: strawberry.ID = strawberry.field(
        description="The AiSuggestion the draft was stored as (accept or edit it as usual)."
    )
    provider: str = strawberry.field(description=f"The provider asked. {_PLAIN}")
    model: str = strawberry.field(description=f"The model that answered. {_PLAIN}")
    status: str = strawberry.field(
        description=f"The suggestion's status: ready, invalid, accepted, rejected, auto_sent "
        f"or superseded. {_PLAIN}"
    )
    action: str = strawberry.field(
        description=f"What the draft does: REPLY, ASK_CLARIFYING or ESCALATE. {_PLAIN}"
    )
    text: str = strawberry.field(description=f"The AI's own text (version 1). {_PLAIN}")
    valid: bool = strawberry.field(description="Whether it passed validation.")
    validation_reasons: list[str] = strawberry.field(
        description=f"Why it failed validation (empty when valid). {_PLAIN}"
    )
    groundedness: float = strawberry.field(description="Groundedness (0..1).")
    citation_coverage: float = strawberry.field(description="Citation coverage (0..1).")
    confidence: float = strawberry.field(description="Stated confidence (0..1).")
    citations: int = strawberry.field(description="Sources cited.")
    score: float = strawberry.field(
        description="Quality score (0..1; a valid draft scores at least 0.5, an invalid one "
        "below): 0.40 groundedness + 0.25 citation coverage + 0.20 confidence + 0.15 length "
        "fit, scaled into the valid or invalid half."
    )
    best: bool = strawberry.field(description="The best valid draft of the comparison.")
    suggestion_key: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The stored suggestion, as the policy lets you see it (accept, edit or "
        "reject it as usual)."
    )
    async def suggestion(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[AiSuggestion, strawberry.lazy("schema.ai_suggestions")] | None:
        from schema.ai_suggestions import AiSuggestion as Node

        row = await get_suggestion(info.context, self.suggestion_key)
        return Node.from_row(row) if row is not None else None

    @classmethod
    def from_entry(cls, d: ai_quality.ComparedDraft) -> ComparedDraft:
        return cls(
            suggestion_key=d.suggestion_id,
            suggestion_id=strawberry.ID(relay.to_base64("AiSuggestion", str(d.suggestion_id))),
            provider=d.provider,
            model=d.model,
            status=d.status,
            action=d.action,
            text=d.text,
            valid=d.valid,
            validation_reasons=list(d.validation_reasons),
            groundedness=d.groundedness,
            citation_coverage=d.citation_coverage,
            confidence=d.confidence,
            citations=d.citations,
            score=d.score,
            best=d.best,
        )


@strawberry.type(description="Drafts of one ticket by several providers, scored.")
class DraftComparison:
    group_id: strawberry.ID = strawberry.field(description="The comparison's id.")
    ticket_id: strawberry.ID = strawberry.field(description="The ticket drafted for.")
    drafts: list[ComparedDraft] = strawberry.field(
        description="One draft per provider, in the order asked."
    )

    @strawberry.field(description="The best valid draft (null when none passed validation).")
    def best(self) -> ComparedDraft | None:
        return next((d for d in self.drafts if d.best), None)


def _group_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValidationFailed(
            FieldProblem("groupId", "Not a comparison id.", CommonErrorCode.INVALID_ID)
        ) from exc


@strawberry.type
class AiQualityQuery:
    @strawberry.field(
        description="Quality of AI reply drafts made in a period, grouped by provider, prompt "
        "version or UTC day (staff; at most 400 days). Groups without drafts are left out.",
        permission_classes=[IsStaff],
    )
    async def ai_quality(
        self,
        info: strawberry.Info[RequestContext],
        range: Annotated[ReportRange, strawberry.argument(description="The period to cover.")],
        group_by: Annotated[
            AiQualityGroupBy, strawberry.argument(description="What each row is a group of.")
        ],
    ) -> list[AiQualityGroup]:
        groups = await ai_quality.ai_quality(
            info.context, range.from_, range.to, ai_quality.QualityGroupBy(str(group_by.value))
        )
        return [AiQualityGroup.from_group(g) for g in groups]

    @strawberry.field(
        description="A draft comparison's drafts with their scores and the best one (staff); "
        "null until its job has stored them (follow the job with jobUpdated).",
        permission_classes=[IsStaff],
    )
    async def draft_comparison(
        self,
        info: strawberry.Info[RequestContext],
        group_id: Annotated[
            strawberry.ID, strawberry.argument(description="From compareDrafts' groupId.")
        ],
    ) -> DraftComparison | None:
        found = await ai_quality.draft_comparison(info.context, _group_id(group_id))
        if found is None:
            return None
        return DraftComparison(
            group_id=strawberry.ID(str(found.group_id)),
            ticket_id=strawberry.ID(relay.to_base64("Ticket", str(found.ticket_id))),
            drafts=[ComparedDraft.from_entry(d) for d in found.drafts],
        )


@strawberry.input(description="The ticket to draft for, and the providers to compare.")
class CompareDraftsInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")
    providers: list[str] = strawberry.field(
        description="Provider names as configured in AI_PROVIDERS (e.g. offline, openai, "
        "local), 1 to 5."
    )


@strawberry.type(description="Result of compareDrafts.")
class CompareDraftsPayload(MutationPayload[AiError]):
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="Read the drafts with draftComparison(groupId)."
    )
    job: Job | None = strawberry.field(
        default=None,
        description="The comparison job: jobUpdated tells when it is done (resultRef "
        "`compare_group:<groupId>`).",
    )


@strawberry.type
class AiQualityMutation:
    @mutation(
        description="Draft a reply to a ticket with each named provider, in a job, to compare "
        "them (staff). Each draft is stored as a suggestion of the ticket; the best valid one "
        "is marked. An unknown provider name is refused (UNKNOWN_PROVIDER) and nothing is "
        "queued.",
        permission_classes=[IsStaff],
    )
    async def compare_drafts(tx: MutationTx, input: CompareDraftsInput) -> CompareDraftsPayload:
        ticket_id = decode_id(input.ticket_id, "Ticket", "ticketId")
        group_id, job = await ai_quality.compare_drafts(tx, ticket_id, list(input.providers))
        return CompareDraftsPayload(group_id=strawberry.ID(str(group_id)), job=Job.from_row(job))
