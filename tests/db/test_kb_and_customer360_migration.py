"""Migration 0005 builds exactly the knowledge-base and customer-360 tables the models
describe, and reverses (the two KB tables point at each other)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database, table_names

NEW_TABLES = {
    "customer_note_revisions",
    "customer_notes",
    "customer_segments",
    "interaction_participants",
    "interaction_revisions",
    "interactions",
    "kb_article_versions",
    "kb_articles",
    "kb_chunks",
    "organizations",
}


def _touches_new_table(diff: Any) -> bool:
    flat = diff if isinstance(diff, list) else [diff]
    for part in flat:
        for item in part if isinstance(part, tuple) else (part,):
            table = getattr(item, "table", None)
            name = getattr(table, "name", None) or getattr(item, "name", None)
            if name in NEW_TABLES or (isinstance(item, str) and item in NEW_TABLES):
                return True
    return False


async def test_new_models_match_the_migrated_database(db: Database) -> None:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)

    assert [d for d in diffs if _touches_new_table(d)] == []


async def test_migration_downgrades_and_upgrades_again(db: Database) -> None:
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "head", "-0004"))
                assert not NEW_TABLES & await table_names(conn)
                await conn.run_sync(migrate_steps(url, "head"))
                assert await table_names(conn) >= NEW_TABLES
        finally:
            await engine.dispose()
