"""Customer.timeline: one keyset-paginated stream over eight sources.

One UNION ALL statement picks the page: each source is filtered by the policy, cut at
the cursor, ordered and limited on its own index, and the union is ordered and limited
again, so the page costs one statement whatever its size. The rows it returns are only
(occurred_at, kind, id); the page's objects are then loaded in batches (one statement
per kind present, through the DataLoaders). The order (occurred_at, kind, id), newest
first, is total, so the opaque cursor (the same three values) is stable across kinds:
paging never repeats nor skips an item.
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    cast,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import ColumnElement

from auth import policy
from auth.principal import Principal
from db.models import (
    AuditEntry,
    CustomerNote,
    Interaction,
    Ticket,
    TicketFeedback,
    TicketMessage,
)
from db.models.tickets import Visibility
from db.pagination import InvalidPageRequest, decode_cursor, encode_cursor
from resolvers.context import RequestContext

__all__ = [
    "CUSTOMER_PRIVATE_CHANGES",
    "TimelineEntry",
    "TimelineKind",
    "TimelinePage",
    "timeline_page",
]

DEFAULT_SIZE = 20
MAX_SIZE = 100


class TimelineKind(enum.StrEnum):
    TICKET_OPENED = "ticket_opened"
    TICKET_SOLVED = "ticket_solved"
    MESSAGE = "message"
    INTERNAL_NOTE = "internal_note"
    INTERACTION = "interaction"
    CUSTOMER_NOTE = "customer_note"
    CSAT_RATING = "csat_rating"
    FIELD_CHANGE = "field_change"


# Kinds a customer never gets, whatever they ask for.
STAFF_ONLY_KINDS = frozenset({TimelineKind.INTERNAL_NOTE, TimelineKind.CUSTOMER_NOTE})
# Audited customer-record fields a customer may not read (auth.policy STAFF_PRIVATE_FIELDS):
# a field change touching only these is not on their timeline, and they are left out of
# the changes shown to them.
CUSTOMER_PRIVATE_CHANGES: tuple[str, ...] = ("notes", "deletedAt")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One item of a page: what and when, and the row it shows (loaded for the page)."""

    kind: TimelineKind
    occurred_at: datetime
    key: str  # the source row's id as text (an audit entry's id is a number)
    cursor: str
    row: Any


@dataclass(frozen=True, slots=True)
class TimelinePage:
    entries: list[TimelineEntry]
    has_next_page: bool
    has_previous_page: bool


def _after(
    kind: TimelineKind, when: ColumnElement[Any], key: ColumnElement[str], cursor: tuple[Any, ...]
) -> ColumnElement[bool]:
    """(when, kind, key) < cursor, with this branch's constant kind folded in so the
    condition stays a range on the branch's own index; text compares bytewise
    (COLLATE "C"), as Python does."""
    at, cursor_kind, cursor_key = cursor
    if kind.value < cursor_kind:
        earlier: ColumnElement[bool] = when <= at
        return earlier
    if kind.value > cursor_kind:
        strictly: ColumnElement[bool] = when < at
        return strictly
    return or_(when < at, and_(when == at, key.collate("C") < cursor_key))


def _branch(
    kind: TimelineKind,
    when: Any,
    key: ColumnElement[str],
    stmt: Select[Any],
    cursor: tuple[Any, ...] | None,
    limit: int,
) -> Select[Any]:
    stmt = stmt.add_columns(
        when.label("occurred_at"), literal(kind.value).label("kind"), key.label("key")
    )
    if cursor is not None:
        stmt = stmt.where(_after(kind, when, key, cursor))
    return stmt.order_by(when.desc(), key.collate("C").desc()).limit(limit)


def _branches(
    principal: Principal, customer_id: uuid.UUID, kinds: frozenset[TimelineKind]
) -> list[tuple[TimelineKind, Any, ColumnElement[str], Select[Any]]]:
    """Per kind: the time column, the id as text, and the scoped statement (no columns)."""
    tickets = and_(Ticket.customer_id == customer_id, policy.ticket_scope(principal))
    ticket_key = cast(Ticket.id, String)
    message_key = cast(TicketMessage.id, String)
    message_base = (
        select()
        .select_from(TicketMessage)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(tickets)
    )
    audit_key = cast(AuditEntry.id, String)
    changes: Any = AuditEntry.changes
    if not policy.is_staff(principal):
        changes = AuditEntry.changes.op("-")(
            cast(literal(list(CUSTOMER_PRIVATE_CHANGES)), ARRAY(String))
        )
    all_branches = [
        (
            TimelineKind.TICKET_OPENED,
            Ticket.created_at,
            ticket_key,
            select().select_from(Ticket).where(tickets),
        ),
        (
            TimelineKind.TICKET_SOLVED,
            Ticket.solved_at,
            ticket_key,
            select().select_from(Ticket).where(tickets, Ticket.solved_at.is_not(None)),
        ),
        (
            TimelineKind.MESSAGE,
            TicketMessage.created_at,
            message_key,
            message_base.where(TicketMessage.visibility == Visibility.PUBLIC.value),
        ),
        (
            TimelineKind.INTERNAL_NOTE,
            TicketMessage.created_at,
            message_key,
            message_base.where(
                TicketMessage.visibility == Visibility.INTERNAL.value,
                policy.message_scope(principal),
            ),
        ),
        (
            TimelineKind.INTERACTION,
            Interaction.occurred_at,
            cast(Interaction.id, String),
            select()
            .select_from(Interaction)
            .where(Interaction.customer_id == customer_id, policy.interaction_scope(principal)),
        ),
        (
            TimelineKind.CUSTOMER_NOTE,
            CustomerNote.created_at,
            cast(CustomerNote.id, String),
            select()
            .select_from(CustomerNote)
            .where(CustomerNote.customer_id == customer_id, policy.customer_note_scope(principal)),
        ),
        (
            TimelineKind.CSAT_RATING,
            TicketFeedback.created_at,
            cast(TicketFeedback.id, String),
            select()
            .select_from(TicketFeedback)
            .join(Ticket, Ticket.id == TicketFeedback.ticket_id)
            .where(tickets),
        ),
        (
            TimelineKind.FIELD_CHANGE,
            AuditEntry.created_at,
            audit_key,
            select()
            .select_from(AuditEntry)
            .where(
                AuditEntry.object_type == "Customer",
                AuditEntry.object_id == str(customer_id),
                changes != cast(literal("{}"), JSONB),
            ),
        ),
    ]
    if not policy.is_staff(principal):
        kinds = kinds - STAFF_ONLY_KINDS
    return [b for b in all_branches if b[0] in kinds]


def _cursor(value: str) -> tuple[Any, ...]:
    at, kind, key = decode_cursor(value, 3)
    kinds = {k.value for k in TimelineKind}
    if not isinstance(at, datetime) or kind not in kinds or not isinstance(key, str):
        raise InvalidPageRequest(
            "This cursor is not valid here: use a cursor from the same list and ordering."
        )
    return at, kind, key


async def timeline_page(
    ctx: RequestContext,
    customer_id: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    kinds: Sequence[TimelineKind] = (),
) -> TimelinePage:
    """Newest first. The caller has checked that the customer is visible to `ctx.principal`
    (staff: any; a customer: their own record)."""
    principal = ctx.principal
    size = DEFAULT_SIZE if first is None else first
    if not 0 <= size <= MAX_SIZE:
        raise InvalidPageRequest(f"`first` must be between 0 and {MAX_SIZE}.")
    cursor = _cursor(after) if after is not None else None
    wanted = frozenset(kinds) if kinds else frozenset(TimelineKind)
    branches = _branches(principal, customer_id, wanted) if principal is not None else []
    if not branches or size == 0:
        return TimelinePage(entries=[], has_next_page=False, has_previous_page=after is not None)
    parts = [
        _branch(kind, when, key, stmt, cursor, size + 1).subquery().select()
        for kind, when, key, stmt in branches
    ]
    union = union_all(*parts).subquery("timeline")
    stmt = (
        select(union.c.occurred_at, union.c.kind, union.c.key)
        .order_by(
            union.c.occurred_at.desc(),
            union.c.kind.collate("C").desc(),
            union.c.key.collate("C").desc(),
        )
        .limit(size + 1)
    )
    async with ctx.db.sessions() as session:
        picked = (await session.execute(stmt)).all()
    has_more = len(picked) > size
    picked = picked[:size]
    rows = await _load_rows(ctx, [(TimelineKind(k), key) for _, k, key in picked])
    entries = [
        TimelineEntry(
            kind=TimelineKind(kind),
            occurred_at=when,
            key=key,
            cursor=encode_cursor([when, kind, key]),
            row=rows.get((TimelineKind(kind), key)),
        )
        for when, kind, key in picked
    ]
    return TimelinePage(
        entries=[e for e in entries if e.row is not None],
        has_next_page=has_more,
        has_previous_page=after is not None,
    )


_BY_UUID = {
    TimelineKind.TICKET_OPENED: "ticket_by_id",
    TimelineKind.TICKET_SOLVED: "ticket_by_id",
    TimelineKind.MESSAGE: "message_by_id",
    TimelineKind.INTERNAL_NOTE: "message_by_id",
    TimelineKind.INTERACTION: "interaction_by_id",
    TimelineKind.CUSTOMER_NOTE: "customer_note_by_id",
    TimelineKind.CSAT_RATING: "feedback_by_id",
}


async def _load_rows(
    ctx: RequestContext, keys: list[tuple[TimelineKind, str]]
) -> dict[tuple[TimelineKind, str], Any]:
    """The page's rows, one batched load per loader (so per kind), never per item."""
    loaders = ctx.loaders
    wanted: dict[str, list[tuple[TimelineKind, str]]] = {}
    for kind, key in keys:
        name = _BY_UUID.get(kind, "audit_entry_by_id")
        wanted.setdefault(name, []).append((kind, key))

    async def load(name: str, items: list[tuple[TimelineKind, str]]) -> list[Any]:
        loader = getattr(loaders, name)
        ids: list[Any] = [
            int(key) if name == "audit_entry_by_id" else uuid.UUID(key) for _, key in items
        ]
        return list(await loader.load_many(ids))

    names = list(wanted)
    results = await asyncio.gather(*(load(name, wanted[name]) for name in names))
    found: dict[tuple[TimelineKind, str], Any] = {}
    for name, rows in zip(names, results, strict=True):
        for item, row in zip(wanted[name], rows, strict=True):
            found[item] = row
    return found
