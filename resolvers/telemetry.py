"""Scrape-time figures for `/metrics` that live in the database (the jobs table)."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from db.engine import Database
from db.models import Job

__all__ = ["JOB_GAUGE_STATUSES", "job_counts"]

_log = logging.getLogger("autocrm.metrics")
# Waiting and running jobs (queue depth), and the ended-badly ones kept for admins.
JOB_GAUGE_STATUSES = ("queued", "running", "failed", "dead")


async def job_counts(db: Database) -> dict[tuple[str, str], int] | None:
    """Jobs per (kind, status) among JOB_GAUGE_STATUSES; None when the database is away
    (the scrape still answers with the process metrics)."""
    stmt = (
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_(JOB_GAUGE_STATUSES))
        .group_by(Job.kind, Job.status)
    )
    try:
        async with db.sessions() as session:
            rows = (await session.execute(stmt)).all()
    except Exception as exc:
        _log.warning("job counts not read for /metrics: %s", exc)
        return None
    return {(kind, status): count for kind, status, count in rows}
