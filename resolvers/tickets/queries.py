"""Reading tickets: the filtered, keyset-paginated list and visibility-checked lookups.

Customers see only their own customer record's tickets, and their search never matches
words that appear only in internal notes; staff (reviewers included) see every ticket.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, false, func, not_, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.customer_search import tsquery_text
from db.message_search import ticket_ids_with_matching_messages
from db.models import Customer, Team, Ticket, TicketMessage, User
from db.models.tickets import Visibility
from db.pagination import (
    Page,
    PageRequest,
    PageStatements,
    SortKey,
    page_statements,
    run_page,
)
from db.records import RecordShape
from resolvers.context import RequestContext
from resolvers.messages.access import customer_only_public
from resolvers.search import search_text
from resolvers.tickets.sla import sla_breached_clause

__all__ = [
    "AssigneeScope",
    "TicketCriteria",
    "TicketPreload",
    "TicketSort",
    "tickets_page",
    "visible_tickets",
]

# Keyset cursors need a value for tickets without due times: they sort last.
_FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


class AssigneeScope(enum.Enum):
    ANYONE = "anyone"
    UNASSIGNED = "unassigned"
    ME = "me"


class TicketSort(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    PRIORITY = "priority"
    FIRST_RESPONSE_DUE = "first_response_due"
    RESOLUTION_DUE = "resolution_due"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class TicketCriteria:
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    assignee_id: uuid.UUID | None = None
    assignee_scope: AssigneeScope = AssigneeScope.ANYONE
    team_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    sla_breached: bool | None = None
    search: str | None = None


def _due(column: Any, row_value: str) -> SortKey:
    return SortKey(
        func.coalesce(column, _FAR_FUTURE),
        lambda row: getattr(row, row_value) or _FAR_FUTURE,
    )


def sort_key(sort: TicketSort, descending: bool) -> SortKey:
    if sort is TicketSort.PRIORITY:
        key = SortKey(Ticket.priority_rank, lambda row: row.priority_rank)
    elif sort is TicketSort.FIRST_RESPONSE_DUE:
        key = _due(Ticket.first_response_due_at, "first_response_due_at")
    elif sort is TicketSort.RESOLUTION_DUE:
        key = _due(Ticket.resolution_due_at, "resolution_due_at")
    elif sort is TicketSort.NUMBER:
        key = SortKey(Ticket.number, lambda row: row.number)
    elif sort is TicketSort.UPDATED_AT:
        key = SortKey(Ticket.updated_at, lambda row: row.updated_at)
    else:
        key = SortKey(Ticket.created_at, lambda row: row.created_at)
    return SortKey(key.expression, key.value, descending=descending)


def _search(principal: Principal, text: str) -> ColumnElement[bool]:
    query = tsquery_text(text)
    if query is None:  # search_text refuses such a search; never widen to every ticket
        return false()
    tsquery = func.to_tsquery("simple", query)
    return or_(
        Ticket.search_vector.op("@@")(tsquery),
        Ticket.id.in_(
            ticket_ids_with_matching_messages(
                tsquery, public_only=not policy.can_see_internal_messages(principal)
            )
        ),
    )


def tickets_statement(principal: Principal, c: TicketCriteria) -> Select[Any]:
    stmt = select(Ticket).where(policy.ticket_scope(principal))
    if c.statuses:
        stmt = stmt.where(Ticket.status.in_(c.statuses))
    if c.priorities:
        stmt = stmt.where(Ticket.priority.in_(c.priorities))
    if c.channels:
        stmt = stmt.where(Ticket.channel.in_(c.channels))
    if c.assignee_scope is AssigneeScope.UNASSIGNED:
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif c.assignee_scope is AssigneeScope.ME:
        # An API key is nobody: "mine" is then an empty list.
        mine = principal.user_id
        stmt = stmt.where(Ticket.assignee_id == mine if mine else false())
    if c.assignee_id is not None:
        stmt = stmt.where(Ticket.assignee_id == c.assignee_id)
    if c.team_id is not None:
        stmt = stmt.where(Ticket.team_id == c.team_id)
    if c.customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == c.customer_id)
    if c.tags:
        stmt = stmt.where(Ticket.tags.contains(list(c.tags)))
    if c.created_after is not None:
        stmt = stmt.where(Ticket.created_at >= c.created_after)
    if c.created_before is not None:
        stmt = stmt.where(Ticket.created_at < c.created_before)
    if c.updated_after is not None:
        stmt = stmt.where(Ticket.updated_at >= c.updated_after)
    if c.updated_before is not None:
        stmt = stmt.where(Ticket.updated_at < c.updated_before)
    if c.sla_breached is not None:
        breached = sla_breached_clause(utcnow())
        stmt = stmt.where(breached if c.sla_breached else not_(breached))
    if c.search:  # already checked by resolvers.search.search_text
        stmt = stmt.where(_search(principal, c.search))
    return stmt


@dataclass(frozen=True, slots=True)
class TicketPreload:
    """Related rows the page will show (read off the GraphQL selection): they are joined
    into the page's one statement and handed to the page's objects, so the fields that show
    them read what is already there instead of one batched statement each."""

    customer: bool = False
    requester: bool = False
    assignee: bool = False
    team: bool = False
    last_message: bool = False


@dataclass(frozen=True, slots=True)
class _PageShape:
    """How a page statement is widened for a preload shape, and cut back per row."""

    names: tuple[str, ...]
    prepare: Callable[[Select[Any]], Select[Any]]
    unpack: Callable[[Row[Any]], tuple[Any, tuple[Any, ...]]]


@lru_cache(maxsize=128)  # 32 preload shapes, by public_only: every one fits
def _page_shape(preload: TicketPreload, public_only: bool) -> _PageShape:
    """The page statement's columns (the ticket's and those of the related rows
    `preload` names, as records: db/records.py) and how to cut a result row into a ticket
    record and its related records. Built once per shape: the aliases and the lateral
    subquery cost more to build than the rest of the page statement (SQL constructs are
    immutable, so sharing them is safe)."""
    joins: list[tuple[str, Any, Any]] = []
    if preload.customer:
        joins.append(("customer", Customer, Customer.id == Ticket.customer_id))
    if preload.requester:
        requester = aliased(User, name="requester")
        joins.append(("requester", requester, requester.id == Ticket.requester_id))
    if preload.assignee:
        assignee = aliased(User, name="assignee")
        joins.append(("assignee", assignee, assignee.id == Ticket.assignee_id))
    if preload.team:
        joins.append(("team", Team, Team.id == Ticket.team_id))
    if preload.last_message:
        newest = (
            select(TicketMessage)
            .where(TicketMessage.ticket_id == Ticket.id)
            .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
            .limit(1)
        )
        if public_only:  # an internal note is never a customer's "last message"
            newest = newest.where(TicketMessage.visibility == Visibility.PUBLIC.value)
        lateral = newest.lateral("last_message")
        joins.append(("last_message", aliased(TicketMessage, lateral), true()))
    ticket: RecordShape[Ticket] = RecordShape(Ticket, "ticket")
    related: list[RecordShape[Any]] = [RecordShape(entity, name) for name, entity, _ in joins]
    columns = [column for shape in (ticket, *related) for column in shape.columns]
    starts = []
    start = ticket.width
    for shape in related:
        starts.append(start)
        start += shape.width
    taking = list(zip(related, starts, strict=True))

    def prepare(stmt: Select[Any]) -> Select[Any]:
        stmt = stmt.with_only_columns(*columns, maintain_column_froms=True)
        for _, entity, on in joins:
            stmt = stmt.outerjoin(entity, on)
        return stmt

    def unpack(row: Row[Any]) -> tuple[Any, tuple[Any, ...]]:
        values = tuple(row)
        return ticket.take(values, 0), tuple([shape.take(values, at) for shape, at in taking])

    return _PageShape(tuple(name for name, _, _ in joins), prepare, unpack)


def _request_shape(page: PageRequest) -> PageRequest:
    """What the page statements depend on: the sizes, and whether there is a cursor."""
    return PageRequest(
        first=page.first,
        after="" if page.after is not None else None,
        last=page.last,
        before="" if page.before is not None else None,
    )


@lru_cache(maxsize=512)
def _statements(
    principal: Principal,
    criteria: TicketCriteria,
    sort: TicketSort,
    descending: bool,
    request: PageRequest,
    count: bool,
    preload: TicketPreload,
    max_size: int,
) -> PageStatements:
    """A page's statements, kept for the next request of the same caller, criteria and
    shape (an inbox refreshed by every agent all day): building and cache-keying the
    page statement anew cost as much as running it."""
    return page_statements(
        tickets_statement(principal, criteria),
        sort_key(sort, descending),
        Ticket.id,
        request,
        max_size=max_size,
        count=count,
        prepare=_page_shape(preload, customer_only_public(principal)).prepare,
        count_inline=True,  # unpack reads the ticket and related records by position
    )


def _relations(result: Page[Ticket], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per row, the related rows the page statement loaded, by relation name."""
    return [dict(zip(names, extras, strict=True)) for extras in result.related]


async def tickets_page(
    ctx: RequestContext,
    criteria: TicketCriteria,
    sort: TicketSort,
    descending: bool,
    page: PageRequest,
    *,
    count: bool = True,
    preload: TicketPreload = TicketPreload(),  # frozen: safe to share
) -> tuple[Page[Ticket], list[dict[str, Any]]]:
    """One page of tickets in one statement with the related rows `preload` names, plus
    `count(*)` only when `count`; the related rows come back per ticket, by name. Tickets
    and related rows are read-only records (db/records.py), not ORM objects."""
    principal = ctx.require_principal()
    criteria = replace(criteria, search=search_text(criteria.search, "filter.search"))
    shape = _page_shape(preload, customer_only_public(principal))
    key = (principal, criteria, sort, descending, _request_shape(page), count, preload)
    if criteria.sla_breached is None:  # the only criterion that reads the clock
        statements = _statements(*key, ctx.settings.max_page_size)
    else:
        statements = _statements.__wrapped__(*key, ctx.settings.max_page_size)
    async with ctx.db.reads() as session:
        result = await run_page(session, statements, page, unpack=shape.unpack)
    ctx.loaders.ticket_by_id.prime_many({row.id: row for row in result.rows})
    return result, _relations(result, shape.names)


async def visible_tickets(ctx: RequestContext, ids: list[uuid.UUID | None]) -> list[Ticket | None]:
    """Tickets by id in key order; None where absent or not the caller's to see."""
    principal = ctx.principal
    keys = [key for key in ids if key is not None]
    rows = await ctx.loaders.ticket_by_id.load_many(keys) if principal and keys else []
    by_id = {row.id: row for row in rows if row is not None}
    found: list[Ticket | None] = []
    for key in ids:
        row = by_id.get(key) if key is not None else None
        found.append(row if row is not None and policy.can_see_ticket(principal, row) else None)
    return found
