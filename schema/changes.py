"""Live changes of every entity: `changes(types, ids)` for integrators and
`customerEvents(filter)` for the customer view.

Each event names the entity (its GraphQL type), its global ID and what happened; `node` is
the entity as it is now, loaded through the policy like `node(id:)`: what the subscriber
may not read is never delivered, and a deleted entity arrives with `node: null`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryObjectDefinition

from resolvers.change_feed import (
    ChangeDelivery,
    ChangeFilter,
    CustomerEventFilter,
    change_stream,
    customer_event_stream,
)
from resolvers.changes import ChangeKind as Kind
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import ValidationFailed
from schema.ids import decode_id, encode_id
from schema.permissions import IsAuthenticated

__all__ = ["ChangeEvent", "ChangesSubscription"]

# The most ids one `changes(ids:)` may follow.
MAX_FILTER_IDS = 100


@strawberry.enum(description="What happened to an entity.")
class ChangeKind(enum.Enum):
    CREATED = Kind.CREATED.value
    UPDATED = Kind.UPDATED.value
    DELETED = Kind.DELETED.value


@strawberry.type(description="An entity was created, changed or deleted.")
class ChangeEvent:
    type: str = strawberry.field(
        description="The entity's GraphQL type name (Customer, Organization, User, Team …)."
        " Plain text: escape before rendering as HTML."
    )
    id: strawberry.ID = strawberry.field(description="The entity's global ID.")
    kind: ChangeKind = strawberry.field(description="What happened.")
    node: relay.Node | None = strawberry.field(
        description="The entity as it is now, as you may see it; null once deleted."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer the entity belongs to, if any."
    )
    occurred_at: datetime = strawberry.field(description="When the change was published.")


@strawberry.input(description="Which customer changes to receive; all given must hold.")
class CustomerEventsFilter:
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Changes of this customer (customers: only their own)."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Changes of this organization and of its customers (staff only).",
    )
    kinds: list[ChangeKind] | None = strawberry.field(
        default=None, description="Only these kinds of change."
    )


def _entity_ids(ids: list[strawberry.ID]) -> frozenset[tuple[str, uuid.UUID]]:
    """(type name, id) of each global ID; a bad one is an `invalid_id` error."""
    if len(ids) > MAX_FILTER_IDS:
        raise ValidationFailed.one(
            "ids", f"Follow at most {MAX_FILTER_IDS} ids.", CommonErrorCode.INVALID
        )
    found: set[tuple[str, uuid.UUID]] = set()
    for index, global_id in enumerate(ids):
        try:
            gid = relay.GlobalID.from_id(global_id)
            found.add((gid.type_name, uuid.UUID(gid.node_id)))
        except (ValueError, TypeError, relay.GlobalIDValueError) as exc:
            raise ValidationFailed.one(
                f"ids.{index}", "Not a valid ID.", CommonErrorCode.INVALID_ID
            ) from exc
    return frozenset(found)


async def _node(info: strawberry.Info[RequestContext], change: ChangeDelivery) -> Any:
    """The entity through its type's own node lookup (its read rule), or None."""
    if not isinstance(info.schema.get_type_by_name(change.entity), StrawberryObjectDefinition):
        return None
    global_id = relay.GlobalID(change.entity, str(change.entity_id))
    return await global_id.resolve_node(info, required=False)


async def _events(
    info: strawberry.Info[RequestContext], stream: AsyncGenerator[ChangeDelivery, None]
) -> AsyncGenerator[ChangeEvent, None]:
    async with aclosing(stream) as deliveries:
        async for change in deliveries:
            node = await _node(info, change)
            if node is None and change.kind is not Kind.DELETED:
                continue  # not (or no longer) yours to see
            yield ChangeEvent(
                type=change.entity,
                id=strawberry.ID(encode_id(change.entity, change.entity_id)),
                kind=ChangeKind(change.kind.value),
                node=node,
                customer_id=strawberry.ID(encode_id("Customer", change.customer_id))
                if change.customer_id is not None
                else None,
                occurred_at=change.occurred_at,
            )


@strawberry.type
class ChangesSubscription:
    @strawberry.subscription(
        description="Every create, update and delete of customers, organizations, users, "
        "teams (and the other entities that publish changes), as you may see them: staff "
        "what the policy lets them read, a customer only their own record and its public "
        "items. `types` (GraphQL type names) and `ids` (global IDs, at most 100) narrow it.",
        permission_classes=[IsAuthenticated],
    )
    async def changes(
        self,
        info: strawberry.Info[RequestContext],
        types: list[str] | None = None,
        ids: list[strawberry.ID] | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        wanted = ChangeFilter(
            types=frozenset(types) if types is not None else None,
            ids=_entity_ids(ids) if ids is not None else None,
        )
        return _events(info, await change_stream(info.context, wanted))

    @strawberry.subscription(
        description="Changes of one customer (their record and what belongs to it), or of "
        "an organization and its customers (staff). A customer hears only their own.",
        permission_classes=[IsAuthenticated],
    )
    async def customer_events(
        self,
        info: strawberry.Info[RequestContext],
        filter: CustomerEventsFilter | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        f = filter or CustomerEventsFilter()
        wanted = CustomerEventFilter(
            customer_id=decode_id(f.customer_id, "Customer", "filter.customerId")
            if f.customer_id is not None
            else None,
            organization_id=decode_id(f.organization_id, "Organization", "filter.organizationId")
            if f.organization_id is not None
            else None,
            kinds=frozenset(Kind(k.value) for k in f.kinds) if f.kinds is not None else None,
        )
        return _events(info, await customer_event_stream(info.context, wanted))
