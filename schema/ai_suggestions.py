"""AI reply drafts for staff: request one, read it (versions, sources, scores), edit, accept,
reject, rate; hear drafts arrive, stream in and change live; the auto-reply policy (admins).

Customers never see a suggestion: every field and subscription here is staff-only, and a
customer only ever sees the message an agent (or the auto-reply policy) sent.
"""

from __future__ import annotations

import base64
import enum
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import aclosing
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from ai.drafts import contract as draft_contract
from auth import policy
from db.models import AiSuggestion as SuggestionRow
from db.models import AutoReplyPolicy as PolicyRow
from db.models import Job as JobRow
from db.models import TicketMessage as MessageRow
from resolvers.ai_suggestions.auto_reply import auto_reply_policies, set_auto_reply_policy
from resolvers.ai_suggestions.decisions import (
    accept_suggestion,
    edit_suggestion,
    mark_suggestion_reviewed,
    rate_suggestion,
    reject_suggestion,
)
from resolvers.ai_suggestions.events import SuggestionEventKind
from resolvers.ai_suggestions.queries import (
    SuggestionDelivery,
    TokenDelivery,
    get_suggestion,
    suggestion_stream,
    token_stream,
)
from resolvers.ai_suggestions.request import request_reply_draft
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.error_codes import AiSuggestionErrorCode
from resolvers.errors import ValidationFailed
from schema.accounts import User, visible_user
from schema.errors import AiSuggestionError
from schema.ids import decode_id, uuid_or_none
from schema.jobs import Job
from schema.kb import Article
from schema.messages import Message
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsStaff

if TYPE_CHECKING:
    from schema.tickets import Ticket, TicketChannel

# schema/tickets.py imports this module (Ticket.aiSuggestions): its types load lazily here.
_Channel = Annotated["TicketChannel", strawberry.lazy("schema.tickets")]

__all__ = [
    "AI_SUGGESTIONS_FIELD",
    "AiSuggestion",
    "AiSuggestionsMutation",
    "AiSuggestionsQuery",
    "AiSuggestionsSubscription",
    "DraftPipelineVersion",
]

_PLAIN = " Plain text: escape before rendering as HTML."
_MAX_PAGE = 100
_DEFAULT_PAGE = 20


def _pipeline_enum() -> type[enum.Enum]:
    """One member per callable pipeline version (ai.drafts.PIPELINE_VERSIONS); those listed
    in DEPRECATED_PIPELINES are marked deprecated in the schema."""
    deprecated = set(getattr(draft_contract, "DEPRECATED_PIPELINES", ()))
    members: dict[str, Any] = {}
    for version in draft_contract.PIPELINE_VERSIONS:
        name = "".join(c if c.isalnum() else "_" for c in version).upper()
        members[name] = (
            strawberry.enum_value(
                version, deprecation_reason=f"Use {draft_contract.CURRENT_PIPELINE}."
            )
            if version in deprecated
            else version
        )
    versions: Any = enum.Enum("DraftPipelineVersion", members)  # type: ignore[misc]
    made: type[enum.Enum] = strawberry.enum(
        versions,
        description="A version of the draft pipeline (retrieval, prompt, validation); "
        "recorded on every suggestion.",
    )
    return made


def _pipeline_value(member: enum.Enum) -> str:
    """The version string (a deprecated member's value is strawberry's wrapper of it)."""
    return str(getattr(member.value, "value", member.value))


DraftPipelineVersion: Any = _pipeline_enum()
_CURRENT_PIPELINE = DraftPipelineVersion(draft_contract.CURRENT_PIPELINE)


@strawberry.enum(description="Where an AI suggestion is.")
class AiSuggestionStatus(enum.Enum):
    READY = "ready"
    INVALID = "invalid"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    AUTO_SENT = "auto_sent"
    SUPERSEDED = "superseded"


@strawberry.enum(description="What the draft proposes to do.")
class AiDraftAction(enum.Enum):
    REPLY = "REPLY"
    ASK_CLARIFYING = "ASK_CLARIFYING"
    ESCALATE = "ESCALATE"


@strawberry.enum(description="A thumb on an AI suggestion.")
class Thumb(enum.Enum):
    UP = "up"
    DOWN = "down"


@strawberry.enum(description="What happened to a suggestion (aiSuggestionChanged).")
class AiSuggestionChange(enum.Enum):
    EDITED = "edited"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RATED = "rated"
    REVIEWED = "reviewed"
    SUPERSEDED = "superseded"
    READY = "ready"
    INVALID = "invalid"
    AUTO_SENT = "auto_sent"


@strawberry.type(description="One version of a suggestion: the AI's (1), then each edit.")
class AiSuggestionVersion:
    number: int = strawberry.field(description="1 is the AI's text.")
    text: str = strawberry.field(description="The reply." + _PLAIN)
    diff: str = strawberry.field(
        description="Unified diff against the version before (empty for 1)." + _PLAIN
    )
    created_at: datetime
    author_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who wrote this version (null for the AI's).")
    async def author(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.author_id)


@strawberry.type(description="Something the draft could rest on: a KB chunk or a tool result.")
class AiSuggestionSource:
    id: str = strawberry.field(description="What citations name." + _PLAIN)
    kind: str = strawberry.field(description="`kb_chunk` or `tool`." + _PLAIN)
    title: str = strawberry.field(description=_PLAIN.strip())
    text: str = strawberry.field(description="The passage." + _PLAIN)
    score: float = strawberry.field(description="Retrieval score.")
    cited: bool = strawberry.field(description="Whether the draft cites it.")
    article_id: strawberry.Private[uuid.UUID | None]
    version_id: strawberry.Private[uuid.UUID | None]
    tool_run_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The KB article it comes from, as the policy lets you see it.")
    async def article(self, info: strawberry.Info[RequestContext]) -> Article | None:
        if self.article_id is None:
            return None
        row = await info.context.loaders.article_by_id.load(self.article_id)
        if row is None or not policy.can_see_article(info.context.principal, row):
            return None
        return Article.from_row(row)

    @strawberry.field(description="The article version quoted (global ID).")
    def article_version_id(self) -> strawberry.ID | None:
        if self.version_id is None:
            return None
        return strawberry.ID(relay.to_base64("ArticleVersion", str(self.version_id)))

    @strawberry.field(name="toolRunId", description="The tool run quoted (global ID).")
    def tool_run_global_id(self) -> strawberry.ID | None:
        if self.tool_run_id is None:
            return None
        return strawberry.ID(relay.to_base64("ToolRun", str(self.tool_run_id)))


def _uuid(value: object) -> uuid.UUID | None:
    return uuid_or_none(str(value)) if value else None


def _sources(row: SuggestionRow) -> list[AiSuggestionSource]:
    cited = set(row.citations or [])
    return [
        AiSuggestionSource(
            id=str(s.get("id", "")),
            kind=str(s.get("kind", "")),
            title=str(s.get("title", "")),
            text=str(s.get("text", "")),
            score=float(s.get("score") or 0.0),
            cited=str(s.get("id", "")) in cited,
            article_id=_uuid(s.get("article_id")),
            version_id=_uuid(s.get("version_id")),
            tool_run_id=_uuid(s.get("tool_run_id")),
        )
        for s in row.sources or []
    ]


@strawberry.type(description="The validation verdict of a draft.")
class AiSuggestionValidation:
    passed: bool = strawberry.field(description="Only a draft that passed can be sent.")
    reasons: list[str] = strawberry.field(
        description="Why it failed (empty if it passed)." + _PLAIN
    )


@strawberry.type(description="An AI reply draft for a ticket (staff only).")
class AiSuggestion(relay.Node):
    id: relay.NodeID[str]
    status: AiSuggestionStatus
    action: AiDraftAction
    confidence: float = strawberry.field(description="0..1, the model's own estimate.")
    language: str = strawberry.field(description="Language tag of the reply." + _PLAIN)
    question: str = strawberry.field(description="What the draft answers." + _PLAIN)
    citations: list[str] = strawberry.field(description="Source ids the text cites." + _PLAIN)
    validation: AiSuggestionValidation
    groundedness: float = strawberry.field(
        description="Share of factual sentences supported by a cited source (0..1)."
    )
    citation_coverage: float = strawberry.field(
        description="Share of sentences that carry a citation (0..1)."
    )
    provider: str = strawberry.field(description=_PLAIN.strip())
    model: str = strawberry.field(description=_PLAIN.strip())
    prompt_version: str = strawberry.field(description=_PLAIN.strip())
    pipeline_version: str = strawberry.field(description=_PLAIN.strip())
    current_version: int = strawberry.field(
        description="The version an edit or acceptance must name."
    )
    needs_review: bool = strawberry.field(
        description="Auto-sent without a human: waiting for markAiSuggestionReviewed."
    )
    rating: Thumb | None
    edit_distance: int | None = strawberry.field(
        description="Characters changed between the AI's text and what was sent (Levenshtein)."
    )
    reject_reason: str | None = strawberry.field(description=_PLAIN.strip())
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[SuggestionRow]

    @classmethod
    def from_row(cls, row: SuggestionRow) -> AiSuggestion:
        return cls(
            id=str(row.id),
            status=AiSuggestionStatus(row.status),
            action=AiDraftAction(row.action),
            confidence=row.confidence,
            language=row.language,
            question=row.question,
            citations=list(row.citations or []),
            validation=AiSuggestionValidation(
                passed=row.validation_passed, reasons=list(row.validation_reasons or [])
            ),
            groundedness=row.groundedness,
            citation_coverage=row.citation_coverage,
            provider=row.provider,
            model=row.model,
            prompt_version=row.prompt_version,
            pipeline_version=row.pipeline_version,
            current_version=row.current_version,
            needs_review=row.needs_review,
            rating=None if row.rating is None else (Thumb.UP if row.rating > 0 else Thumb.DOWN),
            edit_distance=row.edit_distance,
            reject_reason=row.reject_reason,
            decided_at=row.decided_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        found = []
        for node_id in node_ids:
            key = uuid_or_none(node_id)
            row = await get_suggestion(info.context, key) if key is not None else None
            found.append(cls.from_row(row) if row is not None else None)
        return found

    async def _versions(self, info: strawberry.Info[RequestContext]) -> list[AiSuggestionVersion]:
        rows = await info.context.loaders.ai_suggestion_versions_by_suggestion_id.load(self.row.id)
        return [
            AiSuggestionVersion(
                number=v.number,
                text=v.text,
                diff=v.diff,
                created_at=v.created_at,
                author_id=v.author_id,
            )
            for v in rows
        ]

    @strawberry.field(description="The current version's text." + _PLAIN)
    async def text(self, info: strawberry.Info[RequestContext]) -> str:
        versions = await self._versions(info)
        current = [v for v in versions if v.number == self.current_version]
        return current[0].text if current else ""

    @strawberry.field(description="Every version, oldest first, each with its diff.")
    async def versions(self, info: strawberry.Info[RequestContext]) -> list[AiSuggestionVersion]:
        return await self._versions(info)

    @strawberry.field(description="What the draft could rest on, best first.")
    def sources(self) -> list[AiSuggestionSource]:
        return _sources(self.row)

    @strawberry.field(description="The ticket it answers.")
    async def ticket(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        row = await info.context.loaders.ticket_by_id.load(self.row.ticket_id)
        return Ticket.from_row(row) if row is not None else None

    @strawberry.field(description="The reply it became (accepted or auto-sent).")
    async def message(self, info: strawberry.Info[RequestContext]) -> Message | None:
        if self.row.message_id is None:
            return None
        row = await info.context.loaders.message_by_id.load(self.row.message_id)
        return Message.from_row(row) if row is not None else None

    @strawberry.field(description="Who asked for it (null for automatic drafts).")
    async def requested_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.requested_by_id)

    @strawberry.field(description="Who accepted, rejected or reviewed it.")
    async def decided_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.decided_by_id)

    @strawberry.field(description="The job that produced it (global ID).")
    def job_id(self) -> strawberry.ID | None:
        if self.row.job_id is None:
            return None
        return strawberry.ID(relay.to_base64("Job", str(self.row.job_id)))


@strawberry.type(description="A ticket's AI suggestions, newest first.")
class AiSuggestionConnection(relay.Connection[AiSuggestion]):
    total_count: int = strawberry.field(description="Suggestions of the ticket.")


def _cursor(index: int) -> str:
    return base64.b64encode(f"ai-suggestion:{index}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().split(":", 1)[1]) + 1
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ValidationFailed.one(
            "after", "Not a cursor of this list.", AiSuggestionErrorCode.INVALID
        ) from exc


async def ticket_ai_suggestions(
    root: Any,
    info: strawberry.Info[RequestContext],
    first: int | None = None,
    after: str | None = None,
) -> AiSuggestionConnection:
    """Ticket.aiSuggestions: one batched load per page of tickets (DataLoader)."""
    size = _DEFAULT_PAGE if first is None else first
    if not 0 <= size <= _MAX_PAGE:
        raise ValidationFailed.one(
            "first", f"`first` must be between 0 and {_MAX_PAGE}.", AiSuggestionErrorCode.INVALID
        )
    rows = await info.context.loaders.ai_suggestions_by_ticket_id.load(uuid.UUID(str(root.id)))
    start = _offset(after)
    page = rows[start : start + size]
    edges = [
        relay.Edge(cursor=_cursor(start + n), node=AiSuggestion.from_row(row))
        for n, row in enumerate(page)
    ]
    return AiSuggestionConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=start + size < len(rows),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(rows),
    )


# The field schema/tickets.py puts on Ticket.
AI_SUGGESTIONS_FIELD = strawberry.field(
    resolver=ticket_ai_suggestions,
    description="AI reply drafts for this ticket, newest first (staff only).",
    permission_classes=[IsStaff],
)


@strawberry.type(description="When an AI draft may be sent without a human (admins).")
class AutoReplyPolicy:
    channel: _Channel | None = strawberry.field(description="Null: every channel.")
    team_id: strawberry.ID | None = strawberry.field(description="Null: every team.")
    enabled: bool
    min_confidence: float
    min_groundedness: float
    updated_at: datetime

    @classmethod
    def from_row(cls, row: PolicyRow) -> AutoReplyPolicy:
        from schema.tickets import TicketChannel

        return cls(
            channel=TicketChannel(row.channel) if row.channel else None,
            team_id=strawberry.ID(relay.to_base64("Team", str(row.team_id)))
            if row.team_id
            else None,
            enabled=row.enabled,
            min_confidence=row.min_confidence,
            min_groundedness=row.min_groundedness,
            updated_at=row.updated_at,
        )


@strawberry.type
class AiSuggestionsQuery:
    @strawberry.field(
        description="One AI suggestion (null when absent or not yours to see; staff only).",
        permission_classes=[IsStaff],
    )
    async def ai_suggestion(
        self, info: strawberry.Info[RequestContext], id: strawberry.ID
    ) -> AiSuggestion | None:
        try:
            key = decode_id(id, "AiSuggestion", "id")
        except ValidationFailed:
            return None
        row = await get_suggestion(info.context, key)
        return AiSuggestion.from_row(row) if row is not None else None

    @strawberry.field(
        description="The auto-reply policies (admins). None means no draft is ever sent "
        "without a human.",
        permission_classes=[IsAdmin],
    )
    async def auto_reply_policies(
        self, info: strawberry.Info[RequestContext]
    ) -> list[AutoReplyPolicy]:
        return [AutoReplyPolicy.from_row(r) for r in await auto_reply_policies(info.context)]


@strawberry.input(description="Ask the AI for a reply draft (queued as a job).")
class RequestReplyDraftInput:
    ticket_id: strawberry.ID
    pipeline_version: DraftPipelineVersion = strawberry.field(
        default=_CURRENT_PIPELINE, description="Default: the current pipeline."
    )
    provider: str | None = strawberry.field(
        default=None, description="A configured provider's name; default: the fallback chain."
    )


@strawberry.input(description="Send a suggestion's current version as the public reply.")
class AcceptAiSuggestionInput:
    suggestion_id: strawberry.ID
    version: int = strawberry.field(description="The version you reviewed (the current one).")


@strawberry.input(description="A new version of a suggestion's text.")
class EditAiSuggestionInput:
    suggestion_id: strawberry.ID
    base_version: int = strawberry.field(description="The version you edited (the current one).")
    text: str = strawberry.field(description="The reply, plain text (at most 20 000 chars).")


@strawberry.input(description="Reject a suggestion.")
class RejectAiSuggestionInput:
    suggestion_id: strawberry.ID
    reason: str | None = None


@strawberry.input(description="Rate a suggestion.")
class RateAiSuggestionInput:
    suggestion_id: strawberry.ID
    thumb: Thumb


@strawberry.input(description="An auto-sent suggestion a human has now reviewed.")
class MarkAiSuggestionReviewedInput:
    suggestion_id: strawberry.ID


@strawberry.input(description="Set the auto-reply policy of a channel and/or team (admins).")
class SetAutoReplyPolicyInput:
    channel: _Channel | None = strawberry.field(default=None, description="Null: any.")
    team_id: strawberry.ID | None = strawberry.field(default=None, description="Null: any.")
    enabled: bool = False
    min_confidence: float = 0.8
    min_groundedness: float = 0.8


@strawberry.type(description="Result of requestReplyDraft.")
class RequestReplyDraftPayload(MutationPayload[AiSuggestionError]):
    job: Job | None = strawberry.field(
        default=None,
        description="The queued `ai.draft_reply` job; the draft arrives on aiSuggestionReady.",
    )


@strawberry.type(description="Result of a mutation on an AI suggestion.")
class AiSuggestionPayload(MutationPayload[AiSuggestionError]):
    suggestion: AiSuggestion | None = None


@strawberry.type(description="Result of acceptAiSuggestion.")
class AcceptAiSuggestionPayload(MutationPayload[AiSuggestionError]):
    suggestion: AiSuggestion | None = None
    message: Message | None = strawberry.field(default=None, description="The reply sent.")


@strawberry.type(description="Result of setAutoReplyPolicy.")
class AutoReplyPolicyPayload(MutationPayload[AiSuggestionError]):
    policy: AutoReplyPolicy | None = None


def _sid(value: strawberry.ID) -> uuid.UUID:
    return decode_id(value, "AiSuggestion", "suggestionId")


def _job(row: JobRow) -> Job:
    return Job.from_row(row)


def _message(row: MessageRow) -> Message:
    return Message.from_row(row)


@strawberry.type
class AiSuggestionsMutation:
    @mutation(
        description="Ask for an AI reply draft of a ticket (agents and admins). Checked "
        "against your AI quota (RATE_LIMITED, and no job, when over it).",
        permission_classes=[IsStaff],
    )
    async def request_reply_draft(
        tx: MutationTx, input: RequestReplyDraftInput
    ) -> RequestReplyDraftPayload:
        job = await request_reply_draft(
            tx,
            decode_id(input.ticket_id, "Ticket", "ticketId"),
            pipeline_version=_pipeline_value(input.pipeline_version),
            provider=input.provider,
        )
        await tx.session.flush()
        await tx.session.refresh(job)
        return RequestReplyDraftPayload(job=_job(job))

    @mutation(
        description="Edit a suggestion: a new version with a diff. Refused as STALE when "
        "baseVersion is not the current version.",
        permission_classes=[IsStaff],
    )
    async def edit_ai_suggestion(
        tx: MutationTx, input: EditAiSuggestionInput
    ) -> AiSuggestionPayload:
        row = await edit_suggestion(tx, _sid(input.suggestion_id), input.base_version, input.text)
        return AiSuggestionPayload(suggestion=AiSuggestion.from_row(row))

    @mutation(
        description="Send the suggestion's current version to the customer as a public reply "
        "by the AI, approved by you (events, notifications, SLA as for any reply). An invalid "
        "suggestion is refused (INVALID_SUGGESTION), a stale version too (STALE).",
        permission_classes=[IsStaff],
    )
    async def accept_ai_suggestion(
        tx: MutationTx, input: AcceptAiSuggestionInput
    ) -> AcceptAiSuggestionPayload:
        row, message = await accept_suggestion(tx, _sid(input.suggestion_id), input.version)
        return AcceptAiSuggestionPayload(
            suggestion=AiSuggestion.from_row(row), message=_message(message)
        )

    @mutation(description="Reject a suggestion (with a reason).", permission_classes=[IsStaff])
    async def reject_ai_suggestion(
        tx: MutationTx, input: RejectAiSuggestionInput
    ) -> AiSuggestionPayload:
        row = await reject_suggestion(tx, _sid(input.suggestion_id), input.reason)
        return AiSuggestionPayload(suggestion=AiSuggestion.from_row(row))

    @mutation(description="Thumb a suggestion up or down (staff).", permission_classes=[IsStaff])
    async def rate_ai_suggestion(
        tx: MutationTx, input: RateAiSuggestionInput
    ) -> AiSuggestionPayload:
        row = await rate_suggestion(tx, _sid(input.suggestion_id), input.thumb is Thumb.UP)
        return AiSuggestionPayload(suggestion=AiSuggestion.from_row(row))

    @mutation(
        description="Mark an auto-sent suggestion as reviewed by a human.",
        permission_classes=[IsStaff],
    )
    async def mark_ai_suggestion_reviewed(
        tx: MutationTx, input: MarkAiSuggestionReviewedInput
    ) -> AiSuggestionPayload:
        row = await mark_suggestion_reviewed(tx, _sid(input.suggestion_id))
        return AiSuggestionPayload(suggestion=AiSuggestion.from_row(row))

    @mutation(
        description="Set when AI drafts of a channel and/or team are sent without a human "
        "(admins): validation passed, action REPLY, groundedness and confidence above the "
        "thresholds (1 = never). Off by default.",
        permission_classes=[IsAdmin],
    )
    async def set_auto_reply_policy(
        tx: MutationTx, input: SetAutoReplyPolicyInput
    ) -> AutoReplyPolicyPayload:
        row = await set_auto_reply_policy(
            tx,
            channel=input.channel.value if input.channel else None,
            team_id=decode_id(input.team_id, "Team", "teamId") if input.team_id else None,
            enabled=input.enabled,
            min_confidence=input.min_confidence,
            min_groundedness=input.min_groundedness,
        )
        return AutoReplyPolicyPayload(policy=AutoReplyPolicy.from_row(row))


@strawberry.type(description="A suggestion arrived or changed.")
class AiSuggestionEvent:
    change: AiSuggestionChange = strawberry.field(description="What happened.")
    suggestion: AiSuggestion = strawberry.field(description="The suggestion as it is now.")


@strawberry.type(description="A piece of a draft being written.")
class AiSuggestionTokens:
    job_id: strawberry.ID = strawberry.field(description="The draft job writing it.")
    sequence: int = strawberry.field(description="1, 2, 3 … in order of writing.")
    delta: str = strawberry.field(description="The text added." + _PLAIN)


def _change(what: str, fallback: AiSuggestionChange) -> AiSuggestionChange:
    try:
        return AiSuggestionChange(what)
    except ValueError:
        return fallback


async def _events(
    stream: AsyncGenerator[SuggestionDelivery, None], fallback: AiSuggestionChange
) -> AsyncGenerator[AiSuggestionEvent, None]:
    async with aclosing(stream) as deliveries:
        async for event in deliveries:
            yield AiSuggestionEvent(
                change=_change(event.what, fallback),
                suggestion=AiSuggestion.from_row(event.suggestion),
            )


async def _tokens(
    stream: AsyncGenerator[TokenDelivery, None],
) -> AsyncGenerator[AiSuggestionTokens, None]:
    async with aclosing(stream) as deliveries:
        async for event in deliveries:
            yield AiSuggestionTokens(
                job_id=strawberry.ID(relay.to_base64("Job", str(event.job_id))),
                sequence=event.sequence,
                delta=event.delta,
            )


@strawberry.type
class AiSuggestionsSubscription:
    @strawberry.subscription(
        description="New AI drafts of a ticket, once stored (staff only).",
        permission_classes=[IsStaff],
    )
    async def ai_suggestion_ready(
        self, info: strawberry.Info[RequestContext], ticket_id: strawberry.ID
    ) -> AsyncIterator[AiSuggestionEvent]:
        stream = await suggestion_stream(
            info.context, decode_id(ticket_id, "Ticket", "ticketId"), SuggestionEventKind.READY
        )
        return _events(stream, AiSuggestionChange.READY)

    @strawberry.subscription(
        description="Changes to a ticket's AI drafts: new versions and decisions, so every "
        "agent on the ticket sees them live (staff only).",
        permission_classes=[IsStaff],
    )
    async def ai_suggestion_changed(
        self, info: strawberry.Info[RequestContext], ticket_id: strawberry.ID
    ) -> AsyncIterator[AiSuggestionEvent]:
        stream = await suggestion_stream(
            info.context, decode_id(ticket_id, "Ticket", "ticketId"), SuggestionEventKind.CHANGED
        )
        return _events(stream, AiSuggestionChange.EDITED)

    @strawberry.subscription(
        description="A draft of the ticket as it is generated, piece by piece (staff only).",
        permission_classes=[IsStaff],
    )
    async def ai_suggestion_tokens(
        self, info: strawberry.Info[RequestContext], ticket_id: strawberry.ID
    ) -> AsyncIterator[AiSuggestionTokens]:
        return _tokens(await token_stream(info.context, decode_id(ticket_id, "Ticket", "ticketId")))
