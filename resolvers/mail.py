"""Outgoing mail from use cases: queued in the caller's transaction, sent after it commits.

Writing to the outbox inside the mutation's transaction means a rolled-back mutation sends
nothing, and a committed one cannot lose its mail when the process dies before sending.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMail
from resolvers.context import RequestContext

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
    mail: inside it, the sender would not see the uncommitted rows."""
    if ctx.mail_kicker is not None:
        ctx.mail_kicker.kick()
