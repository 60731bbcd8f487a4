"""What staff do with a suggestion: edit it (a new version with a diff), accept it (its text
becomes a public reply authored by the AI and approved by the agent), reject it, rate it,
and mark an auto-sent one reviewed. Every decision is audited and heard live."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import AiSuggestion, AiSuggestionVersion, Ticket, TicketMessage
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from resolvers.ai_suggestions.events import (
    SuggestionEventKind,
    publish_suggestion_event,
    suggestion_event,
)
from resolvers.ai_suggestions.text import edit_distance, plain_to_html, unified_diff
from resolvers.audit import MutationTx, diff
from resolvers.error_codes import AiSuggestionErrorCode
from resolvers.errors import Forbidden, NotFound, ValidationFailed
from resolvers.events import (
    MessageEventKind,
    TicketEventKind,
    publish_message_event,
    publish_ticket_event,
)
from resolvers.messages.add import clean_body, post_message

__all__ = [
    "MAX_SUGGESTION_TEXT",
    "accept_suggestion",
    "edit_suggestion",
    "mark_suggestion_reviewed",
    "post_ai_reply",
    "rate_suggestion",
    "reject_suggestion",
    "suggestion_snapshot",
]

MAX_SUGGESTION_TEXT = 20_000
_F = "suggestionId"


def suggestion_snapshot(row: AiSuggestion) -> dict[str, Any]:
    return {
        "status": row.status,
        "current_version": row.current_version,
        "rating": row.rating,
        "reject_reason": row.reject_reason,
        "edit_distance": row.edit_distance,
        "message_id": row.message_id,
        "needs_review": row.needs_review,
    }


async def _load(tx: MutationTx, suggestion_id: uuid.UUID, *, rate: bool = False) -> AiSuggestion:
    principal = tx.ctx.require_principal()
    if not policy.can_see_ai_suggestions(principal):
        raise Forbidden("Only staff may work with AI suggestions.")
    allowed = policy.may_rate_ai_suggestion if rate else policy.may_decide_ai_suggestion
    if not allowed(principal):
        raise Forbidden("Only agents and admins may change AI suggestions.")
    row = await tx.session.get(AiSuggestion, suggestion_id, with_for_update=True)
    if row is None:
        raise NotFound(_F, "AI suggestion")
    return row


def _require_sendable(row: AiSuggestion, doing: str) -> None:
    if row.status == "invalid" or not row.validation_passed:
        reasons = "; ".join(row.validation_reasons) or "it failed validation"
        raise ValidationFailed.one(
            _F,
            f"This suggestion cannot be {doing}: {reasons}.",
            AiSuggestionErrorCode.INVALID_SUGGESTION,
        )
    if row.status != "ready":
        raise ValidationFailed.one(
            _F,
            f"This suggestion is {row.status.replace('_', ' ')}: it can no longer be {doing}.",
            AiSuggestionErrorCode.INVALID_STATE,
        )


def _require_current(row: AiSuggestion, version: int, field: str) -> None:
    if version != row.current_version:
        raise ValidationFailed.one(
            field,
            f"Version {version} is not the current one (now {row.current_version}): someone "
            "changed this suggestion; reload it and try again.",
            AiSuggestionErrorCode.STALE,
        )


async def _versions(tx: MutationTx, row: AiSuggestion) -> dict[int, AiSuggestionVersion]:
    found = (
        await tx.session.execute(
            select(AiSuggestionVersion).where(AiSuggestionVersion.suggestion_id == row.id)
        )
    ).scalars()
    return {v.number: v for v in found}


def _changed(tx: MutationTx, row: AiSuggestion, what: str) -> None:
    tx.after_commit(
        publish_suggestion_event,
        tx.ctx.publisher,
        row.ticket_id,
        suggestion_event(SuggestionEventKind.CHANGED, row.ticket_id, row.id, what),
    )


async def edit_suggestion(
    tx: MutationTx, suggestion_id: uuid.UUID, base_version: int, text: str
) -> AiSuggestion:
    row = await _load(tx, suggestion_id)
    _require_sendable(row, "edited")
    _require_current(row, base_version, "baseVersion")
    text = text.strip()
    if not text:
        raise ValidationFailed.one("text", "Write the reply first.", AiSuggestionErrorCode.REQUIRED)
    if len(text) > MAX_SUGGESTION_TEXT:
        raise ValidationFailed.one(
            "text",
            f"A reply has at most {MAX_SUGGESTION_TEXT} characters.",
            AiSuggestionErrorCode.TOO_LONG,
        )
    principal = tx.ctx.require_principal()
    before = suggestion_snapshot(row)
    previous = (await _versions(tx, row))[row.current_version]
    number = row.current_version + 1
    tx.session.add(
        AiSuggestionVersion(
            id=uuid.uuid4(),
            suggestion_id=row.id,
            number=number,
            text=text,
            author_id=principal.user_id,
            diff=unified_diff(previous.text, text, previous.number, number),
        )
    )
    row.current_version = number
    row.updated_at = utcnow()
    await tx.session.flush()
    tx.audit("AiSuggestion", row.id, diff(before, suggestion_snapshot(row)))
    _changed(tx, row, "edited")
    return row


async def post_ai_reply(
    tx: MutationTx, ticket: Ticket, text: str, approver: Principal | None
) -> TicketMessage:
    """The suggestion's text as a public reply authored by the AI (approved by `approver`,
    or by nobody when the auto-reply policy sent it): the same use case as a human reply,
    so status, SLA, notifications and events follow."""
    status_before = ticket.status
    message = await post_message(
        tx,
        ticket,
        body=clean_body(plain_to_html(text), "text"),
        visibility=Visibility.PUBLIC.value,
        author_user_id=None,
        author_kind=AuthorKind.AI.value,
        approved_by_id=approver.user_id if approver is not None else None,
    )
    tx.after_commit(publish_message_event, tx.ctx, MessageEventKind.CREATED, message, ticket)
    if ticket.status != status_before:
        tx.after_commit(publish_ticket_event, tx.ctx, TicketEventKind.STATUS_CHANGED, ticket)
    return message


async def accept_suggestion(
    tx: MutationTx, suggestion_id: uuid.UUID, version: int
) -> tuple[AiSuggestion, TicketMessage]:
    row = await _load(tx, suggestion_id)
    _require_sendable(row, "accepted")
    _require_current(row, version, "version")
    principal = tx.ctx.require_principal()
    ticket = (
        await tx.session.execute(select(Ticket).where(Ticket.id == row.ticket_id).with_for_update())
    ).scalar_one()
    if not policy.can_see_ticket(principal, ticket):
        raise NotFound(_F, "AI suggestion")
    if ticket.status == TicketStatus.CLOSED.value:
        raise ValidationFailed.one(
            _F,
            f"Ticket #{ticket.number} is closed: the reply cannot be sent.",
            AiSuggestionErrorCode.TICKET_CLOSED,
        )
    versions = await _versions(tx, row)
    sent = versions[row.current_version].text
    before = suggestion_snapshot(row)
    message = await post_ai_reply(tx, ticket, sent, principal)
    now = utcnow()
    row.status = "accepted"
    row.decided_by_id = principal.user_id
    row.decided_at = now
    row.updated_at = now
    row.message_id = message.id
    row.edit_distance = edit_distance(versions[1].text, sent)
    tx.audit("AiSuggestion", row.id, diff(before, suggestion_snapshot(row)))
    _changed(tx, row, "accepted")
    return row, message


async def reject_suggestion(
    tx: MutationTx, suggestion_id: uuid.UUID, reason: str | None
) -> AiSuggestion:
    row = await _load(tx, suggestion_id)
    if row.status not in ("ready", "invalid"):
        raise ValidationFailed.one(
            _F,
            f"This suggestion is {row.status.replace('_', ' ')}: it can no longer be rejected.",
            AiSuggestionErrorCode.INVALID_STATE,
        )
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ValidationFailed.one(
            "reason", "A reason has at most 1000 characters.", AiSuggestionErrorCode.TOO_LONG
        )
    principal = tx.ctx.require_principal()
    before = suggestion_snapshot(row)
    now = utcnow()
    row.status = "rejected"
    row.reject_reason = reason or None
    row.decided_by_id = principal.user_id
    row.decided_at = now
    row.updated_at = now
    tx.audit("AiSuggestion", row.id, diff(before, suggestion_snapshot(row)))
    _changed(tx, row, "rejected")
    return row


async def rate_suggestion(tx: MutationTx, suggestion_id: uuid.UUID, up: bool) -> AiSuggestion:
    row = await _load(tx, suggestion_id, rate=True)
    principal = tx.ctx.require_principal()
    before = suggestion_snapshot(row)
    row.rating = 1 if up else -1
    row.rated_by_id = principal.user_id
    row.updated_at = utcnow()
    tx.audit("AiSuggestion", row.id, diff(before, suggestion_snapshot(row)))
    _changed(tx, row, "rated")
    return row


async def mark_suggestion_reviewed(tx: MutationTx, suggestion_id: uuid.UUID) -> AiSuggestion:
    row = await _load(tx, suggestion_id)
    if not row.needs_review:
        raise ValidationFailed.one(
            _F, "This suggestion is not waiting for review.", AiSuggestionErrorCode.INVALID_STATE
        )
    principal = tx.ctx.require_principal()
    before = suggestion_snapshot(row)
    row.needs_review = False
    row.decided_by_id = row.decided_by_id or principal.user_id
    row.updated_at = utcnow()
    tx.audit(
        "AiSuggestion",
        row.id,
        {**diff(before, suggestion_snapshot(row)), "reviewed_by": str(principal.user_id)},
    )
    _changed(tx, row, "reviewed")
    return row
