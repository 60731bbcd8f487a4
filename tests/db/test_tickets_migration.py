"""Migration 0002 builds exactly the ticket tables the models describe, and reverses."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import db.models  # noqa: F401  (registers every table)
from db.base import Base
from db.engine import Database
from tests.db.scratch import migrate_steps, scratch_database

TICKET_TABLES = {
    "teams",
    "team_members",
    "sla_policies",
    "tickets",
    "ticket_followers",
    "ticket_messages",
    "ticket_message_revisions",
    "attachments",
    "ticket_feedback",
}


def _ticket_table_of(diff: Any) -> str | None:
    """The ticket-domain table a compare_metadata entry is about, if any."""
    flat = diff[0] if isinstance(diff, list) else diff
    for part in flat:
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if name in TICKET_TABLES:
            return str(name)
        if isinstance(part, str) and part in TICKET_TABLES:
            return part
    return None


async def test_ticket_models_match_the_migrated_database(db: Database) -> None:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as conn:
        diffs = await conn.run_sync(compare)

    assert [d for d in diffs if _ticket_table_of(d)] == []


async def test_sla_policies_are_seeded_for_every_priority(db: Database) -> None:
    # Seeded rows are truncated before each test like every table, so read them from a
    # fresh migration run in a scratch database instead.
    async with scratch_database(db) as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate_steps(url, "head", "-0001", "head"))
                rows = (
                    await conn.execute(text("SELECT priority FROM sla_policies ORDER BY priority"))
                ).scalars()
                assert list(rows) == ["high", "low", "normal", "urgent"]
        finally:
            await engine.dispose()
