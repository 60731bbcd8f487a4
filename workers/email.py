"""Outbox delivery: send pending mail over SMTP and record the outcome on each outbox row.

`deliver_pending` is the unit of work; the `deliver_mail` job (workers/jobs/mail.py) runs
it after a mutation that queued mail has committed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy import select

from db.base import utcnow
from db.engine import Database
from db.models import OutboxMail
from settings import Settings

__all__ = [
    "MAX_ATTEMPTS",
    "SmtpTarget",
    "build_message",
    "deliver_pending",
    "smtp_target",
]

_log = logging.getLogger("autocrm.mail")

# After this many failed tries a mail is marked failed instead of retried.
MAX_ATTEMPTS = 5
_BATCH = 20
_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to connect, parsed from SMTP_URL. The password never appears in repr."""

    hostname: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    # None: upgrade with STARTTLS when the server offers it (aiosmtplib's default).
    start_tls: bool | None = None
    timeout: float = _TIMEOUT_SECONDS

    def scrub(self, text: str) -> str:
        """Error text with the password removed, in case a server or library echoes it."""
        return text.replace(self.password, "**********") if self.password else text


def smtp_target(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:port` (STARTTLS when offered; `?starttls=1` to require it,
    `?starttls=0` to never try) or `smtps://…` for TLS from the first byte (port 465)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP_URL needs a host name")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    start_tls: bool | None = None
    if "starttls" in query:
        start_tls = query["starttls"].lower() in ("1", "true", "yes", "on")
    use_tls = parts.scheme == "smtps"
    return SmtpTarget(
        hostname=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=use_tls,
        start_tls=False if use_tls else start_tls,
        timeout=float(query.get("timeout", _TIMEOUT_SECONDS)),
    )


def build_message(row: OutboxMail, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    # A stable Message-ID lets the receiving side drop a duplicate after a retried send.
    message["Message-ID"] = make_msgid(idstring=row.id.hex, domain=_domain(mail_from))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    return message


def _domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    try:
        return Address(addr_spec=address).domain or "autocrm.local"
    except (ValueError, IndexError):
        return "autocrm.local"


async def deliver_pending(db: Database, settings: Settings) -> int:
    """Send every pending outbox row once; returns how many were sent.

    Rows are locked with SKIP LOCKED while they are sent, so several processes can run
    this at once without sending a mail twice. Without SMTP_URL nothing is sent and the
    rows stay pending (embedded mode keeps mail in the outbox).
    """
    if settings.smtp_url is None:
        return 0
    target = smtp_target(settings.smtp_url.get_secret_value())
    local_hostname = urlsplit(settings.public_url).hostname or "localhost"
    tried: set[uuid.UUID] = set()
    sent = 0
    while True:
        async with db.transaction() as session:
            stmt = (
                select(OutboxMail)
                .where(OutboxMail.status == "pending")
                .order_by(OutboxMail.created_at, OutboxMail.id)
                .limit(_BATCH)
                .with_for_update(skip_locked=True)
            )
            if tried:
                stmt = stmt.where(OutboxMail.id.not_in(tried))
            rows = list((await session.execute(stmt)).scalars())
            if not rows:
                return sent
            tried.update(row.id for row in rows)
            sent_now, connected = await _send_batch(
                rows, target, settings.mail_from, local_hostname
            )
            sent += sent_now
        if not connected:
            return sent  # the server is unreachable: the next run retries


async def _send_batch(
    rows: list[OutboxMail], target: SmtpTarget, mail_from: str, local_hostname: str
) -> tuple[int, bool]:
    smtp = aiosmtplib.SMTP(
        hostname=target.hostname,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.use_tls,
        start_tls=target.start_tls,
        timeout=target.timeout,
        local_hostname=local_hostname,
    )
    try:
        await smtp.connect()
    except (aiosmtplib.SMTPException, OSError) as exc:
        for row in rows:
            _failed(row, target, exc, permanent=False)
        return 0, False
    sent = 0
    try:
        for row in rows:
            try:
                await smtp.send_message(build_message(row, mail_from))
            except aiosmtplib.SMTPRecipientsRefused as exc:
                _failed(row, target, exc, permanent=True)
            except aiosmtplib.SMTPResponseException as exc:
                _failed(row, target, exc, permanent=exc.code >= 500)
            except (aiosmtplib.SMTPException, OSError) as exc:
                _failed(row, target, exc, permanent=False)
            else:
                row.status = "sent"
                row.attempts += 1
                row.sent_at = utcnow()
                row.last_error = None
                sent += 1
    finally:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()
    return sent, True


def _failed(row: OutboxMail, target: SmtpTarget, exc: BaseException, *, permanent: bool) -> None:
    row.attempts += 1
    row.last_error = target.scrub(f"{type(exc).__name__}: {exc}")[:2000]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    _log.warning(
        "mail %s to %s not sent (attempt %d, %s): %s",
        row.id,
        row.to_address,
        row.attempts,
        row.status,
        row.last_error,
    )
