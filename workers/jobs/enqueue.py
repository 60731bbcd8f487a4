"""Writing a job: a row in the caller's transaction (sent after commit by `send_pending`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Job
from workers.jobs.kinds import kind_of

__all__ = ["enqueue"]


def enqueue(
    session: AsyncSession,
    kind: str,
    args: Mapping[str, Any] | None = None,
    *,
    requested_by: uuid.UUID | None = None,
) -> Job:
    """Add a queued job to `session`; nothing is sent until the transaction commits."""
    spec = kind_of(kind)
    job = Job(
        id=uuid.uuid4(),
        kind=kind,
        queue=spec.queue,
        args=dict(args or {}),
        status="queued",
        attempts=0,
        max_attempts=spec.max_attempts,
        progress=0.0,
        requested_by_id=requested_by,
    )
    session.add(job)
    return job
