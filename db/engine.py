"""Async engine and session factory; the one place a database URL becomes a connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.embedded import embedded_database_url
from settings import Settings

__all__ = ["Database", "database_url", "to_async_url", "to_sync_url"]


def to_async_url(url: str) -> str:
    for prefix in (
        "postgresql+asyncpg://",
        "postgresql+psycopg://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(
        f"DATABASE_URL must be a PostgreSQL URL, got scheme of {url.split(':', 1)[0]!r}"
    )


def to_sync_url(url: str) -> str:
    """asyncpg URL → plain libpq-style URL (for psql-like tools)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def database_url(settings: Settings) -> str:
    """The configured database, or the embedded server (started on demand)."""
    if settings.database_url is not None:
        return to_async_url(settings.database_url.get_secret_value())
    return embedded_database_url(settings.data_dir)


class Database:
    """Owns the engine; hands out sessions. One per process (or per test session)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True
        )
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: commits on success, rolls back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
