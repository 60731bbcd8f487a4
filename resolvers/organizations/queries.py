"""Reading organizations (staff only): one by ID, a filtered page, Relay node lookups, an
organization's customers and tickets, and the organization a customer's e-mail suggests."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, cast, func, or_, select

from auth import policy
from dataloaders.organizations import (
    FirstPage,
    MemberSort,
    member_sort_expression,
    ticket_sort_expression,
)
from db.customer_search import tsquery_text
from db.models import Customer, Organization, Ticket
from db.pagination import Page, PageRequest, SortKey, cursor_for, fetch_page, is_first_page
from resolvers.context import RequestContext
from resolvers.customers.validation import normalize_tags
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import ValidationFailed
from resolvers.organizations.domains import email_domain, is_free_mail, normalize_domain
from resolvers.search import search_text

__all__ = [
    "MemberSort",
    "OrganizationListFilter",
    "OrganizationSort",
    "customer_organization",
    "get_organization",
    "list_organizations",
    "organization_customers",
    "organization_tickets",
    "suggested_organization",
    "visible_organizations",
]


class OrganizationSort(enum.StrEnum):
    NAME = "name"
    CREATED_AT = "created_at"


@dataclass(frozen=True, slots=True)
class OrganizationListFilter:
    search: str | None = None
    tags: tuple[str, ...] = ()
    domain: str | None = None


async def get_organization(ctx: RequestContext, organization_id: uuid.UUID) -> Organization | None:
    ctx.require_staff()
    row = await ctx.loaders.organization_by_id.load(organization_id)
    return row if policy.can_see_organization(ctx.principal, row) else None


async def visible_organizations(
    ctx: RequestContext, ids: Sequence[uuid.UUID | None]
) -> list[Organization | None]:
    """Rows in `ids` order; None for absent, deleted or not-yours (Relay `node`)."""
    wanted = [i for i in ids if i is not None]
    rows = iter(await ctx.loaders.organization_by_id.load_many(wanted))
    found = [next(rows) if i is not None else None for i in ids]
    return [row if policy.can_see_organization(ctx.principal, row) else None for row in found]


def _sort(field: OrganizationSort, descending: bool) -> SortKey:
    if field is OrganizationSort.NAME:
        return SortKey(Organization.name_key.expression, lambda row: row.name_key, descending)
    return SortKey(Organization.created_at.expression, lambda row: row.created_at, descending)


async def list_organizations(
    ctx: RequestContext,
    list_filter: OrganizationListFilter,
    *,
    sort: OrganizationSort = OrganizationSort.NAME,
    descending: bool = False,
    page: PageRequest,
    count: bool = True,
) -> Page[Organization]:
    """Search: word prefixes of the name, or (text with a dot) an exact domain; `tags`
    all present; `domain` one exact domain. Each has its index (migrations 0005, 0009)."""
    principal = ctx.require_staff()
    stmt = select(Organization).where(policy.organization_scope(principal))
    search = search_text(list_filter.search, "filter.search")
    if search is not None:
        routes: list[ColumnElement[bool]] = []
        query = tsquery_text(search)
        if query is not None:
            routes.append(Organization.search_vector.op("@@")(func.to_tsquery("simple", query)))
        as_domain = normalize_domain(search) if "." in search else None
        if as_domain is not None:
            routes.append(
                Organization.domains.contains(cast([as_domain], Organization.domains.type))
            )
        stmt = stmt.where(or_(*routes))
    tags = normalize_tags(list(list_filter.tags))
    if tags:
        stmt = stmt.where(Organization.tags.contains(cast(tags, Organization.tags.type)))
    if list_filter.domain is not None and list_filter.domain.strip():
        domain = normalize_domain(list_filter.domain)
        if domain is None:
            raise ValidationFailed.one(
                "filter.domain", "Not a domain name like example.com.", CommonErrorCode.INVALID
            )
        stmt = stmt.where(Organization.domains.contains(cast([domain], Organization.domains.type)))
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session,
            stmt,
            _sort(sort, descending),
            Organization.id,
            page,
            max_size=ctx.settings.max_page_size,
            count=count,
        )
    ctx.loaders.organization_by_id.prime_many({row.id: row for row in result.rows})
    return result


def _member_key(sort: MemberSort, descending: bool) -> SortKey:
    expression = member_sort_expression(sort)
    if sort is MemberSort.NAME:
        return SortKey(expression, lambda row: row.name_key, descending)
    column = sort.value
    return SortKey(expression, lambda row: getattr(row, column), descending)


def _ticket_key(sort: MemberSort, descending: bool) -> SortKey:
    column = "updated_at" if sort is MemberSort.UPDATED_AT else "created_at"
    return SortKey(ticket_sort_expression(sort), lambda row: getattr(row, column), descending)


async def organization_customers(
    ctx: RequestContext,
    organization: Organization,
    *,
    sort: MemberSort,
    descending: bool,
    page: PageRequest,
    count: bool,
) -> Page[Customer]:
    """The organization's live customers. A first page batches with every other
    organization's on the same list (one statement); a later one is its own query."""
    ctx.require_staff()
    key = _member_key(sort, descending)
    size = page.size(20, ctx.settings.max_page_size)
    total = await ctx.loaders.member_count_by_organization.load(organization.id) if count else None
    if is_first_page(page):
        ids = await ctx.loaders.member_page_by_organization.load(
            FirstPage(organization.id, size, sort, descending)
        )
        found = await ctx.loaders.customer_by_id.load_many(ids.ids)
        rows = [row for row in found if row is not None]
        return Page(
            rows=rows,
            cursors=[cursor_for(key, row) for row in rows],
            has_next_page=ids.has_next_page,
            has_previous_page=False,
            total_count=total,
        )
    stmt = select(Customer).where(
        Customer.organization_id == organization.id, policy.customer_scope(ctx.principal)
    )
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session, stmt, key, Customer.id, page, max_size=ctx.settings.max_page_size, count=False
        )
    ctx.loaders.customer_by_id.prime_many({row.id: row for row in result.rows})
    return Page(
        rows=result.rows,
        cursors=result.cursors,
        has_next_page=result.has_next_page,
        has_previous_page=result.has_previous_page,
        total_count=total,
    )


async def organization_tickets(
    ctx: RequestContext,
    organization: Organization,
    *,
    sort: MemberSort,
    descending: bool,
    page: PageRequest,
    count: bool,
) -> Page[Ticket]:
    """Tickets of the organization's customers (deleted customers' tickets too: the
    tickets stay). Only staff reach an organization, and staff see every ticket."""
    principal = ctx.require_staff()
    key = _ticket_key(sort, descending)
    size = page.size(20, ctx.settings.max_page_size)
    total = await ctx.loaders.ticket_count_by_organization.load(organization.id) if count else None
    if is_first_page(page):
        ids = await ctx.loaders.ticket_page_by_organization.load(
            FirstPage(organization.id, size, sort, descending)
        )
        found = await ctx.loaders.ticket_by_id.load_many(ids.ids)
        rows = [row for row in found if row is not None and policy.can_see_ticket(principal, row)]
        return Page(
            rows=rows,
            cursors=[cursor_for(key, row) for row in rows],
            has_next_page=ids.has_next_page,
            has_previous_page=False,
            total_count=total,
        )
    stmt = (
        select(Ticket)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Customer.organization_id == organization.id, policy.ticket_scope(principal))
    )
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session, stmt, key, Ticket.id, page, max_size=ctx.settings.max_page_size, count=False
        )
    ctx.loaders.ticket_by_id.prime_many({row.id: row for row in result.rows})
    return Page(
        rows=result.rows,
        cursors=result.cursors,
        has_next_page=result.has_next_page,
        has_previous_page=result.has_previous_page,
        total_count=total,
    )


async def customer_organization(
    ctx: RequestContext, organization_id: uuid.UUID | None
) -> Organization | None:
    """A customer's organization (staff only; null when it was deleted)."""
    if organization_id is None or not ctx.allows(policy.can_see_organizations):
        return None
    row = await ctx.loaders.organization_by_id.load(organization_id)
    return row if policy.can_see_organization(ctx.principal, row) else None


async def suggested_organization(
    ctx: RequestContext, customer_id: uuid.UUID, organization_id: uuid.UUID | None
) -> Organization | None:
    """The live organization owning the domain of one of the customer's addresses (primary
    first), unless the customer already belongs to it; free-mail domains suggest nothing.
    A suggestion only: nothing is changed until someone calls setCustomerOrganization."""
    if not ctx.allows(policy.can_see_organizations):
        return None
    emails = await ctx.loaders.emails_by_customer_id.load(customer_id)
    domains = [
        d for d in (email_domain(e.email) for e in emails) if d is not None and not is_free_mail(d)
    ]
    if not domains:
        return None
    for row in await ctx.loaders.organization_by_domain.load_many(domains):
        if row is not None and policy.can_see_organization(ctx.principal, row):
            return None if row.id == organization_id else row
    return None
