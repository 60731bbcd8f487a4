"""Migration 0003 builds exactly the AI tables the models describe, and reverses."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from db.migrate import alembic_config

AI_TABLES = {"ai_calls", "ai_quota_limits"}


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
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS mig_ai CASCADE"))
        await conn.execute(text("CREATE SCHEMA mig_ai"))
    engine = create_async_engine(
        db.url, connect_args={"server_settings": {"search_path": "mig_ai"}}
    )
    try:
        async with engine.begin() as conn:

            def run(connection: Any) -> None:
                config = alembic_config(db.url)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                command.downgrade(config, "0002")
                command.upgrade(config, "head")

            await conn.run_sync(run)
            tables = (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'mig_ai' "
                        "AND tablename LIKE 'ai_%' ORDER BY tablename"
                    )
                )
            ).scalars()
            assert list(tables) == ["ai_calls", "ai_quota_limits"]
    finally:
        await engine.dispose()
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA mig_ai CASCADE"))
