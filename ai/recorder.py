"""Writes one ai_calls row per provider attempt or cache hit, off the caller's path: the
answer is returned while its row is committed (`flush` waits for the rows in flight).
Rows are written in the order the calls ended, so ids follow time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal

from ai.requests import Caller, Usage
from db.engine import Database
from db.models import AiCall

__all__ = ["CallRecord", "CallRecorder"]

_log = logging.getLogger("autocrm.ai")


@dataclass(frozen=True, slots=True)
class CallRecord:
    provider: str
    model: str
    call: str
    operation: str
    prompt_version: str
    caller: Caller
    usage: Usage
    cost_usd: Decimal | None
    first_token_ms: int | None
    total_ms: int
    cache_hit: bool
    outcome: str
    error: str | None = None


class CallRecorder:
    """One writer per process drains a queue in order, a batch per transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: asyncio.Queue[CallRecord] | None = None
        self._writer: asyncio.Task[None] | None = None

    def record_soon(self, rec: CallRecord) -> None:
        """Queue the row (a commit costs more than all of the gateway's own work)."""
        if self._queue is None or self._writer is None or self._writer.done():
            self._queue = asyncio.Queue()
            self._writer = asyncio.get_running_loop().create_task(self._write_forever())
        self._queue.put_nowait(rec)

    async def flush(self) -> None:
        """Wait until every row queued so far is committed (or reported as lost)."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        await self.flush()
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None

    async def _write_forever(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self.record(*batch)
            finally:
                for _ in batch:
                    queue.task_done()

    async def record(self, *records: CallRecord) -> None:
        """Write rows now, in one transaction."""
        try:
            async with self._db.transaction() as session:
                session.add_all([_row(rec) for rec in records])
        except Exception:
            # The answers have been produced and paid for; losing their usage rows must not
            # turn them into failures. Say so loudly instead.
            _log.exception("could not record %d AI usage rows", len(records))


def _row(rec: CallRecord) -> AiCall:
    return AiCall(
        provider=rec.provider,
        model=rec.model,
        call=rec.call,
        operation=rec.operation,
        prompt_version=rec.prompt_version,
        tokens_in=rec.usage.tokens_in,
        tokens_out=rec.usage.tokens_out,
        cost_usd=rec.cost_usd,
        first_token_ms=rec.first_token_ms,
        total_ms=rec.total_ms,
        cache_hit=rec.cache_hit,
        outcome=rec.outcome,
        error=rec.error,
        user_id=rec.caller.user_id,
        api_key_id=rec.caller.api_key_id,
        job_id=rec.caller.job_id,
        ticket_id=rec.caller.ticket_id,
    )
