"""Migration 0016: the auto-reply policies and the approver of AI-authored messages match
the models, and the step downgrades and upgrades again."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database, table_names


def _mentions_ours(diff: Any) -> bool:
    text_of = repr(diff)
    return "auto_reply_policies" in text_of or "approved_by_id" in text_of


async def test_auto_reply_models_match_the_migrated_database(db: Database) -> None:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)

    assert [d for d in diffs if _mentions_ours(d)] == []


async def test_auto_reply_migration_downgrades_and_upgrades_again(db: Database) -> None:
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "head", "-0015"))
                assert "auto_reply_policies" not in await table_names(conn)
                await conn.run_sync(migrate_steps(url, "head"))
                assert "auto_reply_policies" in await table_names(conn)
                column = await conn.execute(
                    text(
                        "SELECT 1 FROM information_schema.columns WHERE "
                        "table_name = 'ticket_messages' AND column_name = 'approved_by_id'"
                    )
                )
                assert column.first() is not None
        finally:
            await engine.dispose()
