"""The mutation transaction: audit entry, post-commit hooks and rollback hooks.

Hooks carry the realtime events and mail kicks of every mutation, so when they run (after
the commit, never on rollback) and what a failing one does (logged, change kept) is tested
here once rather than per domain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from dataloaders import Loaders
from db.engine import Database
from db.models.audit import AuditEntry
from resolvers.audit import MutationTx, mutation_tx
from resolvers.context import RequestContext, RequestMeta
from resolvers.error_codes import AttachmentErrorCode, CommonErrorCode
from resolvers.errors import RefusedAfterCommit, ValidationFailed
from settings import Settings


def _ctx(db: Database, settings: Settings) -> RequestContext:
    return RequestContext(db=db, settings=settings, loaders=Loaders(db), meta=RequestMeta())


async def _mutate(
    db: Database, settings: Settings, action: str, body: Callable[[MutationTx], None]
) -> None:
    async with mutation_tx(_ctx(db, settings), action) as tx:
        body(tx)


async def _audit_rows(db: Database, action: str) -> int:
    async with db.sessions() as session:
        stmt = select(func.count()).where(AuditEntry.action == action)
        return int((await session.execute(stmt)).scalar_one())


async def test_post_commit_hooks_see_the_committed_change(db: Database, settings: Settings) -> None:
    seen: list[int] = []

    async def count_rows() -> None:
        seen.append(await _audit_rows(db, "createThing"))

    async with mutation_tx(_ctx(db, settings), "createThing") as tx:
        tx.after_commit(count_rows)
        assert seen == []

    assert seen == [1]


async def test_hooks_run_in_the_order_they_were_registered(
    db: Database, settings: Settings
) -> None:
    order: list[str] = []

    async with mutation_tx(_ctx(db, settings), "createThing") as tx:
        tx.after_commit(order.append, "event")
        tx.after_commit(order.append, "mail")

    assert order == ["event", "mail"]


async def test_rolled_back_mutation_runs_no_post_commit_hook(
    db: Database, settings: Settings
) -> None:
    ran: list[str] = []

    def body(tx: MutationTx) -> None:
        tx.after_commit(ran.append, "event")
        raise ValidationFailed.one("name", "Bad.", CommonErrorCode.INVALID)

    with pytest.raises(ValidationFailed):
        await _mutate(db, settings, "createThing", body)

    assert ran == []
    assert await _audit_rows(db, "createThing") == 0


async def test_failing_hook_is_logged_and_the_change_stays_committed(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("broker down")

    with caplog.at_level(logging.ERROR, logger="autocrm.mutations"):
        async with mutation_tx(_ctx(db, settings), "createThing") as tx:
            tx.after_commit(broken)
            tx.after_commit(ran.append, "mail")

    assert await _audit_rows(db, "createThing") == 1
    assert ran == ["mail"]
    assert "post-commit hook of createThing failed" in caplog.text


async def test_rollback_hooks_run_only_when_nothing_was_committed(
    db: Database, settings: Settings
) -> None:
    undone: list[str] = []

    async with mutation_tx(_ctx(db, settings), "uploadThing") as tx:
        tx.on_rollback(undone.append, "kept")

    def body(tx: MutationTx) -> None:
        tx.on_rollback(undone.append, "removed")
        raise ValidationFailed.one("file", "Too large.", AttachmentErrorCode.TOO_LARGE)

    with pytest.raises(ValidationFailed):
        await _mutate(db, settings, "uploadThing", body)

    assert undone == ["removed"]


async def test_refusal_after_commit_keeps_the_write_and_reports_the_problem(
    db: Database, settings: Settings
) -> None:
    ran: list[str] = []

    def body(tx: MutationTx) -> None:
        tx.audit("Thing", None, {"revoked": {"before": None, "after": "reuse"}})
        tx.after_commit(ran.append, "event")
        raise RefusedAfterCommit(
            *ValidationFailed.one("token", "Reused.", CommonErrorCode.INVALID).problems
        )

    with pytest.raises(RefusedAfterCommit) as refused:
        await _mutate(db, settings, "refreshThing", body)

    assert [p.field for p in refused.value.problems] == ["token"]
    assert await _audit_rows(db, "refreshThing") == 1
    assert ran == ["event"]
