"""Dramatiq over Redis: the broker, the one actor that runs any job, and the server's sender.

Messages carry only a job id; the actor looks the job up in the table (its source of
truth) and runs it through `run_job`. Retries and their backoff are written to the table by
the runner, so Dramatiq's own Retries middleware only covers a worker that could not reach
the database at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.message import Message
from dramatiq.middleware import AsyncIO

from workers.jobs.kinds import KINDS
from workers.jobs.sender import Outgoing

__all__ = ["ACTOR_NAME", "DramatiqSender", "job_queues", "make_broker"]

ACTOR_NAME = "autocrm.run_job"
DEFAULT_QUEUE = "default"
# A backstop only: each kind's own time limit is enforced by the runner.
_ACTOR_TIME_LIMIT_MS = 3_600_000
# How long until Dramatiq hands a silent worker's unacked messages to another worker.
_HEARTBEAT_TIMEOUT_MS = 30_000


def job_queues() -> list[str]:
    return sorted({DEFAULT_QUEUE, *(kind.queue for kind in KINDS.values())})


def make_broker(redis_url: str, *, asyncio_loop: bool = False) -> RedisBroker:
    """The broker; `asyncio_loop` adds the AsyncIO middleware a worker process needs
    (one event loop per process, shared by every worker thread's async actor)."""
    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=redis_url, heartbeat_timeout=_HEARTBEAT_TIMEOUT_MS
    )
    if asyncio_loop:
        broker.add_middleware(AsyncIO())
    for queue in job_queues():
        broker.declare_queue(queue)
    return broker


def job_message(job_id: str, queue: str) -> Message[None]:
    return Message(queue_name=queue, actor_name=ACTOR_NAME, args=(job_id,), kwargs={}, options={})


class DramatiqSender:
    """Sends job ids to Redis (the client is synchronous: it runs in a thread)."""

    def __init__(self, broker: RedisBroker) -> None:
        self.broker = broker

    def _send(self, messages: list[Outgoing]) -> None:
        for item in messages:
            delay = int(item.delay * 1000) or None
            self.broker.enqueue(job_message(str(item.job_id), item.queue), delay=delay)

    async def send(self, messages: list[Outgoing]) -> None:
        if messages:
            await asyncio.to_thread(self._send, messages)


def declare_actor(
    broker: RedisBroker, fn: Callable[[str], Awaitable[None]]
) -> dramatiq.Actor[[str], None]:
    declare = dramatiq.actor(
        actor_name=ACTOR_NAME,
        queue_name=DEFAULT_QUEUE,
        broker=broker,
        time_limit=_ACTOR_TIME_LIMIT_MS,
        max_retries=10,
        min_backoff=1_000,
        max_backoff=300_000,
    )
    return declare(fn)
