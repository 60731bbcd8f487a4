"""CSAT: the ticket's customer rates a solved or closed ticket once, and may change the
rating for a week."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Ticket, TicketFeedback
from db.models.tickets import TicketStatus
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import FeedbackErrorCode
from resolvers.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from resolvers.tickets.common import load_ticket_for_update

__all__ = [
    "EDIT_WINDOW",
    "MAX_COMMENT",
    "can_see_feedback",
    "submit_feedback",
    "update_feedback",
]

EDIT_WINDOW = timedelta(days=7)
MAX_COMMENT = 2000
_RATEABLE = (TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)


def _require_customer(ctx: RequestContext) -> Principal:
    principal = ctx.require_principal()
    if not policy.may_rate_ticket(principal):
        raise Forbidden("Only the ticket's customer can rate it.")
    return principal


def _problems(rating: int | None, comment: str | None) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if rating is not None and not 1 <= rating <= 5:
        problems.append(
            FieldProblem("rating", "Rate from 1 (bad) to 5 (great).", FeedbackErrorCode.INVALID)
        )
    if comment is not None and len(comment) > MAX_COMMENT:
        problems.append(
            FieldProblem(
                "comment",
                f"A comment has at most {MAX_COMMENT} characters.",
                FeedbackErrorCode.TOO_LONG,
            )
        )
    return problems


def feedback_snapshot(row: TicketFeedback | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {"ticket_id": row.ticket_id, "rating": row.rating, "comment": row.comment}


def can_see_feedback(principal: Principal | None, ticket: Ticket | None) -> bool:
    """Staff, and the customer whose ticket it is (auth.policy)."""
    return policy.can_see_feedback(principal, ticket)


async def submit_feedback(
    tx: MutationTx, *, ticket_id: uuid.UUID, rating: int, comment: str | None
) -> TicketFeedback:
    ctx = tx.ctx
    principal = _require_customer(ctx)
    problems = _problems(rating, comment)
    if problems:
        raise ValidationFailed(*problems)
    # Locking the ticket serialises two submissions of the same rating.
    ticket = await load_ticket_for_update(tx.session, principal, ticket_id, "ticketId")
    if ticket.status not in _RATEABLE:
        raise ValidationFailed.one(
            "ticketId", "You can rate a ticket once it is solved.", FeedbackErrorCode.INVALID_STATE
        )
    existing = (
        await tx.session.execute(
            select(TicketFeedback.id).where(TicketFeedback.ticket_id == ticket.id)
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ValidationFailed.one(
            "ticketId",
            "This ticket is already rated: change the rating with updateTicketFeedback.",
            FeedbackErrorCode.UNIQUE,
        )
    now = utcnow()
    row = TicketFeedback(
        ticket_id=ticket.id,
        rating=rating,
        comment=(comment or "").strip(),
        customer_user_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    try:
        await tx.session.flush()
    except IntegrityError as exc:  # a concurrent submit that did not lock (defence only)
        raise ValidationFailed.one(
            "ticketId", "This ticket is already rated.", FeedbackErrorCode.UNIQUE
        ) from exc
    tx.audit("TicketFeedback", row.id, diff({}, feedback_snapshot(row)))
    return row


async def update_feedback(
    tx: MutationTx,
    *,
    feedback_id: uuid.UUID,
    rating: int | None,
    comment: str | None,
) -> TicketFeedback:
    ctx = tx.ctx
    principal = _require_customer(ctx)
    problems = _problems(rating, comment)
    if problems:
        raise ValidationFailed(*problems)
    row = await tx.session.get(TicketFeedback, feedback_id, with_for_update=True)
    if row is None or row.customer_user_id != principal.user_id:
        raise NotFound("feedbackId", "feedback")
    now = utcnow()
    if now - row.created_at > EDIT_WINDOW:
        raise ValidationFailed.one(
            "feedbackId",
            f"A rating can be changed for {EDIT_WINDOW.days} days after it was given.",
            FeedbackErrorCode.INVALID_STATE,
        )
    before = feedback_snapshot(row)
    if rating is not None:
        row.rating = rating
    if comment is not None:
        row.comment = comment.strip()
    row.updated_at = now
    tx.audit("TicketFeedback", row.id, diff(before, feedback_snapshot(row)))
    return row
