"""Outgoing mail from use cases: queued in the caller's transaction, sent after it commits.

Writing to the outbox inside the mutation's transaction means a rolled-back mutation sends
nothing, and a committed one cannot lose its mail when the process dies before sending.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMail
from resolvers.context import RequestContext
from workers.jobs.mail import DELIVER_MAIL

__all__ = ["kick_mail", "queue_mail"]


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


def kick_mail(ctx: RequestContext) -> None:
    """A post-commit hook (`tx.after_commit(kick_mail, ctx)`) of the transaction that queued
    mail: inside it, the sender would not see the uncommitted rows. Delivery runs as a
    `deliver_mail` job."""
    if ctx.jobs is not None and ctx.settings.smtp_url is not None:
        ctx.jobs.kick(DELIVER_MAIL)
