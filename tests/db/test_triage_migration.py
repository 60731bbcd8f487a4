"""Migration 0017 (triage results, triage models, routing rules) matches the models and
downgrades cleanly."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database, table_names

TRIAGE_TABLES = {"ticket_triage", "triage_models", "routing_rules"}


def _mentions_triage_table(diff: Any) -> bool:
    flat = diff[0] if isinstance(diff, list) else diff
    for part in flat:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in TRIAGE_TABLES or (isinstance(part, str) and part in TRIAGE_TABLES):
            return True
    return False


async def test_triage_models_match_the_migrated_database(db: Database) -> None:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)

    assert [d for d in diffs if _mentions_triage_table(d)] == []


async def test_triage_migration_downgrades_and_upgrades_again(db: Database) -> None:
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "head", "-0015"))
                assert not (await table_names(conn)) & TRIAGE_TABLES
                await conn.run_sync(migrate_steps(url, "head"))
                assert await table_names(conn) >= TRIAGE_TABLES
        finally:
            await engine.dispose()
