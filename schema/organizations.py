"""Organizations customers belong to (staff only): the type, its customers and tickets,
the `organization` / `organizations` queries and the mutations."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from db.models import Organization as OrganizationRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.customers import KEEP
from resolvers.organizations import (
    MemberSort,
    OrganizationDraft,
    OrganizationListFilter,
    OrganizationSort,
    create_organization,
    delete_organization,
    get_organization,
    list_organizations,
    organization_customers,
    organization_tickets,
    set_customer_organization,
    update_organization,
    visible_organizations,
)
from schema.connections import connection_from_page, selected_paths
from schema.customers import Customer, CustomerConnection
from schema.errors import OrganizationError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.ordering import OrderDirection
from schema.permissions import IsAgent, IsStaff
from schema.tickets import Ticket, TicketConnection

__all__ = [
    "Organization",
    "OrganizationConnection",
    "OrganizationsMutation",
    "OrganizationsQuery",
]


@strawberry.enum(description="What an organization's customers can be sorted by.")
class OrganizationCustomerOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="Sort order of an organization's customers; ties by ID.")
class OrganizationCustomerOrder:
    field: OrganizationCustomerOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending or descending."
    )


@strawberry.enum(description="What an organization's tickets can be sorted by.")
class OrganizationTicketOrderField(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="Sort order of an organization's tickets; ties by ID.")
class OrganizationTicketOrder:
    field: OrganizationTicketOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Ascending or descending."
    )


@strawberry.type(
    description="A company or other body customers belong to (staff only). Its e-mail "
    "domains suggest membership for customers with an address there."
)
class Organization(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(description="Plain text: escape before rendering as HTML.")
    domains: list[str] = strawberry.field(
        description="Lower-case e-mail domains (IDNA ASCII form), unique across organizations."
        " Plain text: escape before rendering as HTML."
    )
    tags: list[str] = strawberry.field(
        description="Lower-case labels. Plain text: escape before rendering as HTML."
    )
    custom_fields: JSON = strawberry.field(
        description="Integrator-defined JSON object."
        " Its strings are plain text: escape before rendering as HTML."
    )
    notes: str = strawberry.field(
        description="Internal notes. Plain text: escape before rendering as HTML."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    row: strawberry.Private[OrganizationRow]

    @strawberry.field(description="Its live customers.")
    async def customers(
        self,
        info: strawberry.Info[RequestContext],
        order_by: OrganizationCustomerOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> CustomerConnection:
        order = order_by or OrganizationCustomerOrder(field=OrganizationCustomerOrderField.NAME)
        page = await organization_customers(
            info.context,
            self.row,
            sort=MemberSort(order.field.value),
            descending=order.direction is OrderDirection.DESC,
            page=PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected_paths(info, depth=1),
        )
        return connection_from_page(CustomerConnection, page, Customer.from_row)

    @strawberry.field(description="Tickets of its customers, newest first unless ordered.")
    async def tickets(
        self,
        info: strawberry.Info[RequestContext],
        order_by: OrganizationTicketOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> TicketConnection:
        order = order_by or OrganizationTicketOrder(field=OrganizationTicketOrderField.CREATED_AT)
        page = await organization_tickets(
            info.context,
            self.row,
            sort=MemberSort(order.field.value),
            descending=order.direction is OrderDirection.DESC,
            page=PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected_paths(info, depth=1),
        )
        return connection_from_page(TicketConnection, page, Ticket.from_row)

    @classmethod
    def from_row(cls, row: OrganizationRow) -> Organization:
        return cls(
            id=str(row.id),
            name=row.name,
            domains=list(row.domains or []),
            tags=list(row.tags or []),
            custom_fields=cast(JSON, row.custom_fields or {}),
            notes=row.notes or "",
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_organizations(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]


@strawberry.type(description="A page of organizations.")
class OrganizationConnection(relay.Connection[Organization]):
    total_count: int = strawberry.field(description="Organizations matching the filter.")


@strawberry.enum(description="What an organization list can be sorted by.")
class OrganizationOrderField(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"


@strawberry.input(description="Sort order of an organization list; ties are broken by ID.")
class OrganizationOrder:
    field: OrganizationOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending or descending."
    )


@strawberry.input(description="Narrow an organization list; all given conditions must hold.")
class OrganizationFilter:
    search: str | None = strawberry.field(
        default=None,
        description="Word prefixes of the name, or an exact domain (text with a dot). At most "
        "200 characters; blank = no search; no letter or digit = BAD_USER_INPUT.",
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Organizations that have all of these tags."
    )
    domain: str | None = strawberry.field(
        default=None, description="Organizations with this e-mail domain (case-insensitive)."
    )


@strawberry.type
class OrganizationsQuery:
    @strawberry.field(
        description="One organization by ID (staff only); null when absent or deleted.",
        permission_classes=[IsStaff],
    )
    async def organization(
        self, info: strawberry.Info[RequestContext], id: strawberry.ID
    ) -> Organization | None:
        row = await get_organization(info.context, decode_id(id, "Organization", "id"))
        return Organization.from_row(row) if row is not None else None

    @strawberry.field(
        description="Organizations (staff only), by name unless ordered otherwise.",
        permission_classes=[IsStaff],
    )
    async def organizations(
        self,
        info: strawberry.Info[RequestContext],
        filter: OrganizationFilter | None = None,
        order_by: OrganizationOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> OrganizationConnection:
        f = filter or OrganizationFilter()
        order = order_by or OrganizationOrder(field=OrganizationOrderField.NAME)
        page = await list_organizations(
            info.context,
            OrganizationListFilter(search=f.search, tags=tuple(f.tags or ()), domain=f.domain),
            sort=OrganizationSort(order.field.value),
            descending=order.direction is OrderDirection.DESC,
            page=PageRequest(first=first, after=after, last=last, before=before),
            count="totalCount" in selected_paths(info, depth=1),
        )
        return connection_from_page(OrganizationConnection, page, Organization.from_row)


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="A new organization; only the name is required.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="1-200 characters.")
    domains: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Up to 50 e-mail domains (example.com), unique across organizations; "
        "free-mail providers (gmail.com …) are refused.",
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 50 tags of 1-50 characters."
    )
    custom_fields: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="A JSON object of at most 16 KB."
    )
    notes: str | None = strawberry.field(
        default=strawberry.UNSET, description="Internal notes, at most 10,000 characters."
    )


@strawberry.input(description="Changes to an organization: only the fields given change.")
class UpdateOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1-200 chars.")
    domains: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all domains."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all tags."
    )
    custom_fields: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole object."
    )
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Internal notes.")


@strawberry.input(description="The organization to delete.")
class OrganizationIdInput:
    id: strawberry.ID = strawberry.field(description="An Organization ID.")


@strawberry.input(description="File a customer under an organization, or take them out.")
class SetCustomerOrganizationInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    organization_id: strawberry.ID | None = strawberry.field(
        description="The organization; null takes the customer out of theirs."
    )


def _draft(data: CreateOrganizationInput | UpdateOrganizationInput) -> OrganizationDraft:
    names = ("name", "domains", "tags", "custom_fields", "notes")
    values = {name: getattr(data, name) for name in names}
    return OrganizationDraft(
        **{name: (KEEP if value is strawberry.UNSET else value) for name, value in values.items()}
    )


@strawberry.type(description="The result of an organization mutation.")
class OrganizationPayload(MutationPayload[OrganizationError]):
    organization: Organization | None = strawberry.field(
        default=None, description="The organization as it is now."
    )


@strawberry.type(description="The result of setCustomerOrganization.")
class SetCustomerOrganizationPayload(MutationPayload[OrganizationError]):
    customer: Customer | None = strawberry.field(default=None, description="As changed.")
    organization: Organization | None = strawberry.field(
        default=None, description="Their organization now (null: none)."
    )


@strawberry.type
class OrganizationsMutation:
    @mutation(
        description="Create an organization (agents and admins).", permission_classes=[IsAgent]
    )
    async def create_organization(
        tx: MutationTx, input: CreateOrganizationInput
    ) -> OrganizationPayload:
        row = await create_organization(tx, _draft(input))
        return OrganizationPayload(organization=Organization.from_row(row))

    @mutation(
        description="Change an organization (agents and admins).", permission_classes=[IsAgent]
    )
    async def update_organization(
        tx: MutationTx, input: UpdateOrganizationInput
    ) -> OrganizationPayload:
        organization_id = decode_id(input.id, "Organization", "id")
        row = await update_organization(tx, organization_id, _draft(input))
        return OrganizationPayload(organization=Organization.from_row(row))

    @mutation(
        description="Soft-delete an organization: hidden and its domains freed; its customers "
        "stay, reading `organization` as null.",
        permission_classes=[IsAgent],
    )
    async def delete_organization(
        tx: MutationTx, input: OrganizationIdInput
    ) -> OrganizationPayload:
        row = await delete_organization(tx, decode_id(input.id, "Organization", "id"))
        return OrganizationPayload(organization=Organization.from_row(row))

    @mutation(
        description="File a customer under an organization or (null) take them out of it "
        "(agents and admins). A domain suggestion is never applied without this.",
        permission_classes=[IsAgent],
    )
    async def set_customer_organization(
        tx: MutationTx, input: SetCustomerOrganizationInput
    ) -> SetCustomerOrganizationPayload:
        customer_id = decode_id(input.customer_id, "Customer", "customerId")
        organization_id: uuid.UUID | None = (
            decode_id(input.organization_id, "Organization", "organizationId")
            if input.organization_id is not None
            else None
        )
        customer, organization = await set_customer_organization(tx, customer_id, organization_id)
        return SetCustomerOrganizationPayload(
            customer=Customer.from_row(customer),
            organization=Organization.from_row(organization) if organization else None,
        )
