"""Apply Alembic migrations programmatically (used by `autocrm migrate`, `serve` and tests)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["DatabaseUnsupported", "alembic_config", "check_server", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"
OLDEST_POSTGRES = 15


class DatabaseUnsupported(RuntimeError):
    """The server cannot hold AutoCRM's schema; the message says what to install. It reads
    as the end of a sentence that starts with where the database is."""


def _pgvector_hint(major: int) -> str:
    return (
        "Install pgvector on the database server, then run `autocrm migrate` again: "
        f"Debian/Ubuntu `apt install postgresql-{major}-pgvector` (from the PostgreSQL apt "
        f"repository, apt.postgresql.org), Red Hat `dnf install pgvector_{major}`, "
        f"macOS `brew install pgvector`, Docker image `pgvector/pgvector:pg{major}`. "
        "Amazon RDS/Aurora, Google Cloud SQL, Azure and Supabase include it (an admin may "
        "have to enable it). Or unset DATABASE_URL to use the embedded PostgreSQL, which "
        "ships it."
    )


async def check_server(conn: AsyncConnection) -> None:
    """PostgreSQL ≥ 15 with the `vector` extension available (pgvector), or one clear error
    before any migration runs."""
    number = int(str(await conn.scalar(text("SHOW server_version_num"))))
    version = str(await conn.scalar(text("SHOW server_version"))).split(" ")[0]
    major = number // 10000
    if major < OLDEST_POSTGRES:
        raise DatabaseUnsupported(
            f"runs PostgreSQL {version}; AutoCRM needs PostgreSQL {OLDEST_POSTGRES} or newer "
            "with the pgvector extension."
        )
    available = await conn.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
    )
    if not available:
        raise DatabaseUnsupported(
            f"(PostgreSQL {version}) has no `vector` extension: AutoCRM needs pgvector for "
            f"its knowledge base. {_pgvector_hint(major)}"
        )


def _quiet_alembic() -> None:
    """Alembic narrates each plugin it loads (on import) and each step it takes at INFO:
    noise for someone starting a server. Its warnings and errors still show."""
    logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config(url: str) -> Config:
    _quiet_alembic()
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`, on the caller's event loop and engine."""
    _quiet_alembic()
    from alembic import command

    def _upgrade(connection: object) -> None:
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await check_server(conn)
        await conn.run_sync(_upgrade)
