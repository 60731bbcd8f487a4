"""The module `autocrm worker` hands to Dramatiq: broker, actor and per-process set-up.

Each worker process builds its database engine and publisher on the AsyncIO middleware's
event loop (the loop every async actor in the process shares), on first use.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from limits.aio.strategies import MovingWindowRateLimiter

import workers.jobs.catalog  # noqa: F401  (registers every job kind)
from ai.factory import build_gateway
from auth.limit_storage import limit_storage
from db.engine import Database, database_url
from settings import get_settings
from workers.events import Publisher
from workers.jobs.broker import DramatiqSender, declare_actor, make_broker
from workers.jobs.relay import relay_once
from workers.jobs.runner import JobEnv, run_job
from workers.logs import configure_logging
from workers.metrics import observe_ai_call, watch_pool

_log = logging.getLogger("autocrm.jobs")
_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_format)
if _settings.redis_url is None:
    raise SystemExit("autocrm worker needs REDIS_URL (without it the server runs jobs itself)")
_redis_url = _settings.redis_url.get_secret_value()
broker = make_broker(_redis_url, asyncio_loop=True)
dramatiq.set_broker(broker)

_env: JobEnv | None = None
_env_lock = asyncio.Lock()
_RELAY_EVERY = 5.0


async def _job_env() -> JobEnv:
    global _env
    async with _env_lock:
        if _env is None:
            publisher = Publisher(_redis_url)
            try:
                await publisher.connect()
            except Exception as exc:  # progress events are best-effort
                _log.warning("worker publisher not connected: %s", exc)
            db = Database(database_url(_settings), pool_size=5)
            watch_pool(db.engine)
            _env = JobEnv(
                db=db,
                settings=_settings,
                sender=DramatiqSender(broker),
                publisher=publisher,
                ai=build_gateway(_settings, db, on_call=observe_ai_call),
                rate_limiter=MovingWindowRateLimiter(limit_storage(_redis_url)),
            )
    return _env


async def run_job_message(job_id: str) -> None:
    await run_job(await _job_env(), job_id)


run_job_actor = declare_actor(broker, run_job_message)


async def _relay_forever() -> None:
    """Re-send what a crash left behind: at boot, then every few seconds."""
    while True:
        try:
            env = await _job_env()
            while await relay_once(env.db, env.settings, env.sender) > 0:
                pass
        except Exception as exc:
            _log.warning("job relay pass failed: %s", exc)
        await asyncio.sleep(_RELAY_EVERY)


class JobProcess(Middleware):
    """Starts the relay on the process's event loop once the worker has booted."""

    def __init__(self) -> None:
        self._relay: concurrent.futures.Future[None] | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = get_event_loop_thread()
        if thread is not None:
            self._relay = asyncio.run_coroutine_threadsafe(_relay_forever(), thread.loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._relay is not None:
            self._relay.cancel()
        thread = get_event_loop_thread()
        if thread is not None and _env is not None:
            future = asyncio.run_coroutine_threadsafe(_close(_env), thread.loop)
            try:
                future.result(timeout=5)
            except Exception as exc:
                _log.warning("worker shutdown: %s", exc)


async def _close(env: JobEnv) -> None:
    if env.ai is not None:
        await env.ai.close()
    if env.publisher is not None:
        await env.publisher.disconnect()
    await env.db.dispose()


broker.add_middleware(JobProcess())
