"""The relay: sends what was committed but never sent, and re-sends what a crash left.

Run at start-up (server and worker) and then periodically. Three cases: a job committed
but not sent (the server died between commit and send), a queued job sent long ago (the
broker lost it, e.g. Redis restarted without persistence), and a running job whose lease
ran out (its worker died). Sending a job twice is harmless: only one worker claims it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from db.base import utcnow
from db.engine import Database
from db.models import Job
from settings import Settings
from workers.jobs.sender import JobSender, Outgoing

__all__ = ["relay_once"]

_log = logging.getLogger("autocrm.jobs")
_BATCH = 500


async def relay_once(db: Database, settings: Settings, sender: JobSender) -> int:
    """Send one batch of overdue jobs; returns how many were sent."""
    now = utcnow()
    stale = now - timedelta(seconds=settings.job_resend_seconds)
    # A dead worker's job is re-sent once per lease, not on every pass.
    lease = timedelta(seconds=settings.job_lease_seconds)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Job.id, Job.queue)
                .where(
                    or_(
                        and_(Job.status == "queued", Job.sent_at.is_(None)),
                        and_(
                            Job.status == "queued",
                            Job.sent_at < stale,
                            or_(Job.run_after.is_(None), Job.run_after <= now),
                        ),
                        and_(
                            Job.status == "running",
                            Job.lease_expires_at < now,
                            or_(Job.sent_at.is_(None), Job.sent_at < now - lease),
                        ),
                    )
                )
                .order_by(Job.created_at)
                .limit(_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        await sender.send([Outgoing(job_id, queue) for job_id, queue in rows])
        await session.execute(
            update(Job).where(Job.id.in_([r[0] for r in rows])).values(sent_at=now)
        )
    _log.info("relay re-sent %d job(s)", len(rows))
    return len(rows)
