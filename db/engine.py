"""Async engine and session factory; the one place a database URL becomes a connection."""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import Pool

from db.embedded import embedded_database_url
from settings import Settings

__all__ = [
    "PING_AFTER_IDLE_SECONDS",
    "Database",
    "connect_options",
    "database_url",
    "to_async_url",
    "to_sync_url",
]

# libpq's TLS parameters, as hosted databases print them in their connection strings.
_TLS_PARAMS = ("sslmode", "ssl", "sslrootcert", "sslcert", "sslkey")
_SSL_ALIASES = {"true": "require", "1": "require", "false": "disable", "0": "disable"}


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


def connect_options(url: str) -> tuple[str, dict[str, Any]]:
    """The URL without libpq's TLS parameters, and asyncpg's `ssl` argument made from them.

    `sslmode` (disable, allow, prefer, require, verify-ca, verify-full), `sslrootcert`,
    `sslcert` and `sslkey` mean what they mean to psql; `ssl=true` is `sslmode=require`.
    As in libpq, `require` with a root certificate verifies the server's chain. asyncpg is
    given these through SQLAlchemy, which would otherwise pass them on as unknown keywords.
    """
    parsed = make_url(url)
    query = {key: str(value) for key, value in parsed.query.items() if key in _TLS_PARAMS}
    if not query:
        return url, {}
    bare = parsed.difference_update_query(_TLS_PARAMS).render_as_string(hide_password=False)
    raw_mode = query.get("sslmode") or query.get("ssl") or "prefer"
    mode = _SSL_ALIASES.get(raw_mode.lower(), raw_mode.lower())
    root, cert, key = query.get("sslrootcert"), query.get("sslcert"), query.get("sslkey")
    if mode == "require" and root:
        mode = "verify-ca"
    if mode == "disable":
        return bare, {"ssl": False}
    if mode in ("allow", "prefer", "require") and not cert:
        return bare, {"ssl": mode}
    if mode not in ("allow", "prefer", "require", "verify-ca", "verify-full"):
        raise ValueError(
            f"sslmode={raw_mode} is not one of disable, allow, prefer, require, verify-ca, "
            "verify-full"
        )
    context = ssl.create_default_context(cafile=root)
    if mode in ("allow", "prefer", "require"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    if cert:
        context.load_cert_chain(cert, key)
    return bare, {"ssl": context}


# A pooled connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 2.0
_IDLE_SINCE = "autocrm_idle_since"


def _ping_when_idle(pool: Pool, idle_seconds: float) -> None:
    """Check a pooled connection only when it has sat idle for `idle_seconds`.

    SQLAlchemy's pool_pre_ping checks every checkout, and through asyncpg outside a
    transaction its ping is three round trips (BEGIN, `;`, ROLLBACK): on a busy server that
    was more than the page's own statements. A connection reused within `idle_seconds` is
    not pinged: one that died meanwhile (a database restart) fails its statement, and that
    disconnect invalidates the whole pool, so every later checkout gets a new connection.
    """

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or busy a moment ago
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("pooled connection is gone") from exc


class Database:
    """Owns the engine; hands out sessions. One per process (or per test session).

    `sessions()` for work in a transaction; `reads()` for read-only work (autocommit: no
    BEGIN/ROLLBACK round trips; under READ COMMITTED each statement sees its own snapshot
    either way, so a read gains nothing from the transaction).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    ) -> None:
        # The URL as configured (LISTEN/NOTIFY hands it to asyncpg, which reads the TLS
        # parameters itself); the engine gets them as asyncpg's `ssl` argument.
        self.url = url
        engine_url, connect_args = connect_options(url)
        self.engine: AsyncEngine = create_async_engine(
            engine_url,
            pool_size=pool_size,
            max_overflow=20,
            connect_args=connect_args,
        )
        _ping_when_idle(self.engine.sync_engine.pool, ping_after_idle)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self.reads: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
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
