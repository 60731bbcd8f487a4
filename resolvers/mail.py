"""Outgoing mail from use cases: queued in the caller's transaction, sent after it commits.

Writing to the outbox inside the mutation's transaction means a rolled-back mutation sends
nothing, and a committed one cannot lose its mail when the process dies before sending:
the `deliver_mail` job that sends it is written in that same transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMail
from resolvers.audit import MutationTx
from workers.jobs.mail import delivery_job

__all__ = ["queue_mail", "schedule_delivery"]

_SCHEDULED = "autocrm.mail_delivery_scheduled"


def queue_mail(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    user_id: uuid.UUID | None = None,
) -> OutboxMail:
    mail = OutboxMail(to_address=to, subject=subject, body_text=body, kind=kind, user_id=user_id)
    session.add(mail)
    return mail


async def schedule_delivery(tx: MutationTx) -> None:
    """Call after `queue_mail` in a mutation: the `deliver_mail` job goes into the same
    transaction (once, however many mails) and is sent to a worker after commit. Without
    SMTP_URL mail stays in the outbox and no job is written."""
    ctx = tx.ctx
    if ctx.settings.smtp_url is None or tx.session.info.get(_SCHEDULED):
        return
    tx.session.info[_SCHEDULED] = True
    job = await delivery_job(tx.session)
    if job is not None and ctx.jobs is not None:
        tx.after_commit(ctx.jobs.send_pending, [job])
