"""Ticket mutations: create, update, status changes, assignment, merge and bulk updates."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.scalars import JSON

from resolvers.audit import MutationTx
from resolvers.errors import FieldProblem, ValidationFailed
from resolvers.tickets.assignment import assign_ticket, auto_assign_ticket
from resolvers.tickets.bulk import BulkChanges, bulk_update_tickets
from resolvers.tickets.common import UNCHANGED, Unchanged
from resolvers.tickets.create import NewTicket, create_ticket
from resolvers.tickets.merge import merge_tickets
from resolvers.tickets.transitions import change_ticket_status
from resolvers.tickets.update import TicketChanges, update_ticket
from schema.errors import TicketError
from schema.ids import decode_id
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAgent, IsAuthenticated
from schema.tickets import Ticket, TicketChannel, TicketPriority, TicketStatus

__all__ = ["TicketsMutation"]


def _ids(values: list[strawberry.ID] | None, type_name: str, field: str) -> list[uuid.UUID]:
    """Decode a list of global IDs, reporting every bad one as `field.N`."""
    decoded: list[uuid.UUID] = []
    problems: list[FieldProblem] = []
    for index, value in enumerate(values or []):
        try:
            decoded.append(decode_id(value, type_name, f"{field}.{index}"))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(*problems)
    return decoded


def _optional_id(value: Any, type_name: str, field: str) -> uuid.UUID | Unchanged | None:
    """UNSET (left out) keeps the current value; null clears it."""
    if value is strawberry.UNSET:
        return UNCHANGED
    return None if value is None else decode_id(value, type_name, field)


@strawberry.input(description="A new ticket. Customers give a subject and body only.")
class CreateTicketInput:
    subject: str = strawberry.field(description="One-line summary (at most 300 characters).")
    body: str | None = strawberry.field(
        default=None, description="The description as HTML (sanitised): the first message."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff and API keys: the customer the ticket is for."
    )
    requester_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: the customer's user who asked (optional)."
    )
    priority: TicketPriority | None = strawberry.field(
        default=None, description="Staff: default NORMAL."
    )
    channel: TicketChannel | None = strawberry.field(
        default=None, description="Staff: default WEB (API for API keys)."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Staff: labels.")
    custom_fields: JSON | None = strawberry.field(
        default=None, description="Staff: a JSON object (at most 16 KB)."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff: the team's queue; without an assignee, round-robin picks one.",
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: an agent (a member of the team, if one is given)."
    )


_STAFF_ONLY = (
    ("requester_id", "requesterId"),
    ("priority", "priority"),
    ("channel", "channel"),
    ("tags", "tags"),
    ("custom_fields", "customFields"),
    ("team_id", "teamId"),
    ("assignee_id", "assigneeId"),
)


def _new_ticket(i: CreateTicketInput) -> NewTicket:
    return NewTicket(
        subject=i.subject,
        body_html=i.body,
        customer_id=decode_id(i.customer_id, "Customer", "customerId") if i.customer_id else None,
        requester_id=decode_id(i.requester_id, "User", "requesterId") if i.requester_id else None,
        priority=i.priority.value if i.priority else None,
        channel=i.channel.value if i.channel else None,
        tags=i.tags,
        custom_fields=i.custom_fields,
        team_id=decode_id(i.team_id, "Team", "teamId") if i.team_id else None,
        assignee_id=decode_id(i.assignee_id, "User", "assigneeId") if i.assignee_id else None,
        staff_only_given=[name for attr, name in _STAFF_ONLY if getattr(i, attr) is not None],
    )


@strawberry.input(description="Changes to a ticket; only the fields given change.")
class UpdateTicketInput:
    id: strawberry.ID = strawberry.field(description="The ticket.")
    subject: str | None = strawberry.field(default=None, description="New subject.")
    priority: TicketPriority | None = strawberry.field(
        default=None, description="New priority; the SLA due times follow it."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Replaces all tags.")
    custom_fields: JSON | None = strawberry.field(
        default=None, description="Replaces the custom fields."
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move to this team (null: no team); an assignee outside it is cleared.",
    )
    add_follower_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Agents or admins to add as followers."
    )
    remove_follower_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Followers to remove."
    )


@strawberry.input(description="Move a ticket to another status.")
class ChangeTicketStatusInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")
    status: TicketStatus = strawberry.field(description="The new status.")


@strawberry.input(description="Give a ticket to an agent and/or a team.")
class AssignTicketInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An active agent or admin (a member of the team); null unassigns.",
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The team; null removes it."
    )


@strawberry.input(description="Let round-robin pick the next agent with room in a team.")
class AutoAssignTicketInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="The team to pick from (default: the ticket's team)."
    )


@strawberry.input(description="Fold a duplicate ticket into another of the same customer.")
class MergeTicketsInput:
    source_id: strawberry.ID = strawberry.field(description="The duplicate; it gets closed.")
    target_id: strawberry.ID = strawberry.field(description="The ticket that remains.")


@strawberry.input(description="One change applied to many tickets, all or nothing.")
class BulkUpdateTicketsInput:
    ids: list[strawberry.ID] = strawberry.field(description="1 to 100 tickets.")
    status: TicketStatus | None = strawberry.field(default=None, description="New status.")
    priority: TicketPriority | None = strawberry.field(default=None, description="New priority.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New assignee; null unassigns."
    )
    add_tags: list[str] | None = strawberry.field(default=None, description="Tags to add.")
    remove_tags: list[str] | None = strawberry.field(default=None, description="Tags to remove.")


@strawberry.type(description="Result of a ticket mutation.")
class TicketPayload(MutationPayload[TicketError]):
    ticket: Ticket | None = strawberry.field(default=None, description="The ticket as it is now.")


@strawberry.type(description="Result of mergeTickets.")
class MergeTicketsPayload(MutationPayload[TicketError]):
    source: Ticket | None = strawberry.field(default=None, description="The closed duplicate.")
    target: Ticket | None = strawberry.field(default=None, description="The remaining ticket.")


@strawberry.type(
    description="Result of bulkUpdateTickets; an error's field `ids.N` names a ticket."
)
class BulkUpdateTicketsPayload(MutationPayload[TicketError]):
    tickets: list[Ticket] = strawberry.field(
        default_factory=list, description="The tickets as they are now, in the order given."
    )


def _ticket_id(value: str, field: str) -> uuid.UUID:
    return decode_id(value, "Ticket", field)


@strawberry.type
class TicketsMutation:
    @mutation(
        description="Open a ticket. Customers open their own (channel WEB); staff and API "
        "keys open one for a customer (customerId). Reviewers may not.",
        permission_classes=[IsAuthenticated],
    )
    async def create_ticket(tx: MutationTx, input: CreateTicketInput) -> TicketPayload:
        row = await create_ticket(tx, _new_ticket(input))
        return TicketPayload(ticket=Ticket.from_row(row))

    @mutation(
        description="Edit a ticket's subject, priority, tags, custom fields, team or followers "
        "(agents and admins).",
        permission_classes=[IsAgent],
    )
    async def update_ticket(tx: MutationTx, input: UpdateTicketInput) -> TicketPayload:
        changes = TicketChanges(
            subject=input.subject,
            priority=input.priority.value if input.priority else None,
            tags=input.tags,
            custom_fields=input.custom_fields,
            team_id=_optional_id(input.team_id, "Team", "teamId"),
            add_follower_ids=_ids(input.add_follower_ids, "User", "addFollowerIds"),
            remove_follower_ids=_ids(input.remove_follower_ids, "User", "removeFollowerIds"),
        )
        row = await update_ticket(tx, _ticket_id(input.id, "id"), changes)
        return TicketPayload(ticket=Ticket.from_row(row))

    @mutation(
        description="Move a ticket to another status. Agents and admins follow the state "
        "machine (closed is final); customers may mark their own ticket solved, and close it "
        "once solved. An illegal move is `invalid_state`, naming the allowed targets.",
        permission_classes=[IsAuthenticated],
    )
    async def change_ticket_status(tx: MutationTx, input: ChangeTicketStatusInput) -> TicketPayload:
        row = await change_ticket_status(
            tx, _ticket_id(input.ticket_id, "ticketId"), input.status.value
        )
        return TicketPayload(ticket=Ticket.from_row(row))

    @mutation(
        description="Assign a ticket to an agent and/or a team (agents and admins).",
        permission_classes=[IsAgent],
    )
    async def assign_ticket(tx: MutationTx, input: AssignTicketInput) -> TicketPayload:
        row = await assign_ticket(
            tx,
            _ticket_id(input.ticket_id, "ticketId"),
            assignee_id=_optional_id(input.assignee_id, "User", "assigneeId"),
            team_id=_optional_id(input.team_id, "Team", "teamId"),
        )
        return TicketPayload(ticket=Ticket.from_row(row))

    @mutation(
        description="Assign a ticket round-robin within a team, skipping agents at capacity "
        "(agents and admins); `invalid_state` when nobody has room.",
        permission_classes=[IsAgent],
    )
    async def auto_assign_ticket(tx: MutationTx, input: AutoAssignTicketInput) -> TicketPayload:
        row = await auto_assign_ticket(
            tx,
            _ticket_id(input.ticket_id, "ticketId"),
            decode_id(input.team_id, "Team", "teamId") if input.team_id else None,
        )
        return TicketPayload(ticket=Ticket.from_row(row))

    @mutation(
        description="Merge a duplicate into another ticket of the same customer: messages, "
        "attachments and followers move over, the duplicate is closed (agents and admins).",
        permission_classes=[IsAgent],
    )
    async def merge_tickets(tx: MutationTx, input: MergeTicketsInput) -> MergeTicketsPayload:
        source, target = await merge_tickets(
            tx,
            _ticket_id(input.source_id, "sourceId"),
            _ticket_id(input.target_id, "targetId"),
        )
        return MergeTicketsPayload(source=Ticket.from_row(source), target=Ticket.from_row(target))

    @mutation(
        description="Change status, priority, assignee or tags of up to 100 tickets at once "
        "(agents and admins). All or nothing: one bad ticket and none change.",
        permission_classes=[IsAgent],
    )
    async def bulk_update_tickets(
        tx: MutationTx, input: BulkUpdateTicketsInput
    ) -> BulkUpdateTicketsPayload:
        rows = await bulk_update_tickets(
            tx,
            _ids(input.ids, "Ticket", "ids"),
            BulkChanges(
                status=input.status.value if input.status else None,
                priority=input.priority.value if input.priority else None,
                assignee_id=_optional_id(input.assignee_id, "User", "assigneeId"),
                add_tags=input.add_tags or [],
                remove_tags=input.remove_tags or [],
            ),
        )
        return BulkUpdateTicketsPayload(tickets=[Ticket.from_row(row) for row in rows])
