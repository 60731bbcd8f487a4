"""Routing rules (admins) and `retriageTicket` (agents)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry

from auth import policy
from db.models import RoutingRule as RuleRow
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.triage.requests import retriage_ticket
from resolvers.triage.rules import (
    UNSET as RULE_UNSET,
)
from resolvers.triage.rules import (
    RuleChanges,
    create_rule,
    delete_rule,
    list_rules,
    update_rule,
)
from schema.accounts import User, visible_user
from schema.errors import AiError
from schema.ids import decode_id, uuid_or_none
from schema.jobs import Job
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsAgent
from schema.teams import Team
from schema.tickets import Ticket, TicketChannel, TicketPriority
from schema.triage import TriageSentiment

__all__ = ["RoutingMutation", "RoutingQuery", "RoutingRule"]


@strawberry.type(description="When a routing rule matches: every condition given must hold.")
class RoutingConditions:
    priority_in: list[TicketPriority] | None = strawberry.field(
        description="Triage's priority is one of these."
    )
    team_in: list[str] | None = strawberry.field(
        description="Triage's team (by name, any case) is one of these."
        " Plain text: escape before rendering as HTML."
    )
    language_in: list[str] | None = strawberry.field(
        description="The detected language (ISO 639-1) is one of these."
        " Plain text: escape before rendering as HTML."
    )
    sentiment_in: list[TriageSentiment] | None = strawberry.field(
        description="The customer's sentiment is one of these."
    )
    channel_in: list[TicketChannel] | None = strawberry.field(
        description="The ticket came through one of these channels."
    )
    customer_tags_any: list[str] | None = strawberry.field(
        description="The customer has any of these tags."
        " Plain text: escape before rendering as HTML."
    )
    tags_any: list[str] | None = strawberry.field(
        description="Triage proposed any of these tags."
        " Plain text: escape before rendering as HTML."
    )
    text_contains_any: list[str] | None = strawberry.field(
        description="Subject or description contains any of these phrases (any case)."
        " Plain text: escape before rendering as HTML."
    )
    has_pii: bool | None = strawberry.field(
        description="Personal data was (true) or was not (false) found."
    )

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> RoutingConditions:
        def enums(key: str, kind: Any) -> list[Any] | None:
            values = data.get(key)
            return [kind(v) for v in values] if values else None

        return cls(
            priority_in=enums("priority_in", TicketPriority),
            team_in=data.get("team_in"),
            language_in=data.get("language_in"),
            sentiment_in=enums("sentiment_in", TriageSentiment),
            channel_in=enums("channel_in", TicketChannel),
            customer_tags_any=data.get("customer_tags_any"),
            tags_any=data.get("tags_any"),
            text_contains_any=data.get("text_contains_any"),
            has_pii=data.get("has_pii"),
        )


@strawberry.type(description="An admin's routing rule, run in order after AI triage.")
class RoutingRule(strawberry.relay.Node):
    id: strawberry.relay.NodeID[str]
    name: str = strawberry.field(description="Plain text: escape before rendering as HTML.")
    position: int = strawberry.field(description="Rules run in ascending position (from 1).")
    enabled: bool = strawberry.field(description="Disabled rules are skipped.")
    conditions: RoutingConditions = strawberry.field(description="All must hold to match.")
    set_priority: TicketPriority | None = strawberry.field(
        description="Priority to set on a match."
    )
    add_tags: list[str] = strawberry.field(
        description="Tags to add on a match. Plain text: escape before rendering as HTML."
    )
    stop_processing: bool = strawberry.field(
        description="When it matches, later rules are not looked at."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    team_row_id: strawberry.Private[uuid.UUID | None]
    assignee_row_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Team to route to on a match (then round-robin assigns).")
    async def set_team(self, info: strawberry.Info[RequestContext]) -> Team | None:
        if self.team_row_id is None:
            return None
        row = await info.context.loaders.team_by_id.load(self.team_row_id)
        return Team.from_row(row) if row is not None else None

    @strawberry.field(description="Agent to assign on a match (instead of round-robin).")
    async def set_assignee(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.assignee_row_id)

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        """`node(id:)`: admins only; anyone else gets null."""
        ids = [uuid_or_none(i) for i in node_ids]
        if not info.context.allows(policy.is_admin):
            return [None for _ in ids]
        rows = {row.id: row for row in await list_rules(info.context)}
        return [cls.from_row(rows[i]) if i in rows else None for i in ids]

    @classmethod
    def from_row(cls, row: RuleRow) -> RoutingRule:
        return cls(
            id=str(row.id),
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            conditions=RoutingConditions.from_stored(dict(row.conditions or {})),
            set_priority=TicketPriority(row.set_priority) if row.set_priority else None,
            add_tags=list(row.add_tags or ()),
            stop_processing=row.stop_processing,
            created_at=row.created_at,
            updated_at=row.updated_at,
            team_row_id=row.set_team_id,
            assignee_row_id=row.set_assignee_id,
        )


@strawberry.input(description="Conditions of a routing rule; leave out what does not matter.")
class RoutingConditionsInput:
    priority_in: list[TicketPriority] | None = strawberry.field(default=None, description="Any of.")
    team_in: list[str] | None = strawberry.field(
        default=None, description="Triage's team names, any of."
    )
    language_in: list[str] | None = strawberry.field(
        default=None, description="ISO 639-1 codes, any of."
    )
    sentiment_in: list[TriageSentiment] | None = strawberry.field(
        default=None, description="Any of."
    )
    channel_in: list[TicketChannel] | None = strawberry.field(default=None, description="Any of.")
    customer_tags_any: list[str] | None = strawberry.field(
        default=None, description="Customer tags, any of."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Triage's tags, any of."
    )
    text_contains_any: list[str] | None = strawberry.field(
        default=None, description="Phrases in subject or description, any of."
    )
    has_pii: bool | None = strawberry.field(default=None, description="Personal data found or not.")

    def stored(self) -> dict[str, Any]:
        def values(items: list[Any] | None) -> list[str] | None:
            return None if items is None else [getattr(i, "value", i) for i in items]

        return {
            "priority_in": values(self.priority_in),
            "team_in": self.team_in,
            "language_in": self.language_in,
            "sentiment_in": values(self.sentiment_in),
            "channel_in": values(self.channel_in),
            "customer_tags_any": self.customer_tags_any,
            "tags_any": self.tags_any,
            "text_contains_any": self.text_contains_any,
            "has_pii": self.has_pii,
        }


@strawberry.input(description="A new routing rule; it needs at least one action.")
class CreateRoutingRuleInput:
    name: str = strawberry.field(description="At most 200 characters.")
    position: int | None = strawberry.field(
        default=None, description="Where in the order (1 = first); default last."
    )
    enabled: bool = strawberry.field(default=True, description="Run it (default true).")
    conditions: RoutingConditionsInput | None = strawberry.field(
        default=None, description="When it matches (none = always)."
    )
    set_team_id: strawberry.ID | None = strawberry.field(default=None, description="Team.")
    set_priority: TicketPriority | None = strawberry.field(default=None, description="Priority.")
    set_assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="An active agent (a member of setTeam when both are given)."
    )
    add_tags: list[str] | None = strawberry.field(default=None, description="Tags to add.")
    stop_processing: bool = strawberry.field(
        default=False, description="Stop at this rule when it matches."
    )


@strawberry.input(description="Changes to a routing rule; only the fields given change.")
class UpdateRoutingRuleInput:
    id: strawberry.ID = strawberry.field(description="The rule.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    position: int | None = strawberry.field(default=strawberry.UNSET, description="New place.")
    enabled: bool | None = strawberry.field(default=strawberry.UNSET, description="On or off.")
    conditions: RoutingConditionsInput | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all conditions (null = always)."
    )
    set_team_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Team (null = none)."
    )
    set_priority: TicketPriority | None = strawberry.field(
        default=strawberry.UNSET, description="Priority (null = none)."
    )
    set_assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Assignee (null = none)."
    )
    add_tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the tags to add."
    )
    stop_processing: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Stop at this rule when it matches."
    )


@strawberry.input(description="The routing rule to delete.")
class DeleteRoutingRuleInput:
    id: strawberry.ID = strawberry.field(description="The rule.")


@strawberry.input(description="The ticket to triage again.")
class RetriageTicketInput:
    ticket_id: strawberry.ID = strawberry.field(description="The ticket.")


@strawberry.type(description="Result of createRoutingRule / updateRoutingRule.")
class RoutingRulePayload(MutationPayload[AiError]):
    rule: RoutingRule | None = strawberry.field(default=None, description="The rule as it is now.")


@strawberry.type(description="Result of deleteRoutingRule.")
class DeleteRoutingRulePayload(MutationPayload[AiError]):
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of the deleted rule."
    )


@strawberry.type(description="Result of retriageTicket.")
class RetriageTicketPayload(MutationPayload[AiError]):
    ticket: Ticket | None = strawberry.field(default=None, description="The ticket.")
    job: Job | None = strawberry.field(
        default=None, description="The triage job (follow it with jobUpdated)."
    )


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


def _changes(input: CreateRoutingRuleInput | UpdateRoutingRuleInput) -> RuleChanges:
    def pick(name: str, convert: Any = None) -> Any:
        value = getattr(input, name)
        if not _given(value):
            return RULE_UNSET
        if value is None or convert is None:
            return value
        return convert(value)

    return RuleChanges(
        name=pick("name"),
        position=pick("position"),
        enabled=pick("enabled"),
        conditions=pick("conditions", lambda c: c.stored()),
        set_team_id=pick("set_team_id", lambda v: decode_id(v, "Team", "setTeamId")),
        set_priority=pick("set_priority", lambda p: p.value),
        set_assignee_id=pick("set_assignee_id", lambda v: decode_id(v, "User", "setAssigneeId")),
        add_tags=pick("add_tags"),
        stop_processing=pick("stop_processing"),
    )


@strawberry.type
class RoutingQuery:
    @strawberry.field(
        description="Routing rules in the order they run (admins; at most 200).",
        permission_classes=[IsAdmin],
    )
    async def routing_rules(self, info: strawberry.Info[RequestContext]) -> list[RoutingRule]:
        return [RoutingRule.from_row(row) for row in await list_rules(info.context)]


@strawberry.type
class RoutingMutation:
    @mutation(description="Create a routing rule (admins).", permission_classes=[IsAdmin])
    async def create_routing_rule(
        tx: MutationTx, input: CreateRoutingRuleInput
    ) -> RoutingRulePayload:
        row = await create_rule(tx, _changes(input))
        return RoutingRulePayload(rule=RoutingRule.from_row(row))

    @mutation(
        description="Change a routing rule, or move it in the order (admins).",
        permission_classes=[IsAdmin],
    )
    async def update_routing_rule(
        tx: MutationTx, input: UpdateRoutingRuleInput
    ) -> RoutingRulePayload:
        row = await update_rule(tx, decode_id(input.id, "RoutingRule", "id"), _changes(input))
        return RoutingRulePayload(rule=RoutingRule.from_row(row))

    @mutation(description="Delete a routing rule (admins).", permission_classes=[IsAdmin])
    async def delete_routing_rule(
        tx: MutationTx, input: DeleteRoutingRuleInput
    ) -> DeleteRoutingRulePayload:
        await delete_rule(tx, decode_id(input.id, "RoutingRule", "id"))
        return DeleteRoutingRulePayload(deleted_id=strawberry.ID(input.id))

    @mutation(
        description="Run AI triage on a ticket again (agents): priority, team, tags and "
        "routing may change, and a new internal note explains the result.",
        permission_classes=[IsAgent],
    )
    async def retriage_ticket(tx: MutationTx, input: RetriageTicketInput) -> RetriageTicketPayload:
        ticket, job = await retriage_ticket(tx, decode_id(input.ticket_id, "Ticket", "ticketId"))
        return RetriageTicketPayload(ticket=Ticket.from_row(ticket), job=Job.from_row(job))
