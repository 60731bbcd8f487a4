"""Saved customer segments: a named customer filter, private to its owner or shared with
all staff, usable as `customers(filter: {segmentId})` together with other filter keys."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from auth import policy
from db.base import utcnow
from db.models import CustomerSegment
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.customers.criteria import CustomerListFilter, filter_to_json
from resolvers.customers.validation import KEEP, Keep, _tags
from resolvers.error_codes import SegmentErrorCode
from resolvers.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from resolvers.search import search_text

__all__ = [
    "MAX_NAME",
    "create_segment",
    "delete_segment",
    "list_segments",
    "update_segment",
    "visible_segments",
]

MAX_NAME = 120
MAX_COMPANY = 200
OBJECT_TYPE = "CustomerSegment"


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationFailed.one("name", "Give the segment a name.", SegmentErrorCode.REQUIRED)
    if len(name) > MAX_NAME:
        raise ValidationFailed.one(
            "name", f"Use at most {MAX_NAME} characters.", SegmentErrorCode.TOO_LONG
        )
    return name


async def _clean_filter(ctx: RequestContext, value: CustomerListFilter) -> dict[str, Any]:
    """What a segment may store: every customer filter key but `includeDeleted` (a saved
    list of deleted records is no segment) and `segmentId` (segments do not nest)."""
    problems: list[FieldProblem] = []
    if value.include_deleted:
        problems.append(
            FieldProblem(
                "filter.includeDeleted",
                "A segment lists live customers only.",
                SegmentErrorCode.INVALID,
            )
        )
    if value.segment_id is not None:
        problems.append(
            FieldProblem(
                "filter.segmentId", "A segment cannot contain a segment.", SegmentErrorCode.INVALID
            )
        )
    try:
        search = search_text(value.search, "filter.search")
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        search = None
    tags = _tags(list(value.tags), problems)
    for problem in list(problems):
        if problem.field and problem.field.startswith("tags"):
            problems.remove(problem)
            problems.append(FieldProblem(f"filter.{problem.field}", problem.message, problem.code))
    company = (value.company or "").strip() or None
    if company is not None and len(company) > MAX_COMPANY:
        problems.append(
            FieldProblem(
                "filter.company",
                f"Use at most {MAX_COMPANY} characters.",
                SegmentErrorCode.TOO_LONG,
            )
        )
    if value.organization_id is not None:
        organization = await ctx.loaders.organization_by_id.load(value.organization_id)
        if not policy.can_see_organization(ctx.principal, organization):
            problems.append(
                FieldProblem(
                    "filter.organizationId",
                    "No organization with this ID.",
                    SegmentErrorCode.NOT_FOUND,
                )
            )
    if problems:
        raise ValidationFailed(*problems)
    return filter_to_json(
        CustomerListFilter(
            search=search,
            tags=tuple(tags),
            company=company,
            created_after=value.created_after,
            created_before=value.created_before,
            organization_id=value.organization_id,
        )
    )


def _state(row: CustomerSegment) -> dict[str, Any]:
    return {"name": row.name, "filter": row.filter, "shared": row.shared}


async def create_segment(
    tx: MutationTx, *, name: str, value: CustomerListFilter, shared: bool
) -> CustomerSegment:
    principal = tx.ctx.require_staff()
    if not policy.may_save_segment(principal, shared=shared):
        raise Forbidden("Without a user account (an API key), save shared segments only.")
    clean_name = _name(name)
    stored = await _clean_filter(tx.ctx, value)
    now = utcnow()
    row = CustomerSegment(
        name=clean_name,
        filter=stored,
        shared=shared,
        owner_id=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.audit(OBJECT_TYPE, row.id, diff({}, _state(row)))
    tx.after_commit(tx.ctx.loaders.segment_by_id.prime, row.id, row, force=True)
    return row


async def _load_for_change(tx: MutationTx, segment_id: uuid.UUID) -> CustomerSegment:
    principal = tx.ctx.require_staff()
    row = await tx.session.get(CustomerSegment, segment_id, with_for_update=True)
    if row is None or not policy.can_see_segment(principal, row):
        raise NotFound("id", "segment")
    if not policy.may_edit_segment(principal, row):
        raise Forbidden("Only its owner (or an admin, for a shared one) may change a segment.")
    return row


async def update_segment(
    tx: MutationTx,
    segment_id: uuid.UUID,
    *,
    name: str | Keep = KEEP,
    value: CustomerListFilter | Keep = KEEP,
    shared: bool | Keep = KEEP,
) -> CustomerSegment:
    row = await _load_for_change(tx, segment_id)
    before = _state(row)
    if not isinstance(name, Keep):
        row.name = _name(name)
    if not isinstance(value, Keep):
        row.filter = await _clean_filter(tx.ctx, value)
    if not isinstance(shared, Keep):
        if not shared and row.owner_id is None:
            raise ValidationFailed.one(
                "shared", "This segment has no owner to keep it private.", SegmentErrorCode.INVALID
            )
        row.shared = shared
    changes = diff(before, _state(row))
    if changes:
        row.updated_at = utcnow()
    tx.audit(OBJECT_TYPE, row.id, changes)
    await tx.session.flush()
    tx.after_commit(tx.ctx.loaders.segment_by_id.prime, row.id, row, force=True)
    return row


async def delete_segment(tx: MutationTx, segment_id: uuid.UUID) -> uuid.UUID:
    row = await _load_for_change(tx, segment_id)
    tx.audit(OBJECT_TYPE, row.id, diff(_state(row), {}))
    await tx.session.delete(row)
    tx.after_commit(tx.ctx.loaders.segment_by_id.clear, row.id)
    return segment_id


_BY_NAME = SortKey(func.lower(CustomerSegment.name), lambda row: row.name.lower())


async def list_segments(
    ctx: RequestContext, *, shared: bool | None, page: PageRequest, count: bool
) -> Page[CustomerSegment]:
    """Shared segments and the caller's own private ones, by name (`shared` narrows)."""
    principal = ctx.require_staff()
    stmt = select(CustomerSegment).where(policy.segment_scope(principal))
    if shared is not None:
        stmt = stmt.where(CustomerSegment.shared.is_(shared))
    async with ctx.db.sessions() as session:
        result = await fetch_page(
            session,
            stmt,
            _BY_NAME,
            CustomerSegment.id,
            page,
            max_size=ctx.settings.max_page_size,
            count=count,
        )
    ctx.loaders.segment_by_id.prime_many({row.id: row for row in result.rows})
    return result


async def visible_segments(
    ctx: RequestContext, ids: list[uuid.UUID | None]
) -> list[CustomerSegment | None]:
    wanted = [i for i in ids if i is not None]
    rows = iter(await ctx.loaders.segment_by_id.load_many(wanted))
    found = [next(rows) if i is not None else None for i in ids]
    return [row if policy.can_see_segment(ctx.principal, row) else None for row in found]
