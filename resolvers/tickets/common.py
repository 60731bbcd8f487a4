"""What several ticket use cases share: who may work tickets, loading a ticket the caller
may see, input normalisation, and the snapshot audit diffs are made from."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.policy import AGENT_ROLES as _AGENT_ROLES
from auth.policy import can_see_ticket
from auth.principal import Principal
from db.models import Ticket, User
from resolvers.context import RequestContext
from resolvers.error_codes import TicketErrorCode
from resolvers.errors import FieldProblem, NotFound, ValidationFailed

__all__ = [
    "AGENT_ROLES",
    "MAX_CUSTOM_FIELDS_BYTES",
    "MAX_SUBJECT",
    "MAX_TAGS",
    "UNCHANGED",
    "Unchanged",
    "can_see_ticket",
    "load_ticket_for_update",
    "load_tickets_for_update",
    "normalize_custom_fields",
    "normalize_subject",
    "normalize_tags",
    "require_agent",
    "snapshot",
    "tag_problems",
    "working_staff",
]


class Unchanged(enum.Enum):
    """An optional input that was left out (as opposed to set to null)."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED

# Role values of the staff who work tickets, for SQL (the policy's AGENT_ROLES).
AGENT_ROLES = tuple(sorted(role.value for role in _AGENT_ROLES))
MAX_SUBJECT = 300
MAX_TAGS = 50
MAX_TAG_LENGTH = 50
MAX_CUSTOM_FIELDS_BYTES = 16 * 1024
MAX_CUSTOM_FIELD_KEY = 64


def require_agent(ctx: RequestContext) -> Principal:
    """Agents and admins work tickets; reviewers and customers may not."""
    return ctx.require_agent()


async def load_ticket_for_update(
    session: AsyncSession, principal: Principal, ticket_id: uuid.UUID, field: str
) -> Ticket:
    """The ticket row locked for this transaction; one the caller may not see is missing."""
    ticket = (
        await session.execute(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    ).scalar_one_or_none()
    if ticket is None or not can_see_ticket(principal, ticket):
        raise NotFound(field, "ticket")
    return ticket


async def load_tickets_for_update(
    session: AsyncSession, ticket_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Ticket]:
    """Several tickets locked in id order, so concurrent bulk edits cannot deadlock."""
    ids = sorted(set(ticket_ids))
    rows = (
        await session.execute(
            select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update()
        )
    ).scalars()
    return {row.id: row for row in rows}


async def working_staff(
    session: AsyncSession, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, User]:
    """The active agents and admins among `user_ids` (who may own or follow tickets)."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = (
        await session.execute(
            select(User).where(User.id.in_(ids), User.role.in_(AGENT_ROLES), User.is_active)
        )
    ).scalars()
    return {row.id: row for row in rows}


def normalize_subject(value: str, field: str = "subject") -> str:
    subject = " ".join(value.split())
    if not subject:
        raise ValidationFailed.one(field, "Give the ticket a subject.", TicketErrorCode.REQUIRED)
    if len(subject) > MAX_SUBJECT:
        raise ValidationFailed.one(
            field, f"A subject has at most {MAX_SUBJECT} characters.", TicketErrorCode.TOO_LONG
        )
    return subject


def tag_problems(values: Iterable[str], field: str) -> tuple[list[str], list[FieldProblem]]:
    """Tags lower-cased, trimmed and de-duplicated (first occurrence wins), with problems."""
    tags: list[str] = []
    problems: list[FieldProblem] = []
    for index, raw in enumerate(values):
        tag = " ".join(raw.split()).lower()
        if not tag:
            problems.append(
                FieldProblem(f"{field}.{index}", "A tag cannot be empty.", TicketErrorCode.REQUIRED)
            )
        elif len(tag) > MAX_TAG_LENGTH:
            problems.append(
                FieldProblem(
                    f"{field}.{index}",
                    f"A tag has at most {MAX_TAG_LENGTH} characters.",
                    TicketErrorCode.TOO_LONG,
                )
            )
        elif tag not in tags:
            tags.append(tag)
    return tags, problems


def normalize_tags(values: Iterable[str], field: str = "tags") -> list[str]:
    tags, problems = tag_problems(values, field)
    if problems:
        raise ValidationFailed(*problems)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed.one(
            field, f"A ticket has at most {MAX_TAGS} tags.", TicketErrorCode.INVALID
        )
    return tags


def normalize_custom_fields(value: Any, field: str = "customFields") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed.one(
            field, "Custom fields are a JSON object.", TicketErrorCode.INVALID
        )
    for key in value:
        if not key or len(key) > MAX_CUSTOM_FIELD_KEY:
            raise ValidationFailed.one(
                field,
                f"Custom field names have 1 to {MAX_CUSTOM_FIELD_KEY} characters.",
                TicketErrorCode.INVALID,
            )
    if len(json.dumps(value, separators=(",", ":")).encode()) > MAX_CUSTOM_FIELDS_BYTES:
        raise ValidationFailed.one(
            field,
            f"Custom fields take at most {MAX_CUSTOM_FIELDS_BYTES // 1024} KB.",
            TicketErrorCode.TOO_LONG,
        )
    return dict(value)


_AUDITED = (
    "subject",
    "status",
    "priority",
    "channel",
    "customer_id",
    "requester_id",
    "assignee_id",
    "team_id",
    "tags",
    "custom_fields",
    "first_response_due_at",
    "resolution_due_at",
    "solved_at",
    "closed_at",
    "merged_into_id",
)


def snapshot(ticket: Ticket | None) -> dict[str, Any]:
    """The audited fields of a ticket (an empty dict for "did not exist")."""
    if ticket is None:
        return {}
    values = {name: getattr(ticket, name) for name in _AUDITED}
    values["tags"] = list(values["tags"] or [])
    values["custom_fields"] = dict(values["custom_fields"] or {})
    return values
