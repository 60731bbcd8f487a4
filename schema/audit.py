"""The audit log as admins read it: who did what to which object, when and from where."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from auth import policy
from db.models import AuditEntry as AuditRow
from resolvers.audit_log import AuditFilter, audit_page
from resolvers.context import RequestContext
from schema.accounts import User, visible_user
from schema.connections import connection_from_page
from schema.ids import decode_id
from schema.permissions import IsAdmin

__all__ = ["AuditEntry", "AuditQuery"]


@strawberry.type(description="One mutation as it was recorded, in the same transaction.")
class AuditEntry(relay.Node):
    id: relay.NodeID[str]
    created_at: datetime = strawberry.field(description="When the change was committed.")
    action: str = strawberry.field(
        description="The mutation, e.g. `createCustomer`."
        " Plain text: escape before rendering as HTML."
    )
    object_type: str | None = strawberry.field(
        description="Type of the object changed. Plain text: escape before rendering as HTML."
    )
    object_id: str | None = strawberry.field(
        description="Global ID of the object changed. Plain text: escape before rendering as HTML."
    )
    changes: JSON = strawberry.field(
        description="Changed fields as {field: {before, after}}; secrets are masked."
        " Its strings are plain text: escape before rendering as HTML."
    )
    actor_label: str = strawberry.field(
        description="Who: user e-mail, `api-key:<name>`, …"
        " Plain text: escape before rendering as HTML."
    )
    ip: str | None = strawberry.field(
        description="Client address. Plain text: escape before rendering as HTML."
    )
    request_id: str | None = strawberry.field(
        description="X-Request-Id of the request. Plain text: escape before rendering as HTML."
    )
    actor_user_id: strawberry.Private[Any]

    @strawberry.field(description="The user who made the change (null for API keys).")
    async def actor(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.actor_user_id)

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEntry:
        object_id = row.object_id
        if row.object_type and object_id:
            object_id = relay.to_base64(row.object_type, object_id)
        return cls(
            id=str(row.id),
            created_at=row.created_at,
            action=row.action,
            object_type=row.object_type,
            object_id=object_id,
            changes=JSON(row.changes),
            actor_label=row.actor_label,
            ip=row.ip,
            request_id=row.request_id,
            actor_user_id=row.actor_user_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        ids = list(node_ids)
        if not info.context.allows(policy.can_see_audit_entry):
            return [None] * len(ids)
        rows = await audit_page(
            info.context, AuditFilter(ids=[int(i) for i in ids if i.isdigit()]), first=len(ids)
        )
        by_id = {str(row.id): row for row in rows.rows}
        return [cls.from_row(by_id[i]) if i in by_id else None for i in ids]


@strawberry.type(description="A page of audit entries, newest first.")
class AuditEntryConnection(relay.Connection[AuditEntry]):
    total_count: int = strawberry.field(description="Entries matching the filter.")


@strawberry.input(description="Narrow the audit log; all given conditions must hold.")
class AuditLogFilter:
    action: str | None = strawberry.field(default=None, description="Exact mutation name.")
    object_type: str | None = strawberry.field(default=None, description="E.g. `Customer`.")
    object_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of the object (needs objectType's type)."
    )
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="A User ID.")
    created_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    created_before: datetime | None = strawberry.field(default=None, description="Exclusive.")


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit log (admins only), newest first.", permission_classes=[IsAdmin]
    )
    async def audit_log(
        self,
        info: strawberry.Info[RequestContext],
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditEntryConnection:
        f = filter or AuditLogFilter()
        object_id = None
        if f.object_id is not None:
            gid = relay.GlobalID.from_id(f.object_id)
            object_id = gid.node_id
        page = await audit_page(
            info.context,
            AuditFilter(
                action=f.action,
                object_type=f.object_type,
                object_id=object_id,
                actor_user_id=decode_id(f.actor_id, "User", "actorId") if f.actor_id else None,
                created_after=f.created_after,
                created_before=f.created_before,
            ),
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return connection_from_page(AuditEntryConnection, page, AuditEntry.from_row)
