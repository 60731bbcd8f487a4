"""Customers: the Customer type, the `customer` / `customers` queries and the mutations."""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from dataloaders import now_or_later
from db.customer_search import CustomerSort
from db.models import Customer as CustomerRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.customer_view import customer_stats
from resolvers.customers import (
    KEEP,
    CustomerDraft,
    CustomerListFilter,
    create_customer,
    delete_customer,
    get_customer,
    list_customers,
    restore_customer,
    update_customer,
    visible_customers,
)
from resolvers.organizations import customer_organization, suggested_organization
from schema.connections import connection_from_page, selected_paths
from schema.customer_notes import CUSTOMER_NOTES_FIELD
from schema.errors import CustomerError
from schema.ids import decode_id, uuid_or_none
from schema.interactions import CUSTOMER_INTERACTIONS_FIELD
from schema.mutations import MutationPayload, mutation
from schema.ordering import OrderDirection
from schema.permissions import IsAdmin, IsAgent, IsAuthenticated, IsStaff
from schema.plain_fields import PlainResolver, WithContext

if TYPE_CHECKING:
    from schema.organizations import Organization
    from schema.tickets import TicketConnection, TicketFilter, TicketOrder
    from schema.timeline import TimelineConnection, TimelineItemKind

__all__ = [
    "Customer",
    "CustomerConnection",
    "CustomerFilter",
    "CustomerStats",
    "CustomersMutation",
    "CustomersQuery",
    "customer_list_filter",
]

_TICKETS = "schema.tickets"
_TIMELINE = "schema.timeline"


@strawberry.type(description="A customer's engagement figures, over what you may see.")
class CustomerStats:
    open_tickets: int = strawberry.field(description="Tickets new, open, pending or on hold.")
    total_tickets: int = strawberry.field(description="All tickets.")
    first_contact_at: datetime | None = strawberry.field(
        description="The earliest ticket or logged interaction."
    )
    last_contact_at: datetime | None = strawberry.field(
        description="The latest ticket message, ticket or logged interaction."
    )
    csat_average: float | None = strawberry.field(
        description="Average CSAT rating (1-5), null without ratings."
    )
    csat_count: int = strawberry.field(description="How many ratings the average is over.")
    median_first_response_seconds: float | None = strawberry.field(
        description="Median time from a ticket's opening to the first public staff reply."
    )


@strawberry.type(description="A person or company that gets support, with contact details.")
class Customer(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Full name (or company name for a company)."
        " Plain text: escape before rendering as HTML."
    )
    company: str | None = strawberry.field(
        description="Company the person works for. Plain text: escape before rendering as HTML."
    )
    tags: list[str] = strawberry.field(
        description="Lower-case labels, for filtering. Plain text: escape before rendering as HTML."
    )
    custom_fields: JSON = strawberry.field(
        description="Integrator-defined JSON object."
        " Its strings are plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When the record was created.")
    updated_at: datetime = strawberry.field(description="When the record last changed.")
    deleted_at: datetime | None = strawberry.field(
        description="When the record was deleted (only admins see deleted records)."
    )
    row_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(
        description="The organization the customer is filed under (staff only); null when "
        "none, or when it was deleted.",
        permission_classes=[IsStaff],
    )
    async def organization(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Organization, strawberry.lazy("schema.organizations")] | None:
        from schema.organizations import Organization

        row = await customer_organization(info.context, self.organization_id)
        return Organization.from_row(row) if row is not None else None

    @strawberry.field(
        description="An organization whose domains hold one of the customer's e-mail domains "
        "(primary first; free-mail providers such as gmail.com never count), unless they "
        "already belong to it. Only a suggestion: setCustomerOrganization applies it.",
        permission_classes=[IsStaff],
    )
    async def suggested_organization(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Organization, strawberry.lazy("schema.organizations")] | None:
        from schema.organizations import Organization

        row = await suggested_organization(info.context, self.row_id, self.organization_id)
        return Organization.from_row(row) if row is not None else None

    @strawberry.field(
        description='The oldest of the customer\'s staff notes as plain text ("" without '
        "notes); customers may not read it. Plain text: escape before rendering as HTML.",
        permission_classes=[IsStaff],
        deprecation_reason="Notes are entries now: use customerNotes.",
    )
    async def notes(self, info: strawberry.Info[RequestContext]) -> str | None:
        row = await info.context.loaders.first_note_by_customer_id.load(self.row_id)
        return row.body_text if row is not None else ""

    interactions = CUSTOMER_INTERACTIONS_FIELD
    customer_notes = CUSTOMER_NOTES_FIELD

    @strawberry.field(
        description="This customer's tickets (the `tickets` list's filter and order; its "
        "customerId is this customer), newest first by default.",
        permission_classes=[IsAuthenticated],
    )
    async def tickets(
        self,
        info: strawberry.Info[RequestContext],
        filter: Annotated[TicketFilter, strawberry.lazy(_TICKETS)] | None = None,
        order_by: Annotated[TicketOrder, strawberry.lazy(_TICKETS)] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Annotated[TicketConnection, strawberry.lazy(_TICKETS)]:
        from schema.tickets import customer_tickets

        return await customer_tickets(
            self.row_id, info, filter, order_by, PageRequest(first, after, last, before)
        )

    @strawberry.field(
        description="Everything that happened with this customer, newest first: tickets "
        "opened and solved, public messages, internal notes (staff), logged interactions "
        "(customers: not the internal ones), staff notes (staff), CSAT ratings and changes "
        "to the record. Cursors are stable across kinds; `kinds` narrows it.",
        permission_classes=[IsAuthenticated],
    )
    async def timeline(
        self,
        info: strawberry.Info[RequestContext],
        first: int | None = None,
        after: str | None = None,
        kinds: list[Annotated[TimelineItemKind, strawberry.lazy(_TIMELINE)]] | None = None,
    ) -> Annotated[TimelineConnection, strawberry.lazy(_TIMELINE)]:
        from schema.timeline import customer_timeline

        return await customer_timeline(self.row_id, info, first, after, kinds)

    @strawberry.field(
        description="Ticket, contact, CSAT and response figures for this customer (over what "
        "you may see: customers' figures leave out internal interactions).",
        permission_classes=[IsAuthenticated],
    )
    async def stats(self, info: strawberry.Info[RequestContext]) -> CustomerStats:
        figures = await customer_stats(info.context, self.row_id)
        return CustomerStats(
            open_tickets=figures.open_tickets,
            total_tickets=figures.total_tickets,
            first_contact_at=figures.first_contact_at,
            last_contact_at=figures.last_contact_at,
            csat_average=figures.csat_average,
            csat_count=figures.csat_count,
            median_first_response_seconds=figures.median_first_response_seconds,
        )

    @strawberry.field(
        description="E-mail addresses, lower-case, primary first."
        " Plain text: escape before rendering as HTML."
    )
    async def emails(self, info: strawberry.Info[RequestContext]) -> list[str]:
        rows = await info.context.loaders.emails_by_customer_id.load(self.row_id)
        return [row.email for row in rows]

    @strawberry.field(
        description="Phone numbers in E.164 form (+14155552671), primary first."
        " Plain text: escape before rendering as HTML."
    )
    async def phones(self, info: strawberry.Info[RequestContext]) -> list[str]:
        rows = await info.context.loaders.phones_by_customer_id.load(self.row_id)
        return [row.phone for row in rows]

    @classmethod
    def from_row(cls, row: CustomerRow) -> Customer:
        return cls(
            id=str(row.id),
            name=row.name,
            company=row.company,
            tags=list(row.tags or []),
            custom_fields=cast(JSON, row.custom_fields or {}),
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
            row_id=row.id,
            organization_id=row.organization_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_customers(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]


@strawberry.type(description="A page of customers.")
class CustomerConnection(relay.Connection[Customer]):
    total_count: int = strawberry.field(description="Customers matching the filter, all pages.")


@strawberry.enum(description="What a customer list can be sorted by.")
class CustomerOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="Sort order of a customer list; ties are broken by ID.")
class CustomerOrder:
    field: CustomerOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending or descending."
    )


@strawberry.input(description="Narrow a customer list; all given conditions must hold.")
class CustomerFilter:
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Free text: word prefixes of name or company, an e-mail prefix, phone digits "
            "(3 or more), or a name with typos. At most 200 characters. "
            "Blank = no search; no letter or digit = BAD_USER_INPUT."
        ),
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Customers that have all of these tags."
    )
    company: str | None = strawberry.field(
        default=None, description="Company name, exact but case-insensitive."
    )
    created_after: datetime | None = strawberry.field(
        default=None, description="Created at or after this instant (inclusive)."
    )
    created_before: datetime | None = strawberry.field(
        default=None, description="Created before this instant (exclusive)."
    )
    include_deleted: bool = strawberry.field(
        default=False, description="Admins only (FORBIDDEN for others): list deleted ones too."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Customers filed under this organization."
    )
    segment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Customers in this saved segment (staff); the other conditions given "
        "must hold as well. A segment you may not see is BAD_USER_INPUT (not found).",
    )


def customer_list_filter(f: CustomerFilter) -> CustomerListFilter:
    """The input as the use cases' filter (IDs decoded: a bad one is `invalid_id`)."""
    return CustomerListFilter(
        search=f.search,
        tags=tuple(f.tags or ()),
        company=f.company,
        created_after=f.created_after,
        created_before=f.created_before,
        include_deleted=f.include_deleted,
        organization_id=decode_id(f.organization_id, "Organization", "filter.organizationId")
        if f.organization_id is not None
        else None,
        segment_id=decode_id(f.segment_id, "CustomerSegment", "filter.segmentId")
        if f.segment_id is not None
        else None,
    )


@strawberry.type
class CustomersQuery:
    @strawberry.field(
        description=(
            "One customer by ID; null when absent, deleted or not yours to see. Customers "
            "may read only their own record."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def customer(
        self,
        info: strawberry.Info[RequestContext],
        id: strawberry.ID,
        include_deleted: bool = False,
    ) -> Customer | None:
        row = await get_customer(
            info.context, decode_id(id, "Customer", "id"), include_deleted=include_deleted
        )
        return Customer.from_row(row) if row is not None else None

    @strawberry.field(
        description=(
            "Customers, newest first unless ordered otherwise. Staff see all; a customer "
            "sees only their own record."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def customers(
        self,
        info: strawberry.Info[RequestContext],
        filter: CustomerFilter | None = None,
        order_by: CustomerOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CustomerConnection:
        f = filter or CustomerFilter()
        order = order_by or CustomerOrder(
            field=CustomerOrderField.CREATED_AT, direction=OrderDirection.DESC
        )
        selected = selected_paths(info)
        page = await list_customers(
            info.context,
            customer_list_filter(f),
            sort=CustomerSort(order.field.value),
            descending=order.direction is OrderDirection.DESC,
            page=PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected,
        )
        await _preload_contacts(info.context, page.rows, selected)
        return connection_from_page(CustomerConnection, page, Customer.from_row)


async def _preload_contacts(
    ctx: RequestContext, rows: list[CustomerRow], selected: frozenset[str]
) -> None:
    """A page's e-mails and phones, each in one batched statement before its fields run,
    so `emails` / `phones` resolve at once per row (no coroutine per field)."""
    ids = [row.id for row in rows]
    loads = [
        loader.load_many(ids)
        for path, loader in (
            ("edges.node.emails", ctx.loaders.emails_by_customer_id),
            ("edges.node.phones", ctx.loaders.phones_by_customer_id),
        )
        if path in selected
    ]
    if ids and loads:
        await asyncio.gather(*loads)


def _emails(customer: Customer, info: WithContext) -> Any:
    return now_or_later(
        info.context.loaders.emails_by_customer_id,
        customer.row_id,
        lambda rows: [row.email for row in rows],
    )


def _phones(customer: Customer, info: WithContext) -> Any:
    return now_or_later(
        info.context.loaders.phones_by_customer_id,
        customer.row_id,
        lambda rows: [row.phone for row in rows],
    )


# Installed on the built schema by schema/__init__.py (see schema/plain_fields.py).
PLAIN_RESOLVERS: dict[tuple[str, str], PlainResolver] = {
    ("Customer", "emails"): _emails,
    ("Customer", "phones"): _phones,
}


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="A new customer; only the name is required.")
class CreateCustomerInput:
    name: str = strawberry.field(description="1-200 characters.")
    emails: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 10 addresses, unique across customers."
    )
    phones: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Up to 10 numbers: +<country code><number>, or national numbers of "
        "the server's default region.",
    )
    company: str | None = strawberry.field(default=strawberry.UNSET, description="≤ 200 chars.")
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 50 tags of 1-50 characters."
    )
    custom_fields: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="A JSON object of at most 16 KB; keys ≤ 64 chars."
    )
    notes: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Deprecated (use addCustomerNote): becomes the customer's first staff "
        "note, at most 10,000 characters.",
    )


@strawberry.input(description="Changes to a customer: only the fields given change.")
class UpdateCustomerInput:
    id: strawberry.ID = strawberry.field(description="The customer to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1-200 chars.")
    emails: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all addresses (staff only)."
    )
    phones: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all phone numbers."
    )
    company: str | None = strawberry.field(
        default=strawberry.UNSET, description="Staff only; null clears it."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all tags (staff only)."
    )
    custom_fields: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole object (staff only)."
    )
    notes: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Deprecated (use updateCustomerNote): replaces the customer's oldest "
        "staff note (adds one when there is none; blank deletes it). Staff only.",
    )


@strawberry.input(description="The customer to delete or restore.")
class CustomerIdInput:
    id: strawberry.ID = strawberry.field(description="A Customer ID.")


def _draft(data: CreateCustomerInput | UpdateCustomerInput) -> CustomerDraft:
    names = ("name", "emails", "phones", "company", "tags", "custom_fields", "notes")
    values = {name: getattr(data, name) for name in names}
    return CustomerDraft(
        **{name: (KEEP if value is strawberry.UNSET else value) for name, value in values.items()}
    )


@strawberry.type(description="The result of createCustomer.")
class CreateCustomerPayload(MutationPayload[CustomerError]):
    customer: Customer | None = strawberry.field(default=None, description="The new customer.")


@strawberry.type(description="The result of updateCustomer.")
class UpdateCustomerPayload(MutationPayload[CustomerError]):
    customer: Customer | None = strawberry.field(default=None, description="As changed.")


@strawberry.type(description="The result of deleteCustomer.")
class DeleteCustomerPayload(MutationPayload[CustomerError]):
    customer: Customer | None = strawberry.field(
        default=None, description="The deleted customer, with deletedAt set."
    )


@strawberry.type(description="The result of restoreCustomer.")
class RestoreCustomerPayload(MutationPayload[CustomerError]):
    customer: Customer | None = strawberry.field(default=None, description="As restored.")


@strawberry.type
class CustomersMutation:
    @mutation(description="Create a customer (agents and admins).", permission_classes=[IsAgent])
    async def create_customer(tx: MutationTx, input: CreateCustomerInput) -> CreateCustomerPayload:
        row = await create_customer(tx, _draft(input))
        return CreateCustomerPayload(customer=Customer.from_row(row))

    @mutation(
        description=(
            "Change a customer: agents and admins any field; a customer only the name and "
            "phones of their own record."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def update_customer(tx: MutationTx, input: UpdateCustomerInput) -> UpdateCustomerPayload:
        customer_id = decode_id(input.id, "Customer", "id")
        row = await update_customer(tx, customer_id, _draft(input))
        return UpdateCustomerPayload(customer=Customer.from_row(row))

    @mutation(
        description="Soft-delete a customer: hidden from lists, kept for history and restore.",
        permission_classes=[IsAgent],
    )
    async def delete_customer(tx: MutationTx, input: CustomerIdInput) -> DeleteCustomerPayload:
        row = await delete_customer(tx, decode_id(input.id, "Customer", "id"))
        return DeleteCustomerPayload(customer=Customer.from_row(row))

    @mutation(
        description="Bring back a deleted customer (admins only).", permission_classes=[IsAdmin]
    )
    async def restore_customer(tx: MutationTx, input: CustomerIdInput) -> RestoreCustomerPayload:
        row = await restore_customer(tx, decode_id(input.id, "Customer", "id"))
        return RestoreCustomerPayload(customer=Customer.from_row(row))
