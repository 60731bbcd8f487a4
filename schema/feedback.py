"""CSAT feedback on tickets: the TicketFeedback type, Ticket.feedback, and the customer's
submitTicketFeedback / updateTicketFeedback mutations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from db.models import TicketFeedback as FeedbackRow
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.feedback import EDIT_WINDOW, can_see_feedback, submit_feedback, update_feedback
from schema.accounts import User, visible_user
from schema.errors import FeedbackError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAuthenticated

if TYPE_CHECKING:
    from schema.tickets import Ticket

__all__ = ["FEEDBACK_FIELD", "FeedbackMutation", "TicketFeedback", "ticket_feedback"]


@strawberry.type(description="A customer's satisfaction rating (CSAT) of a solved ticket.")
class TicketFeedback(relay.Node):
    id: relay.NodeID[str]
    rating: int = strawberry.field(description="1 (bad) to 5 (great).")
    comment: str = strawberry.field(
        description="The customer's words (may be empty)."
        " Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When the rating was given.")
    updated_at: datetime = strawberry.field(description="When it was last changed.")
    editable_until: datetime = strawberry.field(
        description="Until when the customer may still change the rating."
    )
    ticket_row_id: strawberry.Private[uuid.UUID]
    customer_user_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: FeedbackRow) -> TicketFeedback:
        return cls(
            id=str(row.id),
            rating=row.rating,
            comment=row.comment,
            created_at=row.created_at,
            updated_at=row.updated_at,
            editable_until=row.created_at + EDIT_WINDOW,
            ticket_row_id=row.ticket_id,
            customer_user_id=row.customer_user_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        ctx = info.context
        ids = [uuid_or_none(node_id) for node_id in node_ids]
        rows = await ctx.loaders.feedback_by_id.load_many([i for i in ids if i is not None])
        by_id = {row.id: row for row in rows if row is not None}
        tickets = await ctx.loaders.ticket_by_id.load_many(
            list({row.ticket_id for row in by_id.values()})
        )
        ticket_by_id = {t.id: t for t in tickets if t is not None}
        result: list[TicketFeedback | None] = []
        for key in ids:
            row = by_id.get(key) if key is not None else None
            visible = row is not None and can_see_feedback(
                ctx.principal, ticket_by_id.get(row.ticket_id)
            )
            result.append(cls.from_row(row) if visible and row is not None else None)
        return result

    @strawberry.field(description="The rated ticket.")
    async def ticket(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Ticket, strawberry.lazy("schema.tickets")] | None:
        from schema.tickets import Ticket

        row = await info.context.loaders.ticket_by_id.load(self.ticket_row_id)
        return Ticket.from_row(row) if row is not None else None

    @strawberry.field(
        description="The customer user who rated: staff and that user see the account in full, the "
        "other users of the organisation a public profile (name only)."
    )
    async def customer_user(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.customer_user_id)


async def ticket_feedback(
    root: Any, info: strawberry.Info[RequestContext]
) -> TicketFeedback | None:
    """Ticket.feedback: whoever may see the ticket (its customer, staff) sees its rating."""
    row = await info.context.loaders.feedback_by_ticket_id.load(uuid.UUID(str(root.id)))
    return TicketFeedback.from_row(row) if row is not None else None


# The field schema/tickets.py puts on Ticket.
FEEDBACK_FIELD = strawberry.field(
    resolver=ticket_feedback,
    description="The customer's CSAT rating, once given.",
    permission_classes=[IsAuthenticated],
)


@strawberry.input(description="Rate a solved ticket.")
class SubmitTicketFeedbackInput:
    ticket_id: strawberry.ID = strawberry.field(description="Your solved or closed ticket.")
    rating: int = strawberry.field(description="1 (bad) to 5 (great).")
    comment: str | None = strawberry.field(
        default=None, description="Optional words, at most 2000 characters."
    )


@strawberry.type(description="Result of submitTicketFeedback.")
class SubmitTicketFeedbackPayload(MutationPayload[FeedbackError]):
    feedback: TicketFeedback | None = strawberry.field(default=None, description="The rating.")


@strawberry.input(description="Change a rating; only the given fields change.")
class UpdateTicketFeedbackInput:
    feedback_id: strawberry.ID = strawberry.field(description="The rating to change.")
    rating: int | None = strawberry.field(default=None, description="1 (bad) to 5 (great).")
    comment: str | None = strawberry.field(
        default=None, description="New words, at most 2000 characters."
    )


@strawberry.type(description="Result of updateTicketFeedback.")
class UpdateTicketFeedbackPayload(MutationPayload[FeedbackError]):
    feedback: TicketFeedback | None = strawberry.field(default=None, description="The rating.")


@strawberry.type
class FeedbackMutation:
    @mutation(
        description="Rate your solved (or closed) ticket from 1 to 5, once; customers only.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_ticket_feedback(
        tx: MutationTx, input: SubmitTicketFeedbackInput
    ) -> SubmitTicketFeedbackPayload:
        row = await submit_feedback(
            tx,
            ticket_id=decode_id(input.ticket_id, "Ticket", "ticketId"),
            rating=input.rating,
            comment=input.comment,
        )
        return SubmitTicketFeedbackPayload(feedback=TicketFeedback.from_row(row))

    @mutation(
        description="Change your rating within 7 days of giving it (later: invalid_state).",
        permission_classes=[IsAuthenticated],
    )
    async def update_ticket_feedback(
        tx: MutationTx, input: UpdateTicketFeedbackInput
    ) -> UpdateTicketFeedbackPayload:
        row = await update_feedback(
            tx,
            feedback_id=decode_id(input.feedback_id, "TicketFeedback", "feedbackId"),
            rating=input.rating,
            comment=input.comment,
        )
        return UpdateTicketFeedbackPayload(feedback=TicketFeedback.from_row(row))
