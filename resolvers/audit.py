"""The mutation transaction: one database transaction that always ends with an audit entry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models.audit import AuditEntry
from resolvers.context import RequestContext

__all__ = ["MutationTx", "diff", "mask", "mutation_tx"]

SECRET_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "token",
        "key",
        "key_hash",
        "token_hash",
        "new_password",
        "current_password",
        "refresh_token",
    }
)
_MASK = "**********"


def mask(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (_MASK if k in SECRET_FIELDS else _jsonable(v)) for k, v in values.items()}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{field: {"before": x, "after": y}} for the fields that changed, secrets masked."""
    changed: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            if key in SECRET_FIELDS:
                changed[key] = {"before": _MASK, "after": _MASK}
            else:
                changed[key] = {"before": _jsonable(old), "after": _jsonable(new)}
    return changed


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclass
class MutationTx:
    session: AsyncSession
    ctx: RequestContext
    action: str
    entries: list[AuditEntry] = field(default_factory=list)

    def audit(
        self,
        object_type: str | None,
        object_id: object | None,
        changes: Mapping[str, Any] | None = None,
        *,
        actor_user_id: uuid.UUID | None = None,
        actor_label: str | None = None,
    ) -> None:
        """Record what this mutation changed; `actor_*` name the user for sign-in flows."""
        principal = self.ctx.principal
        entry = AuditEntry(
            actor_user_id=actor_user_id or (principal.user_id if principal else None),
            actor_api_key_id=principal.api_key_id if principal else None,
            actor_label=actor_label or (principal.label if principal else "anonymous"),
            action=self.action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            changes=dict(changes or {}),
            ip=self.ctx.meta.ip,
            request_id=self.ctx.meta.request_id,
        )
        self.entries.append(entry)
        self.session.add(entry)


@asynccontextmanager
async def mutation_tx(ctx: RequestContext, action: str) -> AsyncIterator[MutationTx]:
    """Commit the work and its audit entries together; roll both back on any error.

    A mutation that recorded nothing specific still leaves an entry naming the action.
    """
    async with ctx.db.transaction() as session:
        tx = MutationTx(session=session, ctx=ctx, action=action)
        yield tx
        if not tx.entries:
            tx.audit(None, None)
        await session.flush()
