"""`autocrm migrate` against a PostgreSQL without the `vector` extension: the machine's
PostgreSQL 15 on 127.0.0.1:5432 (Debian's, which has no pgvector package for it) in a
database of the test's own, created and dropped here. One line naming what to install."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.test_cli import _autocrm, _one_line_error

MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
async def database_without_pgvector() -> AsyncIterator[str]:
    try:
        admin = await asyncpg.connect(f"{MACHINE_POSTGRES}/test", timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 to try ({exc})")
    name = f"autocrm_novector_{uuid.uuid4().hex[:10]}"
    try:
        available = await admin.fetchval(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'"
        )
        if available:
            pytest.skip("the PostgreSQL on 127.0.0.1:5432 has pgvector")
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{MACHINE_POSTGRES}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_migrate_without_pgvector_names_the_package_to_install(
    database_without_pgvector: str, tmp_path: object
) -> None:
    result = _autocrm(
        "migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": database_without_pgvector}
    )

    line = _one_line_error(result)
    assert line.startswith("Error: the database at postgresql://postgres@127.0.0.1:5432/")
    assert "(PostgreSQL 15." in line
    assert "has no `vector` extension" in line
    assert "apt install postgresql-15-pgvector" in line
    assert "pgvector/pgvector:pg15" in line
    assert "Supabase" in line
    assert "Database is up to date" not in result.stdout


async def test_nothing_is_created_in_a_database_without_pgvector(
    database_without_pgvector: str, tmp_path: object
) -> None:
    _autocrm(
        "migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": database_without_pgvector}
    )

    conn = await asyncpg.connect(database_without_pgvector)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    assert tables == []
