"""Live entity changes for the `changes` (integrators) and `customerEvents` (the customer
view) subscriptions, read from the one channel `record_change` publishes on.

Each event is judged in two steps, like the ticket streams: the payload's ids against the
policy's cheap rule (auth.policy.may_hear_change) and the subscriber's filter, then the
subscriber's credentials are re-checked; the node itself is loaded through the policy by
the schema layer (a Relay node lookup), so what a subscriber may not read never arrives.
One set of loaders serves every subscriber of an event in this process.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime

from auth import policy
from auth.principal import Principal
from dataloaders import Loaders
from resolvers.changes import CHANGES_CHANNEL, ChangeKind
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.events import occurred_at
from resolvers.subscriptions import still_allowed
from workers.events import ReceivedEvent

__all__ = [
    "ChangeDelivery",
    "ChangeFilter",
    "CustomerEventFilter",
    "change_stream",
    "customer_event_stream",
]

_log = logging.getLogger("autocrm.realtime")
_event_loaders: weakref.WeakKeyDictionary[ReceivedEvent, Loaders] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class ChangeDelivery:
    entity: str
    entity_id: uuid.UUID
    kind: ChangeKind
    customer_id: uuid.UUID | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """`changes(types, ids)`: None = any."""

    types: frozenset[str] | None = None
    # (GraphQL type name, id) pairs, from global IDs.
    ids: frozenset[tuple[str, uuid.UUID]] | None = None


@dataclass(frozen=True, slots=True)
class CustomerEventFilter:
    customer_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    kinds: frozenset[ChangeKind] | None = None


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _parse(event: ReceivedEvent) -> ChangeDelivery | None:
    data = event.data
    entity_id = _uuid(data.get("id"))
    entity = data.get("entity")
    try:
        kind = ChangeKind(str(data.get("kind")))
    except ValueError:
        return None
    if entity_id is None or not isinstance(entity, str):
        return None
    return ChangeDelivery(
        entity, entity_id, kind, _uuid(data.get("customer_id")), occurred_at(data)
    )


def _loaders_for(event: ReceivedEvent, ctx: RequestContext) -> Loaders:
    loaders = _event_loaders.get(event)
    if loaders is None or loaders.db is not ctx.db:
        loaders = Loaders(ctx.db)
        _event_loaders[event] = loaders
    return loaders


async def _heard(
    ctx: RequestContext, principal: Principal
) -> AsyncGenerator[tuple[ChangeDelivery, Loaders], None]:
    """Every change the policy lets this subscriber hear of, while its credentials hold."""
    if ctx.publisher is None:
        raise RuntimeError("realtime is not configured for this request context")
    async with aclosing(ctx.publisher.subscribe(CHANGES_CHANNEL)) as events:
        async for event in events:
            change = _parse(event)
            if change is None or not policy.may_hear_change(
                principal,
                change.entity,
                change.entity_id,
                change.customer_id,
                public=bool(event.data.get("public")),
            ):
                continue
            loaders = _loaders_for(event, ctx)
            if not await still_allowed(principal, loaders):
                _log.info("ending a change stream: %s may no longer listen", principal.label)
                return
            yield change, loaders


async def change_stream(
    ctx: RequestContext, wanted: ChangeFilter
) -> AsyncGenerator[ChangeDelivery, None]:
    principal = ctx.require_principal()
    return _changes(ctx, principal, wanted)


async def _changes(
    ctx: RequestContext, principal: Principal, wanted: ChangeFilter
) -> AsyncGenerator[ChangeDelivery, None]:
    async with aclosing(_heard(ctx, principal)) as heard:
        async for change, loaders in heard:
            if wanted.types is not None and change.entity not in wanted.types:
                continue
            if wanted.ids is not None and (change.entity, change.entity_id) not in wanted.ids:
                continue
            ctx.loaders = loaders  # the node and its fields load against this event's data
            yield change


async def customer_event_stream(
    ctx: RequestContext, wanted: CustomerEventFilter
) -> AsyncGenerator[ChangeDelivery, None]:
    """Changes of one customer (or of an organization's customers, and the organization).

    A customer listens to their own record only: no customerId means theirs, another
    customer's id is refused as not found, and organizations are staff-only."""
    principal = ctx.require_principal()
    if not ctx.allows(policy.is_staff):
        if principal.customer_id is None or wanted.organization_id is not None:
            raise NotFound("filter", "customer or organization")
        if wanted.customer_id not in (None, principal.customer_id):
            raise NotFound("filter.customerId", "customer")
        wanted = CustomerEventFilter(principal.customer_id, None, wanted.kinds)
    if wanted.customer_id is not None:
        row = await ctx.loaders.customer_by_id.load(wanted.customer_id)
        if not policy.can_see_customer(principal, row):
            raise NotFound("filter.customerId", "customer")
    if wanted.organization_id is not None:
        org = await ctx.loaders.organization_by_id.load(wanted.organization_id)
        if not policy.can_see_organization(principal, org):
            raise NotFound("filter.organizationId", "organization")
    return _customer_events(ctx, principal, wanted)


async def _customer_events(
    ctx: RequestContext, principal: Principal, wanted: CustomerEventFilter
) -> AsyncGenerator[ChangeDelivery, None]:
    async with aclosing(_heard(ctx, principal)) as heard:
        async for change, loaders in heard:
            if wanted.kinds is not None and change.kind not in wanted.kinds:
                continue
            if wanted.customer_id is not None and change.customer_id != wanted.customer_id:
                continue
            if change.customer_id is None and change.entity != "Organization":
                continue  # users, teams …: not part of any customer's view
            if wanted.organization_id is not None and not await _in_organization(
                change, wanted.organization_id, loaders
            ):
                continue
            ctx.loaders = loaders
            yield change


async def _in_organization(
    change: ChangeDelivery, organization_id: uuid.UUID, loaders: Loaders
) -> bool:
    if change.entity == "Organization":
        return change.entity_id == organization_id
    if change.customer_id is None:
        return False
    customer = await loaders.customer_by_id.load(change.customer_id)
    return customer is not None and customer.organization_id == organization_id
