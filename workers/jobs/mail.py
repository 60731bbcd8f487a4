"""`deliver_mail`: one run sends every pending outbox row (the outbox stays mail's truth)."""

from __future__ import annotations

from workers.email import deliver_pending
from workers.jobs.kinds import job_kind
from workers.jobs.runner import JobRun

__all__ = ["DELIVER_MAIL", "deliver_mail"]

DELIVER_MAIL = "deliver_mail"


@job_kind(DELIVER_MAIL, queue="mail", time_limit=600.0)
async def deliver_mail(run: JobRun) -> str | None:
    # deliver_pending records each mail's own failure on its row and locks rows it sends
    # (SKIP LOCKED), so two runs at once cannot send one mail twice.
    sent = await deliver_pending(run.db, run.env.settings)
    return f"sent:{sent}"
