"""Reading suggestions (staff only) and the live streams of a ticket's suggestions."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from auth import policy
from auth.principal import Principal
from dataloaders import Loaders
from db.models import AiSuggestion
from resolvers.ai_suggestions.events import SuggestionEventKind, suggestion_channel
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, NotFound
from resolvers.subscriptions import still_allowed

__all__ = [
    "SuggestionDelivery",
    "TokenDelivery",
    "get_suggestion",
    "suggestion_stream",
    "token_stream",
]

_log = logging.getLogger("autocrm.realtime")
# A token stream re-checks the subscriber's credentials at most this often (not per token).
_RECHECK_SECONDS = 5.0


async def get_suggestion(ctx: RequestContext, suggestion_id: uuid.UUID) -> AiSuggestion | None:
    """The suggestion, for staff who may see its ticket; None otherwise (as if absent)."""
    principal = ctx.principal
    if not policy.can_see_ai_suggestions(principal):
        return None
    row = await ctx.loaders.ai_suggestion_by_id.load(suggestion_id)
    if row is None:
        return None
    ticket = await ctx.loaders.ticket_by_id.load(row.ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        return None
    return row


@dataclass(frozen=True, slots=True)
class SuggestionDelivery:
    suggestion: AiSuggestion
    what: str


@dataclass(frozen=True, slots=True)
class TokenDelivery:
    job_id: uuid.UUID
    sequence: int
    delta: str


async def _watch(ctx: RequestContext, ticket_id: uuid.UUID) -> Principal:
    principal = ctx.require_principal()
    if not policy.can_see_ai_suggestions(principal):
        raise Forbidden("Only staff may follow AI suggestions.")
    if ctx.publisher is None:
        raise RuntimeError("realtime is not configured for this request context")
    ticket = await ctx.loaders.ticket_by_id.load(ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        raise NotFound("ticketId", "ticket")
    return principal


async def suggestion_stream(
    ctx: RequestContext, ticket_id: uuid.UUID, kind: SuggestionEventKind
) -> AsyncGenerator[SuggestionDelivery, None]:
    """`ready` or `changed` events of the ticket's suggestions, each loaded fresh."""
    principal = await _watch(ctx, ticket_id)
    return _suggestions(ctx, principal, ticket_id, kind)


async def _suggestions(
    ctx: RequestContext, principal: Principal, ticket_id: uuid.UUID, kind: SuggestionEventKind
) -> AsyncGenerator[SuggestionDelivery, None]:
    assert ctx.publisher is not None
    async with aclosing(ctx.publisher.subscribe(suggestion_channel(ticket_id))) as events:
        async for event in events:
            data = event.data
            if data.get("kind") != kind.value:
                continue
            try:
                suggestion_id = uuid.UUID(str(data.get("suggestion_id")))
            except ValueError:
                continue
            loaders = Loaders(ctx.db)  # the data as it is now
            allowed, row = await asyncio.gather(
                still_allowed(principal, loaders), loaders.ai_suggestion_by_id.load(suggestion_id)
            )
            if not allowed:
                _log.info(
                    "ending an AI suggestion stream: %s may no longer see it", principal.label
                )
                return
            if row is None or row.ticket_id != ticket_id:
                continue
            ctx.loaders = loaders
            yield SuggestionDelivery(row, str(data.get("what") or ""))


async def token_stream(
    ctx: RequestContext, ticket_id: uuid.UUID
) -> AsyncGenerator[TokenDelivery, None]:
    principal = await _watch(ctx, ticket_id)
    return _tokens(ctx, principal, ticket_id)


async def _tokens(
    ctx: RequestContext, principal: Principal, ticket_id: uuid.UUID
) -> AsyncGenerator[TokenDelivery, None]:
    assert ctx.publisher is not None
    checked = time.monotonic()
    async with aclosing(ctx.publisher.subscribe(suggestion_channel(ticket_id))) as events:
        async for event in events:
            data = event.data
            if data.get("kind") != SuggestionEventKind.TOKENS.value:
                continue
            if time.monotonic() - checked > _RECHECK_SECONDS:
                checked = time.monotonic()
                if not await still_allowed(principal, Loaders(ctx.db)):
                    return
            try:
                job_id = uuid.UUID(str(data.get("job_id")))
                sequence = int(data.get("sequence") or 0)
            except ValueError:
                continue
            yield TokenDelivery(job_id, sequence, str(data.get("delta") or ""))
