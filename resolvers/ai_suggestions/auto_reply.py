"""The auto-reply policy: when a draft may go to the customer with no human in between.

Off unless an admin enables a policy. Policies are per channel and/or team (NULL = any);
for a ticket the most specific one applies (channel and team, then team, then channel, then
the catch-all). A draft is sent only when it passed validation, its action is REPLY, and
its groundedness and confidence are above the policy's thresholds (a threshold of 1 never
lets a draft through).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import policy
from db.base import utcnow
from db.models import AiSuggestion, AutoReplyPolicy, Team, Ticket
from db.models.tickets import TicketChannel
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import AiSuggestionErrorCode
from resolvers.errors import Forbidden, NotFound, ValidationFailed

__all__ = [
    "AutoReplyRule",
    "auto_reply_policies",
    "policy_for",
    "qualifies",
    "set_auto_reply_policy",
]


@dataclass(frozen=True, slots=True)
class AutoReplyRule:
    channel: str | None
    team_id: uuid.UUID | None
    enabled: bool
    min_confidence: float
    min_groundedness: float


def _snapshot(row: AutoReplyPolicy) -> dict[str, object]:
    return {
        "channel": row.channel,
        "team_id": row.team_id,
        "enabled": row.enabled,
        "min_confidence": row.min_confidence,
        "min_groundedness": row.min_groundedness,
    }


async def auto_reply_policies(ctx: RequestContext) -> list[AutoReplyPolicy]:
    ctx.require_admin()
    async with ctx.db.sessions() as session:
        rows = (
            await session.execute(
                select(AutoReplyPolicy).order_by(
                    AutoReplyPolicy.channel.nulls_first(),
                    AutoReplyPolicy.team_id.nulls_first(),
                )
            )
        ).scalars()
        return list(rows)


async def set_auto_reply_policy(
    tx: MutationTx,
    *,
    channel: str | None,
    team_id: uuid.UUID | None,
    enabled: bool,
    min_confidence: float,
    min_groundedness: float,
) -> AutoReplyPolicy:
    principal = tx.ctx.require_principal()
    if not policy.may_set_auto_reply(principal):
        raise Forbidden("Only an admin may set the auto-reply policy.")
    if channel is not None and channel not in {c.value for c in TicketChannel}:
        raise ValidationFailed.one("channel", "Unknown channel.", AiSuggestionErrorCode.INVALID)
    for field, value in (("minConfidence", min_confidence), ("minGroundedness", min_groundedness)):
        if not 0.0 <= value <= 1.0:
            raise ValidationFailed.one(
                field, "A threshold is between 0 and 1.", AiSuggestionErrorCode.INVALID
            )
    if team_id is not None and await tx.session.get(Team, team_id) is None:
        raise NotFound("teamId", "team")
    row = (
        await tx.session.execute(
            select(AutoReplyPolicy)
            .where(
                AutoReplyPolicy.channel.is_(None)
                if channel is None
                else AutoReplyPolicy.channel == channel,
                AutoReplyPolicy.team_id.is_(None)
                if team_id is None
                else AutoReplyPolicy.team_id == team_id,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    before = _snapshot(row) if row is not None else {}
    if row is None:
        row = AutoReplyPolicy(id=uuid.uuid4(), channel=channel, team_id=team_id)
        tx.session.add(row)
    row.enabled = enabled
    row.min_confidence = min_confidence
    row.min_groundedness = min_groundedness
    row.updated_by_id = principal.user_id
    row.updated_at = utcnow()
    await tx.session.flush()
    tx.audit("AutoReplyPolicy", row.id, diff(before, _snapshot(row)))
    return row


async def policy_for(session: AsyncSession, ticket: Ticket) -> AutoReplyRule | None:
    """The most specific policy covering the ticket's channel and team (None: no policy)."""
    rows = (
        await session.execute(
            select(AutoReplyPolicy).where(
                or_(AutoReplyPolicy.channel.is_(None), AutoReplyPolicy.channel == ticket.channel),
                or_(
                    AutoReplyPolicy.team_id.is_(None),
                    AutoReplyPolicy.team_id == ticket.team_id,
                ),
            )
        )
    ).scalars()
    best = max(
        rows,
        key=lambda r: (r.team_id is not None, r.channel is not None),
        default=None,
    )
    if best is None:
        return None
    return AutoReplyRule(
        best.channel, best.team_id, best.enabled, best.min_confidence, best.min_groundedness
    )


def qualifies(rule: AutoReplyRule | None, suggestion: AiSuggestion) -> bool:
    return (
        rule is not None
        and rule.enabled
        and suggestion.status == "ready"
        and suggestion.validation_passed
        and suggestion.action == "REPLY"
        and suggestion.groundedness > rule.min_groundedness
        and suggestion.confidence > rule.min_confidence
    )
