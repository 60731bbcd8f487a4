"""Tickets: the Ticket type, its enums, and the `ticket` / `tickets` queries.

Mutations live in schema/ticket_mutations.py; message and feedback fields on Ticket come
from schema/messages.py and schema/feedback.py (helper D).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from auth import policy
from dataloaders import now_or_later
from db.base import utcnow
from db.models import Customer as CustomerRow
from db.models import Team as TeamRow
from db.models import Ticket as TicketRow
from db.pagination import PageRequest
from resolvers.context import RequestContext
from resolvers.tickets.queries import (
    AssigneeScope,
    TicketCriteria,
    TicketPreload,
    TicketSort,
    tickets_page,
    visible_tickets,
)
from resolvers.tickets.sla import is_breached
from schema.accounts import User, user_from_row, visible_user
from schema.ai_suggestions import AI_SUGGESTIONS_FIELD
from schema.attachments import TICKET_ATTACHMENTS_FIELD
from schema.connections import connection_from_page, selected_paths
from schema.customers import Customer
from schema.feedback import FEEDBACK_FIELD
from schema.ids import decode_id, uuid_or_none
from schema.messages import LAST_MESSAGE_FIELD, MESSAGES_FIELD, last_message_of
from schema.ordering import OrderDirection
from schema.permissions import IsAuthenticated, IsStaff
from schema.plain_fields import PlainResolver, WithContext, guarded, node_global_id
from schema.preloaded import NOT_LOADED, preloaded
from schema.teams import Team
from schema.triage import TRIAGE_FIELD

__all__ = [
    "PLAIN_RESOLVERS",
    "Ticket",
    "TicketChannel",
    "TicketConnection",
    "TicketPriority",
    "TicketStatus",
    "TicketsQuery",
    "customer_tickets",
]


@strawberry.enum(
    description="Where a ticket is in its life: new → open ⇄ pending/on hold → "
    "solved → closed (final)."
)
class TicketStatus(enum.Enum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


@strawberry.enum(description="How urgent a ticket is; sets its SLA targets.")
class TicketPriority(enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@strawberry.enum(description="How a ticket reached support.")
class TicketChannel(enum.Enum):
    WEB = "web"
    EMAIL = "email"
    API = "api"
    CHAT = "chat"


@strawberry.type(description="A customer's request, worked by agents until it is solved.")
class Ticket(relay.Node):
    id: relay.NodeID[str]
    number: int = strawberry.field(description="Human-friendly number, e.g. 1042 for #1042.")
    subject: str = strawberry.field(
        description="One-line summary (at most 300 characters)."
        " Plain text: escape before rendering as HTML."
    )
    status: TicketStatus = strawberry.field(description="Where the ticket is in its life.")
    priority: TicketPriority = strawberry.field(description="How urgent it is.")
    channel: TicketChannel = strawberry.field(description="How it reached support.")
    custom_fields: JSON = strawberry.field(
        description="Integrator-defined JSON object."
        " Its strings are plain text: escape before rendering as HTML."
    )
    first_response_due_at: datetime | None = strawberry.field(
        description="When the first public staff reply is due (SLA)."
    )
    resolution_due_at: datetime | None = strawberry.field(
        description="When the ticket should be solved (SLA)."
    )
    first_responded_at: datetime | None = strawberry.field(
        description="When staff first replied publicly."
    )
    solved_at: datetime | None = strawberry.field(description="When it was (last) solved.")
    closed_at: datetime | None = strawberry.field(description="When it was closed.")
    last_message_at: datetime | None = strawberry.field(description="Time of the newest message.")
    created_at: datetime = strawberry.field(description="When the ticket was opened.")
    updated_at: datetime = strawberry.field(description="When anything about it last changed.")
    row: strawberry.Private[TicketRow]
    # Related rows loaded with the ticket's page (schema/preloaded.py); empty elsewhere.
    preloaded: strawberry.Private[Mapping[str, Any]] = strawberry.field(default_factory=dict)

    @strawberry.field(
        description="Labels for routing and reporting (staff only)."
        " Plain text: escape before rendering as HTML.",
        permission_classes=[IsStaff],
    )
    def tags(self) -> list[str]:
        return _tags(self)

    @strawberry.field(description="True when a response or resolution target was missed.")
    def sla_breached(self) -> bool:
        return is_breached(self.row, utcnow())

    @strawberry.field(description="The customer this ticket is for.")
    def customer(self, info: strawberry.Info[RequestContext]) -> Customer | None:
        return _customer(self, info)

    @strawberry.field(
        description="The customer user who asked (null when opened by staff); other "
        "customers of the organisation see a public profile."
    )
    def requester(self, info: strawberry.Info[RequestContext]) -> User | None:
        return _requester(self, info)

    @strawberry.field(
        description="The agent working the ticket, or null while unassigned; customers see "
        "the agent's public profile (name only)."
    )
    def assignee(self, info: strawberry.Info[RequestContext]) -> User | None:
        return _assignee(self, info)

    @strawberry.field(
        description="The team whose queue the ticket is in (staff only: null for customers, "
        "teams are internal routing)."
    )
    def team(self, info: strawberry.Info[RequestContext]) -> Team | None:
        return _team(self, info)

    @strawberry.field(
        description="Staff who get updates about this ticket (staff only).",
        permission_classes=[IsStaff],
    )
    async def followers(self, info: strawberry.Info[RequestContext]) -> list[User]:
        loaders = info.context.loaders
        follows = await loaders.followers_by_ticket_id.load(self.row.id)
        users = await loaders.user_by_id.load_many([f.user_id for f in follows])
        return [user for user in (user_from_row(info, u) for u in users) if user is not None]

    @strawberry.field(description="The ticket this one was merged into (then it is closed).")
    async def merged_into(self, info: strawberry.Info[RequestContext]) -> Ticket | None:
        if self.row.merged_into_id is None:
            return None
        (row,) = await visible_tickets(info.context, [self.row.merged_into_id])
        return Ticket.from_row(row) if row is not None else None

    # Messages and CSAT (helper D, schema/messages.py and schema/feedback.py).
    messages = MESSAGES_FIELD
    last_message = LAST_MESSAGE_FIELD
    feedback = FEEDBACK_FIELD
    # Files (helper F, schema/attachments.py).
    attachments = TICKET_ATTACHMENTS_FIELD
    # AI reply drafts (schema/ai_suggestions.py).
    ai_suggestions = AI_SUGGESTIONS_FIELD
    # AI triage (schema/triage.py).
    triage = TRIAGE_FIELD

    @classmethod
    def from_row(cls, row: TicketRow, preloaded: Mapping[str, Any] | None = None) -> Ticket:
        """`preloaded`: related rows loaded with the page, by field (see TicketPreload)."""
        return cls(
            id=str(row.id),
            number=row.number,
            subject=row.subject,
            status=TicketStatus(row.status),
            priority=TicketPriority(row.priority),
            channel=TicketChannel(row.channel),
            custom_fields=JSON(row.custom_fields or {}),
            first_response_due_at=row.first_response_due_at,
            resolution_due_at=row.resolution_due_at,
            first_responded_at=row.first_responded_at,
            solved_at=row.solved_at,
            closed_at=row.closed_at,
            last_message_at=row.last_message_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
            preloaded=preloaded or {},
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_tickets(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]


def _customer_or_none(row: CustomerRow | None) -> Customer | None:
    return Customer.from_row(row) if row is not None else None


def _team_or_none(row: TeamRow | None) -> Team | None:
    return Team.from_row(row) if row is not None else None


# The logic of Ticket's per-row fields, shared by the Strawberry methods above and by the
# plain resolvers the inbox page runs (schema/plain_fields.py): each reads the row the page
# preloaded at once, and otherwise returns an awaitable that loads it (graphql-core awaits
# it), so a preloaded page costs no coroutine and no task per field.


def _tags(ticket: Ticket, info: object = None) -> list[str]:
    return list(ticket.row.tags or [])


def _customer(ticket: Ticket, info: WithContext) -> Customer | None:
    row = preloaded(ticket, "customer")
    if row is not NOT_LOADED:
        return _customer_or_none(row)
    loader = info.context.loaders.customer_by_id
    return cast("Customer | None", now_or_later(loader, ticket.row.customer_id, _customer_or_none))


def _related_user(
    ticket: Ticket, info: WithContext, name: str, user_id: uuid.UUID | None
) -> User | None:
    """A ticket's requester or assignee as the policy lets the caller see it (in full, as
    a public profile, or null): user_from_row / visible_user decide, never the page."""
    if user_id is None:
        return None
    row = preloaded(ticket, name)
    if row is not NOT_LOADED:
        return user_from_row(info, row)
    return cast("User | None", visible_user(info, user_id))


def _requester(ticket: Ticket, info: WithContext) -> User | None:
    return _related_user(ticket, info, "requester", ticket.row.requester_id)


def _assignee(ticket: Ticket, info: WithContext) -> User | None:
    return _related_user(ticket, info, "assignee", ticket.row.assignee_id)


def _team(ticket: Ticket, info: WithContext) -> Team | None:
    team_id = ticket.row.team_id
    if team_id is None or not info.context.allows(policy.can_see_team):
        return None
    row = preloaded(ticket, "team")
    if row is not NOT_LOADED:
        return _team_or_none(row)
    return cast(
        "Team | None", now_or_later(info.context.loaders.team_by_id, team_id, _team_or_none)
    )


# Installed on the built schema by schema/__init__.py.
PLAIN_RESOLVERS: dict[tuple[str, str], PlainResolver] = {
    ("Ticket", "id"): node_global_id,
    # The field's IsStaff check runs in the plain resolver (answered once per operation).
    ("Ticket", "tags"): guarded(IsStaff)(_tags),
    ("Ticket", "customer"): _customer,
    ("Ticket", "requester"): _requester,
    ("Ticket", "assignee"): _assignee,
    ("Ticket", "team"): _team,
    ("Ticket", "lastMessage"): guarded(IsAuthenticated)(last_message_of),
}


@strawberry.type(description="A page of tickets.")
class TicketConnection(relay.Connection[Ticket]):
    total_count: int = strawberry.field(description="Tickets matching the filter, all pages.")


@strawberry.enum(description="Whose tickets, without naming a user.")
class TicketAssigneeScope(enum.Enum):
    ME = "me"
    UNASSIGNED = "unassigned"


@strawberry.input(
    one_of=True, description="Filter by assignee: give exactly one of `id` or `scope`."
)
class TicketAssigneeFilter:
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Tickets assigned to this user."
    )
    scope: TicketAssigneeScope | None = strawberry.field(
        default=strawberry.UNSET, description="ME (assigned to you) or UNASSIGNED."
    )


@strawberry.input(description="Narrow the ticket list; every condition given must hold.")
class TicketFilter:
    status: list[TicketStatus] | None = strawberry.field(default=None, description="Any of.")
    priority: list[TicketPriority] | None = strawberry.field(default=None, description="Any of.")
    channel: list[TicketChannel] | None = strawberry.field(default=None, description="Any of.")
    assignee: TicketAssigneeFilter | None = strawberry.field(
        default=None, description="A user, yourself, or nobody."
    )
    team_id: strawberry.ID | None = strawberry.field(default=None, description="In this team.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="For this customer."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Has all of these tags.")
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    updated_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    updated_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    sla_breached: bool | None = strawberry.field(
        default=None, description="Only tickets that missed (true) or kept (false) a target."
    )
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Words (prefixes) found in the subject or in a message you may read, at most 200 "
            "characters. Blank = no search; no letter or digit = BAD_USER_INPUT."
        ),
    )


@strawberry.enum(description="What the ticket list is sorted by.")
class TicketOrderField(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    PRIORITY = "priority"
    FIRST_RESPONSE_DUE = "first_response_due"
    RESOLUTION_DUE = "resolution_due"
    NUMBER = "number"


@strawberry.input(description="Sort order of the ticket list (ties broken by ID).")
class TicketOrder:
    field: TicketOrderField = strawberry.field(
        default=TicketOrderField.CREATED_AT, description="Sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Direction."
    )


def _criteria(f: TicketFilter) -> TicketCriteria:
    assignee_id = None
    scope = AssigneeScope.ANYONE
    if f.assignee is not None:
        if f.assignee.id:
            assignee_id = decode_id(f.assignee.id, "User", "filter.assignee.id")
        elif f.assignee.scope:
            scope = AssigneeScope(f.assignee.scope.value)
    return TicketCriteria(
        statuses=tuple(s.value for s in f.status or ()),
        priorities=tuple(p.value for p in f.priority or ()),
        channels=tuple(c.value for c in f.channel or ()),
        assignee_id=assignee_id,
        assignee_scope=scope,
        team_id=decode_id(f.team_id, "Team", "filter.teamId") if f.team_id else None,
        customer_id=(
            decode_id(f.customer_id, "Customer", "filter.customerId") if f.customer_id else None
        ),
        tags=tuple(t.strip().lower() for t in f.tags or ()),
        created_after=f.created_after,
        created_before=f.created_before,
        updated_after=f.updated_after,
        updated_before=f.updated_before,
        sla_breached=f.sla_breached,
        search=f.search,
    )


@strawberry.type
class TicketsQuery:
    @strawberry.field(
        description="A ticket by ID (null when absent or not yours to see).",
        permission_classes=[IsAuthenticated],
    )
    async def ticket(
        self, info: strawberry.Info[RequestContext], id: strawberry.ID
    ) -> Ticket | None:
        (row,) = await visible_tickets(info.context, [_global_ticket_id(id)])
        return Ticket.from_row(row) if row is not None else None

    @strawberry.field(
        description="Tickets you may see (customers: their own), filtered and sorted; "
        "newest first by default.",
        permission_classes=[IsAuthenticated],
    )
    async def tickets(
        self,
        info: strawberry.Info[RequestContext],
        filter: TicketFilter | None = None,
        order_by: TicketOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TicketConnection:
        order = order_by or TicketOrder()
        selected = selected_paths(info)
        page, relations = await tickets_page(
            info.context,
            _criteria(filter or TicketFilter()),
            TicketSort(order.field.value),
            order.direction is OrderDirection.DESC,
            PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected,
            preload=TicketPreload(
                customer="edges.node.customer" in selected,
                requester="edges.node.requester" in selected,
                assignee="edges.node.assignee" in selected,
                team="edges.node.team" in selected,
                last_message="edges.node.lastMessage" in selected,
            ),
        )
        related = iter(relations)
        return connection_from_page(
            TicketConnection, page, lambda row: Ticket.from_row(row, next(related))
        )


async def customer_tickets(
    customer_row_id: uuid.UUID,
    info: strawberry.Info[RequestContext],
    filter: TicketFilter | None,
    order_by: TicketOrder | None,
    page: PageRequest,
) -> TicketConnection:
    """Customer.tickets: the `tickets` list (same filters, order, preloads and policy
    scope) with the customer fixed; a filter's own customerId is overridden."""
    order = order_by or TicketOrder()
    selected = selected_paths(info)
    criteria = replace(_criteria(filter or TicketFilter()), customer_id=customer_row_id)
    result, relations = await tickets_page(
        info.context,
        criteria,
        TicketSort(order.field.value),
        order.direction is OrderDirection.DESC,
        page,
        count="totalCount" in selected,
        preload=TicketPreload(
            customer="edges.node.customer" in selected,
            requester="edges.node.requester" in selected,
            assignee="edges.node.assignee" in selected,
            team="edges.node.team" in selected,
            last_message="edges.node.lastMessage" in selected,
        ),
    )
    related = iter(relations)
    return connection_from_page(
        TicketConnection, result, lambda row: Ticket.from_row(row, next(related))
    )


def _global_ticket_id(value: str) -> uuid.UUID | None:
    """A malformed or foreign ID finds nothing, like a missing one."""
    try:
        gid = relay.GlobalID.from_id(value)
    except relay.GlobalIDValueError:
        return None
    return uuid_or_none(gid.node_id) if gid.type_name == "Ticket" else None
