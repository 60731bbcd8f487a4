"""What AI triage concluded about a ticket (`Ticket.triage`, staff only)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from db.models import TicketTriage as TriageRow
from resolvers.context import RequestContext
from schema.permissions import IsStaff
from schema.teams import Team

if TYPE_CHECKING:
    from schema.tickets import TicketPriority

__all__ = ["TRIAGE_FIELD", "TicketTriage", "TriageSentiment", "TriageSource"]


@strawberry.enum(description="How the customer sounds.")
class TriageSentiment(enum.Enum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@strawberry.enum(description="What made the decision.")
class TriageSource(enum.Enum):
    OFFLINE = "offline"  # the local classifier (shipped examples + this installation's tickets)
    LLM = "llm"  # the configured LLM, its answer checked against the allowed values


@strawberry.type(description="AI triage of a ticket: its proposal, the signals it read and why.")
class TicketTriage:
    source: TriageSource = strawberry.field(description="Offline model or LLM.")
    model_version: str = strawberry.field(
        description="Model (and prompt) that decided. Plain text: escape before rendering as HTML."
    )
    language: str = strawberry.field(
        description="ISO 639-1 code of the customer's language (`und` when unknown)."
        " Plain text: escape before rendering as HTML."
    )
    sentiment: TriageSentiment = strawberry.field(description="How the customer sounds.")
    sentiment_score: float = strawberry.field(description="-1 (angry) to 1 (happy).")
    pii_kinds: list[str] = strawberry.field(
        description="Kinds of personal data found in the text (EMAIL, PHONE, CARD …)."
        " Plain text: escape before rendering as HTML."
    )
    priority: Annotated[TicketPriority, strawberry.lazy("schema.tickets")] | None = (
        strawberry.field(description="The priority triage proposed (null: none allowed).")
    )
    team_label: str | None = strawberry.field(
        description="The team triage proposed, by name."
        " Plain text: escape before rendering as HTML."
    )
    tags: list[str] = strawberry.field(
        description="Tags triage proposed. Plain text: escape before rendering as HTML."
    )
    scores: JSON = strawberry.field(
        description="Class probabilities per head and the urgency cues found."
        " Its strings are plain text: escape before rendering as HTML."
    )
    rejected: JSON = strawberry.field(
        description="Values an LLM proposed that are not allowed here (never applied)."
        " Its strings are plain text: escape before rendering as HTML."
    )
    rules_applied: list[str] = strawberry.field(
        description="Names of the routing rules that matched, in order."
        " Plain text: escape before rendering as HTML."
    )
    explanation: str = strawberry.field(
        description="Why, in a few sentences (also posted as an internal note)."
        " Plain text: escape before rendering as HTML."
    )
    updated_at: datetime = strawberry.field(description="When this triage ran.")
    team_row_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The team triage proposed, when it exists here.")
    async def team(self, info: strawberry.Info[RequestContext]) -> Team | None:
        if self.team_row_id is None:
            return None
        row = await info.context.loaders.team_by_id.load(self.team_row_id)
        return Team.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: TriageRow) -> TicketTriage:
        from schema.tickets import TicketPriority

        return cls(
            source=TriageSource(row.source),
            model_version=row.model_version,
            language=row.language,
            sentiment=TriageSentiment(row.sentiment),
            sentiment_score=row.sentiment_score,
            pii_kinds=list(row.pii_kinds or ()),
            priority=TicketPriority(row.priority) if row.priority else None,
            team_label=row.team_label,
            tags=list(row.tags or ()),
            scores=JSON(row.scores or {}),
            rejected=JSON(row.rejected or {}),
            rules_applied=list(row.rules_applied or ()),
            explanation=row.explanation,
            updated_at=row.updated_at,
            team_row_id=row.team_id,
        )


async def ticket_triage(root: Any, info: strawberry.Info[RequestContext]) -> TicketTriage | None:
    row = await info.context.loaders.triage_by_ticket_id.load(uuid.UUID(str(root.id)))
    return TicketTriage.from_row(row) if row is not None else None


# The field schema/tickets.py puts on Ticket.
TRIAGE_FIELD = strawberry.field(
    resolver=ticket_triage,
    description="AI triage of this ticket (staff only; null until it ran).",
    permission_classes=[IsStaff],
)
