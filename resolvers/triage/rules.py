"""Routing rules: admins' ordered rules run after triage. A rule matches when every condition
it sets holds (on the triage output, the channel, the customer's tags and the text); a match
sets team / priority / assignee and adds tags, later matches overriding earlier ones, until a
matching rule says `stop_processing`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ai.triage import PRIORITIES
from db.models import RoutingRule, Team
from db.models.tickets import TicketChannel
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import AiErrorCode
from resolvers.errors import FieldProblem, NotFound, ValidationFailed
from resolvers.tickets.assignment import check_assignee
from resolvers.tickets.common import normalize_tags

__all__ = [
    "CONDITION_KEYS",
    "MAX_RULES",
    "RuleChanges",
    "RuleFacts",
    "RuleOutcome",
    "create_rule",
    "delete_rule",
    "list_rules",
    "match_rules",
    "update_rule",
]

MAX_RULES = 200
MAX_NAME = 200
MAX_VALUES = 50
SENTIMENTS = ("negative", "neutral", "positive")
# Condition keys as stored; each is a list ("any of") except has_pii (a boolean).
CONDITION_KEYS = (
    "priority_in",
    "team_in",
    "language_in",
    "sentiment_in",
    "channel_in",
    "customer_tags_any",
    "tags_any",
    "text_contains_any",
    "has_pii",
)
_CHOICES: dict[str, tuple[str, ...]] = {
    "priority_in": PRIORITIES,
    "sentiment_in": SENTIMENTS,
    "channel_in": tuple(c.value for c in TicketChannel),
}


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What rules look at: triage's output and the ticket's context."""

    priority: str | None
    team: str | None  # the triaged team's name
    language: str
    sentiment: str
    has_pii: bool
    channel: str
    customer_tags: frozenset[str]
    tags: frozenset[str]
    text: str  # subject and description, lower case


@dataclass
class RuleOutcome:
    team_id: uuid.UUID | None = None
    priority: str | None = None
    assignee_id: uuid.UUID | None = None
    tags: list[str] = field(default_factory=list)
    applied: list[RoutingRule] = field(default_factory=list)


def _holds(conditions: dict[str, Any], facts: RuleFacts) -> bool:
    def any_of(key: str, value: str | None) -> bool:
        wanted = conditions.get(key)
        return not wanted or (value is not None and value.lower() in wanted)

    if not any_of("priority_in", facts.priority):
        return False
    if not any_of("team_in", facts.team):
        return False
    if not any_of("language_in", facts.language):
        return False
    if not any_of("sentiment_in", facts.sentiment):
        return False
    if not any_of("channel_in", facts.channel):
        return False
    customer_tags = conditions.get("customer_tags_any")
    if customer_tags and not facts.customer_tags & set(customer_tags):
        return False
    tags = conditions.get("tags_any")
    if tags and not facts.tags & set(tags):
        return False
    phrases = conditions.get("text_contains_any")
    if phrases and not any(p in facts.text for p in phrases):
        return False
    has_pii = conditions.get("has_pii")
    return has_pii is None or has_pii == facts.has_pii


def match_rules(rules: Sequence[RoutingRule], facts: RuleFacts) -> RuleOutcome:
    """Apply enabled rules in order (callers pass them sorted by position)."""
    outcome = RuleOutcome()
    for rule in rules:
        if not rule.enabled or not _holds(rule.conditions or {}, facts):
            continue
        outcome.applied.append(rule)
        if rule.set_team_id is not None:
            outcome.team_id = rule.set_team_id
        if rule.set_priority is not None:
            outcome.priority = rule.set_priority
        if rule.set_assignee_id is not None:
            outcome.assignee_id = rule.set_assignee_id
        outcome.tags.extend(t for t in rule.add_tags or () if t not in outcome.tags)
        if rule.stop_processing:
            break
    return outcome


async def ordered_rules(session: AsyncSession) -> list[RoutingRule]:
    rows = await session.execute(
        select(RoutingRule).order_by(RoutingRule.position, RoutingRule.created_at, RoutingRule.id)
    )
    return list(rows.scalars())


async def list_rules(ctx: RequestContext) -> list[RoutingRule]:
    ctx.require_admin()
    async with ctx.db.sessions() as session:
        return await ordered_rules(session)


# --- writing ----------------------------------------------------------------------------


class _Unset:
    pass


UNSET: Any = _Unset()


@dataclass
class RuleChanges:
    """Fields left UNSET do not change (on create: take their default)."""

    name: Any = UNSET
    position: Any = UNSET
    enabled: Any = UNSET
    conditions: Any = UNSET  # dict of CONDITION_KEYS
    set_team_id: Any = UNSET
    set_priority: Any = UNSET
    set_assignee_id: Any = UNSET
    add_tags: Any = UNSET
    stop_processing: Any = UNSET


def _clean_values(key: str, values: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in values:
        value = " ".join(str(raw).split()).lower()
        if value and value not in cleaned:
            cleaned.append(value)
    field_name = f"conditions.{_camel(key)}"
    if len(cleaned) > MAX_VALUES:
        raise ValidationFailed.one(field_name, f"At most {MAX_VALUES} values.", AiErrorCode.INVALID)
    choices = _CHOICES.get(key)
    if choices is not None:
        bad = [v for v in cleaned if v not in choices]
        if bad:
            raise ValidationFailed.one(
                field_name,
                f"Unknown value(s) {', '.join(bad)}: choose from {', '.join(choices)}.",
                AiErrorCode.INVALID,
            )
    return cleaned


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def clean_conditions(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in CONDITION_KEYS:
        value = raw.get(key)
        if value is None:
            continue
        if key == "has_pii":
            out[key] = bool(value)
        else:
            values = _clean_values(key, value)
            if values:
                out[key] = values
    return out


def _snapshot(rule: RoutingRule | None) -> dict[str, Any]:
    if rule is None:
        return {}
    return {
        "name": rule.name,
        "position": rule.position,
        "enabled": rule.enabled,
        "conditions": dict(rule.conditions or {}),
        "set_team_id": rule.set_team_id,
        "set_priority": rule.set_priority,
        "set_assignee_id": rule.set_assignee_id,
        "add_tags": list(rule.add_tags or ()),
        "stop_processing": rule.stop_processing,
    }


def _clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed.one("name", "Give the rule a name.", AiErrorCode.REQUIRED)
    if len(name) > MAX_NAME:
        raise ValidationFailed.one(
            "name", f"A name has at most {MAX_NAME} characters.", AiErrorCode.TOO_LONG
        )
    return name


async def _apply(session: AsyncSession, rule: RoutingRule, changes: RuleChanges) -> None:
    if changes.name is not UNSET:
        rule.name = _clean_name(changes.name)
    if changes.enabled is not UNSET and changes.enabled is not None:
        rule.enabled = bool(changes.enabled)
    if changes.stop_processing is not UNSET and changes.stop_processing is not None:
        rule.stop_processing = bool(changes.stop_processing)
    if changes.conditions is not UNSET:
        rule.conditions = clean_conditions(changes.conditions or {})
    if changes.set_priority is not UNSET:
        if changes.set_priority is not None and changes.set_priority not in PRIORITIES:
            raise ValidationFailed.one("setPriority", "Unknown priority.", AiErrorCode.INVALID)
        rule.set_priority = changes.set_priority
    if changes.add_tags is not UNSET:
        rule.add_tags = normalize_tags(changes.add_tags or [], "addTags")
    if changes.set_team_id is not UNSET:
        if changes.set_team_id is not None and await session.get(Team, changes.set_team_id) is None:
            raise NotFound("setTeamId", "team")
        rule.set_team_id = changes.set_team_id
    if changes.set_assignee_id is not UNSET:
        rule.set_assignee_id = changes.set_assignee_id
    if rule.set_assignee_id is not None:
        team = await session.get(Team, rule.set_team_id) if rule.set_team_id else None
        await check_assignee(session, rule.set_assignee_id, team, "setAssigneeId")
    if not (rule.set_team_id or rule.set_priority or rule.set_assignee_id or rule.add_tags):
        raise ValidationFailed(
            FieldProblem(
                None,
                "A rule needs an action: a team, a priority, an assignee or tags.",
                AiErrorCode.REQUIRED,
            )
        )


async def _place(session: AsyncSession, rule: RoutingRule, position: int | None) -> None:
    """Insert at `position` (1-based; rules at or after it move down), or last."""
    last = (
        await session.execute(
            select(func.coalesce(func.max(RoutingRule.position), 0)).where(
                RoutingRule.id != rule.id
            )
        )
    ).scalar_one()
    if position is None or position > last:
        rule.position = last + 1
        return
    if position < 1:
        raise ValidationFailed.one("position", "Positions start at 1.", AiErrorCode.INVALID)
    await session.execute(
        update(RoutingRule)
        .where(RoutingRule.position >= position, RoutingRule.id != rule.id)
        .values(position=RoutingRule.position + 1)
    )
    rule.position = position


async def create_rule(tx: MutationTx, changes: RuleChanges) -> RoutingRule:
    tx.ctx.require_admin()
    session = tx.session
    # One rule write at a time: positions stay consistent.
    await session.execute(select(func.pg_advisory_xact_lock(0x726F757465)))
    count = (await session.execute(select(func.count()).select_from(RoutingRule))).scalar_one()
    if count >= MAX_RULES:
        raise ValidationFailed.one(None, f"At most {MAX_RULES} routing rules.", AiErrorCode.INVALID)
    if changes.name is UNSET:
        raise ValidationFailed.one("name", "Give the rule a name.", AiErrorCode.REQUIRED)
    rule = RoutingRule(
        id=uuid.uuid4(),
        name="",
        position=0,
        enabled=True,
        conditions={},
        add_tags=[],
        stop_processing=False,
    )
    await _apply(session, rule, changes)
    await _place(session, rule, None if changes.position is UNSET else changes.position)
    session.add(rule)
    await session.flush()
    tx.audit("RoutingRule", rule.id, diff({}, _snapshot(rule)))
    return rule


async def _load(session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule:
    rule = (
        await session.execute(
            select(RoutingRule).where(RoutingRule.id == rule_id).with_for_update()
        )
    ).scalar_one_or_none()
    if rule is None:
        raise NotFound("id", "routing rule")
    return rule


async def update_rule(tx: MutationTx, rule_id: uuid.UUID, changes: RuleChanges) -> RoutingRule:
    tx.ctx.require_admin()
    session = tx.session
    await session.execute(select(func.pg_advisory_xact_lock(0x726F757465)))
    rule = await _load(session, rule_id)
    before = _snapshot(rule)
    await _apply(session, rule, changes)
    if changes.position is not UNSET and changes.position is not None:
        await _place(session, rule, changes.position)
    rule.updated_at = func.now()
    await session.flush()
    await session.refresh(rule)
    tx.audit("RoutingRule", rule.id, diff(before, _snapshot(rule)))
    return rule


async def delete_rule(tx: MutationTx, rule_id: uuid.UUID) -> uuid.UUID:
    tx.ctx.require_admin()
    rule = await _load(tx.session, rule_id)
    tx.audit("RoutingRule", rule.id, diff(_snapshot(rule), {}))
    await tx.session.delete(rule)
    return rule_id
