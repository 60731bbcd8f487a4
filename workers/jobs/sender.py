"""How a committed job reaches a worker: the sender interface and the post-commit send.

`send_pending` is the one call to make after the transaction that wrote job rows has
committed; it sends each job and then records `sent_at`, so a crash in between leaves the
row for the relay (a job sent twice is harmless: only one worker can claim it).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import update

from db.base import utcnow
from db.engine import Database
from db.models import Job

__all__ = ["JobSender", "Outgoing", "mark_sent", "send_pending"]

_log = logging.getLogger("autocrm.jobs")


@dataclass(frozen=True, slots=True)
class Outgoing:
    job_id: uuid.UUID
    queue: str
    # Seconds to wait before a worker may take it (a retry's backoff).
    delay: float = 0.0


class JobSender(Protocol):
    """A broker: Redis through Dramatiq, or the server's in-process worker."""

    async def send(self, messages: list[Outgoing]) -> None: ...


async def mark_sent(db: Database, job_ids: Iterable[uuid.UUID]) -> None:
    ids = list(job_ids)
    if ids:
        async with db.transaction() as session:
            await session.execute(
                update(Job).where(Job.id.in_(ids), Job.sent_at.is_(None)).values(sent_at=utcnow())
            )


async def send_pending(db: Database, sender: JobSender | None, jobs: Iterable[Job]) -> None:
    """Call after commit. A send that fails is logged, not raised: the caller's change is
    already committed and the relay will send the job later."""
    messages = [Outgoing(job.id, job.queue) for job in jobs]
    if sender is None or not messages:
        return
    try:
        await sender.send(messages)
    except Exception as exc:
        _log.warning("could not send %d job(s); the relay will retry: %s", len(messages), exc)
        return
    await mark_sent(db, (m.job_id for m in messages))
