"""Migrations 0003 and 0015 build exactly the AI tables the models describe, and reverses."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database, table_names

AI_TABLES = {"ai_calls", "ai_quota_limits", "ai_suggestions", "ai_suggestion_versions"}


def _mentions_ai_table(diff: Any) -> bool:
    flat = diff[0] if isinstance(diff, list) else diff
    for part in flat:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in AI_TABLES or (isinstance(part, str) and part in AI_TABLES):
            return True
    return False


async def test_ai_models_match_the_migrated_database(db: Database) -> None:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)

    assert [d for d in diffs if _mentions_ai_table(d)] == []


async def test_ai_migration_downgrades_and_upgrades_again(db: Database) -> None:
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "head", "-0002", "head"))
                tables = await table_names(conn)
                assert {t for t in tables if t.startswith("ai_")} == AI_TABLES
        finally:
            await engine.dispose()
