"""Checking an interaction's input: lengths, times, participants and the ticket link."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Ticket, User
from db.models.accounts import Role
from db.models.engagement import InteractionDirection, InteractionType
from resolvers.customer_notes.body import clean_rich_text
from resolvers.error_codes import InteractionErrorCode as Code
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["KEEP", "InteractionDraft", "Keep", "check_links", "clean_columns"]

MAX_SUBJECT = 300
MAX_CHANNEL = 50
MAX_DURATION = 7 * 24 * 3600  # a week: longer is a typo
MAX_PARTICIPANTS = 20
# Logged after the fact; a little ahead allows for clocks and a meeting about to start.
MAX_AHEAD = timedelta(days=1)


class Keep(enum.Enum):
    KEEP = "keep"


KEEP = Keep.KEEP

_CAMEL = {
    "occurred_at": "occurredAt",
    "duration_seconds": "durationSeconds",
    "body_html": "bodyHtml",
    "participant_ids": "participantIds",
    "ticket_id": "ticketId",
}


@dataclass(frozen=True, slots=True)
class InteractionDraft:
    """What the caller gave (KEEP: left out, keep the current value)."""

    type: str | Keep = KEEP
    direction: str | Keep = KEEP
    channel: str | Keep | None = KEEP
    occurred_at: datetime | Keep | None = KEEP
    duration_seconds: int | Keep | None = KEEP
    subject: str | Keep | None = KEEP
    body_html: str | Keep | None = KEEP
    internal: bool | Keep | None = KEEP
    ticket_id: uuid.UUID | Keep | None = KEEP
    participant_ids: list[uuid.UUID] | Keep | None = KEEP

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not KEEP]


def _problem(name: str, message: str, code: Code) -> FieldProblem:
    return FieldProblem(_CAMEL.get(name, name), message, code)


def clean_columns(draft: InteractionDraft, *, creating: bool) -> dict[str, Any]:
    """The interactions-row columns that were given, validated; all problems at once."""
    problems: list[FieldProblem] = []
    columns: dict[str, Any] = {}
    if draft.type is not KEEP:
        columns["type"] = InteractionType(draft.type).value
    if draft.direction is not KEEP:
        columns["direction"] = InteractionDirection(draft.direction).value
    if draft.channel is not KEEP:
        channel = (draft.channel or "").strip()
        if len(channel) > MAX_CHANNEL:
            problems.append(
                _problem("channel", f"At most {MAX_CHANNEL} characters.", Code.TOO_LONG)
            )
        columns["channel"] = channel or None
    if draft.occurred_at is not KEEP or creating:
        when = draft.occurred_at if isinstance(draft.occurred_at, datetime) else None
        if when is not None and when.tzinfo is None:
            problems.append(
                _problem(
                    "occurred_at", "Give a time zone (e.g. 2026-05-01T10:00:00Z).", Code.INVALID
                )
            )
        elif when is not None and when > utcnow() + MAX_AHEAD:
            problems.append(
                _problem("occurred_at", "An interaction is logged once it happened.", Code.INVALID)
            )
        columns["occurred_at"] = when or utcnow()
    if draft.duration_seconds is not KEEP:
        seconds = draft.duration_seconds
        if seconds is not None and not 0 <= seconds <= MAX_DURATION:
            problems.append(
                _problem(
                    "duration_seconds",
                    f"Between 0 and {MAX_DURATION} seconds (a week).",
                    Code.INVALID,
                )
            )
        columns["duration_seconds"] = seconds
    if draft.subject is not KEEP or creating:
        subject = (draft.subject if isinstance(draft.subject, str) else "").strip()
        if not subject:
            problems.append(_problem("subject", "Say what it was about.", Code.REQUIRED))
        elif len(subject) > MAX_SUBJECT:
            problems.append(
                _problem("subject", f"At most {MAX_SUBJECT} characters.", Code.TOO_LONG)
            )
        columns["subject"] = subject
    if draft.body_html is not KEEP:
        try:
            body = clean_rich_text(
                draft.body_html,
                "bodyHtml",
                required=Code.REQUIRED,
                too_long=Code.TOO_LONG,
                invalid=Code.INVALID,
                allow_empty=True,
            )
        except ValidationFailed as exc:
            problems.extend(exc.problems)
        else:
            columns["body_html"], columns["body_text"] = body.html, body.text
    if draft.internal is not KEEP:
        columns["internal"] = True if draft.internal is None else draft.internal
    if problems:
        raise ValidationFailed(*problems)
    return columns


async def check_links(
    session: AsyncSession,
    customer_id: uuid.UUID,
    *,
    ticket_id: uuid.UUID | None,
    participant_ids: list[uuid.UUID] | None,
) -> list[uuid.UUID] | None:
    """The ticket must be the same customer's; participants active staff accounts.
    Returns the participants without duplicates, in the order given."""
    problems: list[FieldProblem] = []
    if ticket_id is not None:
        owner = (
            await session.execute(select(Ticket.customer_id).where(Ticket.id == ticket_id))
        ).scalar_one_or_none()
        if owner != customer_id:
            problems.append(
                _problem("ticket_id", "No ticket of this customer with this ID.", Code.NOT_FOUND)
            )
    people = None
    if participant_ids is not None:
        people = list(dict.fromkeys(participant_ids))
        if len(people) > MAX_PARTICIPANTS:
            problems.append(
                _problem(
                    "participant_ids", f"At most {MAX_PARTICIPANTS} participants.", Code.INVALID
                )
            )
        elif people:
            staff = set(
                (
                    await session.execute(
                        select(User.id).where(
                            User.id.in_(people),
                            User.role != Role.CUSTOMER.value,
                            User.is_active.is_(True),
                        )
                    )
                ).scalars()
            )
            for index, user_id in enumerate(participant_ids):
                if user_id not in staff:
                    problems.append(
                        FieldProblem(
                            f"participantIds.{index}",
                            "No active staff member with this ID.",
                            Code.NOT_FOUND,
                        )
                    )
    if problems:
        raise ValidationFailed(*problems)
    return people
