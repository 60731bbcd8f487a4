"""Reading the audit log (writing it is resolvers/audit.py's job)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from db.models import AuditEntry
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.context import RequestContext

__all__ = ["AuditFilter", "audit_page"]

_NEWEST_FIRST = SortKey(AuditEntry.created_at, lambda row: row.created_at, descending=True)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    ids: list[int] = field(default_factory=list)
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_user_id: uuid.UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


async def audit_page(
    ctx: RequestContext,
    f: AuditFilter,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Page[AuditEntry]:
    ctx.require_admin()
    stmt = select(AuditEntry)
    if f.ids:
        stmt = stmt.where(AuditEntry.id.in_(f.ids))
    if f.action is not None:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.actor_user_id is not None:
        stmt = stmt.where(AuditEntry.actor_user_id == f.actor_user_id)
    if f.created_after is not None:
        stmt = stmt.where(AuditEntry.created_at >= f.created_after)
    if f.created_before is not None:
        stmt = stmt.where(AuditEntry.created_at < f.created_before)
    async with ctx.db.sessions() as session:
        return await fetch_page(
            session,
            stmt,
            _NEWEST_FIRST,
            AuditEntry.id,
            PageRequest(first=first, after=after, last=last, before=before),
            max_size=ctx.settings.max_page_size,
        )
