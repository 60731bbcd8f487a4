"""Reading customers: one by ID, a filtered page, and Relay node lookups, each scoped to
what the caller may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace

from auth import policy
from db.customer_search import (
    CustomerSort,
    customer_sort,
    fetch_customers,
    intersect,
)
from db.models import Customer
from db.pagination import Page, PageRequest
from resolvers.context import RequestContext
from resolvers.customers.criteria import CustomerListFilter, list_criteria, segment_criteria
from resolvers.customers.records import can_see
from resolvers.errors import Forbidden

__all__ = [
    "CustomerListFilter",
    "get_customer",
    "list_criteria",
    "list_customers",
    "visible_customers",
]


async def get_customer(
    ctx: RequestContext, customer_id: uuid.UUID, *, include_deleted: bool = False
) -> Customer | None:
    principal = ctx.require_principal()
    if include_deleted and not policy.can_see_deleted_customers(principal):
        raise Forbidden("Only an admin may see deleted customers.")
    row = await ctx.loaders.customer_by_id.load(customer_id)
    return row if can_see(principal, row, include_deleted=include_deleted) else None


async def visible_customers(
    ctx: RequestContext, ids: Sequence[uuid.UUID | None]
) -> list[Customer | None]:
    """Rows in `ids` order; None for absent, deleted or not-yours (Relay `node`)."""
    wanted = [i for i in ids if i is not None]
    rows = iter(await ctx.loaders.customer_by_id.load_many(wanted))
    found = [next(rows) if i is not None else None for i in ids]
    return [row if can_see(ctx.principal, row) else None for row in found]


async def list_customers(
    ctx: RequestContext,
    list_filter: CustomerListFilter,
    *,
    sort: CustomerSort = CustomerSort.CREATED_AT,
    descending: bool = True,
    page: PageRequest,
    count: bool = True,
) -> Page[Customer]:
    """A page of customers; a customer user's list holds their own record at most
    (`count`: whether the total is wanted).

    `includeDeleted` is refused (FORBIDDEN) rather than ignored for non-admins, so a
    caller never mistakes a partial list for the whole one.
    """
    principal = ctx.require_principal()
    if list_filter.include_deleted and not policy.can_see_deleted_customers(principal):
        raise Forbidden("Only an admin may list deleted customers.")
    criteria = list_criteria(list_filter, ctx)
    if list_filter.segment_id is not None:
        criteria = intersect(criteria, await segment_criteria(ctx, list_filter.segment_id))
    max_size = ctx.settings.max_page_size
    if not ctx.allows(policy.is_staff):
        if principal.customer_id is None:
            page.size(20, max_size)  # still refuse a bad page size
            return Page(
                rows=[], cursors=[], has_next_page=False, has_previous_page=False, total_count=0
            )
        criteria = replace(criteria, only_id=principal.customer_id)
    async with ctx.db.sessions() as session:
        result = await fetch_customers(
            session, criteria, customer_sort(sort, descending), page, max_size=max_size, count=count
        )
    ctx.loaders.customer_by_id.prime_many({row.id: row for row in result.rows})
    return result
