"""Organization use cases: CRUD, membership, search, the customer's suggested organization."""

from __future__ import annotations

from resolvers.organizations.mutations import (
    create_organization,
    delete_organization,
    set_customer_organization,
    update_organization,
)
from resolvers.organizations.queries import (
    MemberSort,
    OrganizationListFilter,
    OrganizationSort,
    customer_organization,
    get_organization,
    list_organizations,
    organization_customers,
    organization_tickets,
    suggested_organization,
    visible_organizations,
)
from resolvers.organizations.validation import OrganizationDraft

__all__ = [
    "MemberSort",
    "OrganizationDraft",
    "OrganizationListFilter",
    "OrganizationSort",
    "create_organization",
    "customer_organization",
    "delete_organization",
    "get_organization",
    "list_organizations",
    "organization_customers",
    "organization_tickets",
    "set_customer_organization",
    "suggested_organization",
    "update_organization",
    "visible_organizations",
]
