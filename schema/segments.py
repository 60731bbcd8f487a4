"""Saved customer segments (staff): the type, the `customerSegments` list and mutations.

Use one with `customers(filter: {segmentId: …})`, alone or with other filter keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from db.models import CustomerSegment as SegmentRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.customers import KEEP
from resolvers.segments import (
    create_segment,
    delete_segment,
    list_segments,
    update_segment,
    visible_segments,
)
from schema.accounts import User, visible_user
from schema.connections import connection_from_page, selected_paths
from schema.customers import CustomerFilter, customer_list_filter
from schema.errors import SegmentError
from schema.ids import decode_id, encode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsStaff

__all__ = ["CustomerSegment", "SegmentsMutation", "SegmentsQuery"]


@strawberry.type(
    description="A named customer filter (staff): private to its owner, or shared with all "
    "staff. Use it as `customers(filter: {segmentId})`."
)
class CustomerSegment(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Plain text: escape before rendering as HTML.")
    filter: JSON = strawberry.field(
        description="The saved filter: the keys of CustomerFilter that were given "
        "(organizationId as a raw UUID)."
        " Its strings are plain text: escape before rendering as HTML."
    )
    shared: bool = strawberry.field(description="Seen and used by all staff (else owner only).")
    created_at: datetime = strawberry.field(description="When it was saved.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    owner_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who saved it (null for one saved with an API key).")
    async def owner(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.owner_id)

    @classmethod
    def from_row(cls, row: SegmentRow) -> CustomerSegment:
        return cls(
            id=str(row.id),
            name=row.name,
            filter=cast(JSON, row.filter or {}),
            shared=row.shared,
            created_at=row.created_at,
            updated_at=row.updated_at,
            owner_id=row.owner_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_segments(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]


@strawberry.type(description="A page of customer segments, by name.")
class CustomerSegmentConnection(relay.Connection[CustomerSegment]):
    total_count: int = strawberry.field(description="Segments listed, all pages.")


@strawberry.type
class SegmentsQuery:
    @strawberry.field(
        description="Shared segments and your own private ones (staff), by name; `shared` "
        "narrows to shared (true) or your private ones (false).",
        permission_classes=[IsStaff],
    )
    async def customer_segments(
        self,
        info: strawberry.Info[RequestContext],
        shared: bool | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CustomerSegmentConnection:
        page = await list_segments(
            info.context,
            shared=shared,
            page=PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected_paths(info, depth=1),
        )
        return connection_from_page(CustomerSegmentConnection, page, CustomerSegment.from_row)


@strawberry.input(description="A new saved customer filter.")
class CreateCustomerSegmentInput:
    name: str = strawberry.field(description="1-120 characters.")
    filter: CustomerFilter = strawberry.field(
        description="The filter to save (not includeDeleted, not segmentId)."
    )
    shared: bool = strawberry.field(
        default=False, description="Shared with all staff (else private to you)."
    )


@strawberry.input(description="Changes to a segment (its owner; an admin for shared ones).")
class UpdateCustomerSegmentInput:
    id: strawberry.ID = strawberry.field(description="The segment.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1-120 chars.")
    filter: CustomerFilter | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the saved filter."
    )
    shared: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Share with all staff, or make private."
    )


@strawberry.input(description="The segment to delete.")
class DeleteCustomerSegmentInput:
    id: strawberry.ID = strawberry.field(description="A CustomerSegment ID.")


@strawberry.type(description="The result of a segment mutation.")
class CustomerSegmentPayload(MutationPayload[SegmentError]):
    segment: CustomerSegment | None = strawberry.field(default=None, description="As saved.")


@strawberry.type(description="The result of deleteCustomerSegment.")
class DeleteCustomerSegmentPayload(MutationPayload[SegmentError]):
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted segment."
    )


@strawberry.type
class SegmentsMutation:
    @mutation(
        description="Save a customer filter as a segment (staff).", permission_classes=[IsStaff]
    )
    async def create_customer_segment(
        tx: MutationTx, input: CreateCustomerSegmentInput
    ) -> CustomerSegmentPayload:
        row = await create_segment(
            tx, name=input.name, value=customer_list_filter(input.filter), shared=input.shared
        )
        return CustomerSegmentPayload(segment=CustomerSegment.from_row(row))

    @mutation(
        description="Change a segment: its owner, or an admin for a shared one.",
        permission_classes=[IsStaff],
    )
    async def update_customer_segment(
        tx: MutationTx, input: UpdateCustomerSegmentInput
    ) -> CustomerSegmentPayload:
        segment_id = decode_id(input.id, "CustomerSegment", "id")
        row = await update_segment(
            tx,
            segment_id,
            name=KEEP if input.name is strawberry.UNSET or input.name is None else input.name,
            value=KEEP
            if input.filter is strawberry.UNSET or input.filter is None
            else customer_list_filter(input.filter),
            shared=KEEP
            if input.shared is strawberry.UNSET or input.shared is None
            else input.shared,
        )
        return CustomerSegmentPayload(segment=CustomerSegment.from_row(row))

    @mutation(
        description="Delete a segment: its owner, or an admin for a shared one.",
        permission_classes=[IsStaff],
    )
    async def delete_customer_segment(
        tx: MutationTx, input: DeleteCustomerSegmentInput
    ) -> DeleteCustomerSegmentPayload:
        deleted = await delete_segment(tx, decode_id(input.id, "CustomerSegment", "id"))
        return DeleteCustomerSegmentPayload(
            deleted_id=strawberry.ID(encode_id("CustomerSegment", deleted))
        )
