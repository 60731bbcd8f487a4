"""The mutation transaction: one database transaction that always ends with an audit entry,
and the post-commit hooks (events, mail kicks, jobs) that run only once it has committed."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.audit import AuditEntry
from resolvers.context import RequestContext
from resolvers.errors import RefusedAfterCommit

__all__ = ["MutationTx", "diff", "mask", "mutation_tx"]

_log = logging.getLogger("autocrm.mutations")
P = ParamSpec("P")

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
        "access_token",
        "api_key",
        "client_secret",
        "code_verifier",
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
    hooks: list[Callable[[], object]] = field(default_factory=list)
    undo: list[Callable[[], object]] = field(default_factory=list)

    def after_commit(
        self, hook: Callable[P, Awaitable[object] | object], *args: P.args, **kwargs: P.kwargs
    ) -> None:
        """Run `hook(*args, **kwargs)` once the transaction has committed, in order.

        Never on rollback. A failing hook is logged, not raised: the change is committed,
        and failing the mutation now would invite a duplicate retry.
        """
        self.hooks.append(lambda: hook(*args, **kwargs))

    def on_rollback(
        self, hook: Callable[P, Awaitable[object] | object], *args: P.args, **kwargs: P.kwargs
    ) -> None:
        """Run `hook(*args, **kwargs)` if the transaction does not commit (e.g. remove a
        stored file that no row will point to). Shielded from cancellation; logged if it fails."""
        self.undo.append(lambda: hook(*args, **kwargs))

    async def run_after_commit(self) -> None:
        await _run(self.hooks, f"post-commit hook of {self.action}")

    async def run_on_rollback(self) -> None:
        with anyio.CancelScope(shield=True):
            await _run(self.undo, f"rollback hook of {self.action}")

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


async def _run(hooks: list[Callable[[], object]], what: str) -> None:
    for hook in hooks:
        try:
            result = hook()
            if inspect.isawaitable(result):
                await result
        except Exception:
            _log.exception("%s failed", what)
    hooks.clear()


@asynccontextmanager
async def mutation_tx(ctx: RequestContext, action: str) -> AsyncIterator[MutationTx]:
    """Commit the work and its audit entries together; roll both back on any error.

    A mutation that recorded nothing specific still leaves an entry naming the action. The
    hooks registered with `tx.after_commit` run after the commit; a `RefusedAfterCommit`
    raised by the body commits what was written and is raised again after the hooks.
    """
    refusal: RefusedAfterCommit | None = None
    tx: MutationTx | None = None
    try:
        async with ctx.db.transaction() as session:
            tx = MutationTx(session=session, ctx=ctx, action=action)
            try:
                yield tx
            except RefusedAfterCommit as exc:
                refusal = exc
            if not tx.entries:
                tx.audit(None, None)
            await session.flush()
    except BaseException:
        if tx is not None:
            await tx.run_on_rollback()
        raise
    await tx.run_after_commit()
    if refusal is not None:
        raise refusal
