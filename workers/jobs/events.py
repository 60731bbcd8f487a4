"""The realtime channel a job's updates go to (status changes and progress)."""

from __future__ import annotations

import uuid

__all__ = ["job_channel", "job_event"]


def job_channel(job_id: uuid.UUID | str) -> str:
    return f"job:{job_id}"


def job_event(job_id: uuid.UUID, status: str, progress: float) -> dict[str, object]:
    # Subscribers load the job fresh; the payload only says that (and roughly how) it moved.
    return {"id": str(job_id), "status": status, "progress": progress}
