"""The customer filter, shared by the `customers` list and saved segments: turning it into
SQL criteria, storing it as a segment's JSON, and reading a segment back (through the
policy: another user's private segment is not found)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auth import policy
from db.customer_search import CustomerCriteria
from resolvers.context import RequestContext
from resolvers.customers.records import phone_country_code
from resolvers.customers.validation import normalize_tags
from resolvers.errors import NotFound
from resolvers.search import search_text

__all__ = [
    "CustomerListFilter",
    "filter_from_json",
    "filter_to_json",
    "list_criteria",
    "segment_criteria",
]


@dataclass(frozen=True, slots=True)
class CustomerListFilter:
    search: str | None = None
    tags: tuple[str, ...] = ()
    company: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_deleted: bool = False
    organization_id: uuid.UUID | None = None
    # A saved segment whose filter must hold as well.
    segment_id: uuid.UUID | None = None


def list_criteria(list_filter: CustomerListFilter, ctx: RequestContext) -> CustomerCriteria:
    """The filter as SQL criteria; a bad search is BAD_USER_INPUT."""
    return CustomerCriteria(
        search=search_text(list_filter.search, "filter.search"),
        tags=tuple(normalize_tags(list(list_filter.tags))),
        company=list_filter.company,
        created_after=list_filter.created_after,
        created_before=list_filter.created_before,
        include_deleted=list_filter.include_deleted,
        phone_country_code=phone_country_code(ctx.settings.default_phone_region),
        organization_id=list_filter.organization_id,
    )


def filter_to_json(value: CustomerListFilter) -> dict[str, Any]:
    """A segment's stored filter: the GraphQL input's keys, only those given."""
    stored: dict[str, Any] = {
        "search": value.search,
        "tags": list(value.tags) or None,
        "company": value.company,
        "createdAfter": value.created_after.isoformat() if value.created_after else None,
        "createdBefore": value.created_before.isoformat() if value.created_before else None,
        "organizationId": str(value.organization_id) if value.organization_id else None,
    }
    return {key: item for key, item in stored.items() if item is not None}


def filter_from_json(stored: dict[str, Any]) -> CustomerListFilter:
    def when(key: str) -> datetime | None:
        raw = stored.get(key)
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None

    organization = stored.get("organizationId")
    return CustomerListFilter(
        search=stored.get("search"),
        tags=tuple(stored.get("tags") or ()),
        company=stored.get("company"),
        created_after=when("createdAfter"),
        created_before=when("createdBefore"),
        organization_id=uuid.UUID(organization) if isinstance(organization, str) else None,
    )


async def segment_criteria(ctx: RequestContext, segment_id: uuid.UUID) -> CustomerCriteria:
    """The criteria of a segment the caller may use; anything else is not found."""
    row = await ctx.loaders.segment_by_id.load(segment_id)
    if row is None or not policy.can_see_segment(ctx.principal, row):
        raise NotFound("filter.segmentId", "segment")
    return list_criteria(filter_from_json(row.filter), ctx)
