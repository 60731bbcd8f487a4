"""A throw-away database on the test server, for migration runs from scratch.

A scratch *database* rather than a schema: the `vector` extension lives in the test
database's public schema, so a schema-scoped run would either miss the type or (with
public on its search path) find the test database's own alembic_version and migrate it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from alembic import command
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from db.engine import Database
from db.migrate import alembic_config


@asynccontextmanager
async def scratch_database(db: Database) -> AsyncIterator[str]:
    """Create an empty database beside the test one; yield its URL; drop it."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(db.url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(db.url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def migrate_steps(url: str, *targets: str) -> Callable[[Any], None]:
    """A run_sync callable applying `upgrade`/`downgrade` targets in order ("-0004")."""

    def run(connection: Any) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        for target in targets:
            if target.startswith("-"):
                command.downgrade(config, target[1:])
            else:
                command.upgrade(config, target)

    return run


async def table_names(conn: AsyncConnection) -> set[str]:
    rows = await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return set(rows.scalars())
