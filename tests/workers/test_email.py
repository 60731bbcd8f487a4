"""Outbox delivery through a real aiosmtpd server: sent, retried, failed, never leaked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from db.engine import Database
from db.models import OutboxMail
from resolvers.mail import queue_mail
from settings import Settings
from tests.smtp import SmtpServer, free_port
from workers.email import MAX_ATTEMPTS, deliver_pending, smtp_target
from workers.jobs import build_job_queue
from workers.jobs.mail import DELIVER_MAIL

SMTP_PASSWORD = "pw-3xq-never-in-logs"


def with_smtp(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(url)})


async def queue(db: Database, *recipients: str) -> None:
    async with db.transaction() as session:
        for to in recipients:
            queue_mail(session, to=to, subject=f"Hello {to}", body=f"Body for {to}\n", kind="test")


async def rows(db: Database) -> list[OutboxMail]:
    async with db.sessions() as session:
        stmt = select(OutboxMail).order_by(OutboxMail.to_address)
        return list((await session.execute(stmt)).scalars())


@pytest.fixture
async def auth_smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer.start(asyncio.get_running_loop(), credentials=("mailer", SMTP_PASSWORD))
    yield server
    server.stop()


async def test_pending_mail_is_sent_over_smtp_and_marked_sent(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    await queue(db, "ann@example.com")

    sent = await deliver_pending(db, with_smtp(settings, smtp_server.url))

    assert sent == 1
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == ["ann@example.com"]
    assert mail.subject == "Hello ann@example.com"
    assert mail.body == "Body for ann@example.com\n"
    assert mail.message["From"] == settings.mail_from
    assert mail.message["Message-ID"].endswith("@autocrm.local>")
    [row] = await rows(db)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None


async def test_without_smtp_url_mail_stays_in_the_outbox(db: Database, settings: Settings) -> None:
    await queue(db, "ann@example.com")

    sent = await deliver_pending(db, settings)

    assert sent == 0
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("pending", 0)


async def test_sent_mail_is_not_sent_again(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    await queue(db, "ann@example.com")
    configured = with_smtp(settings, smtp_server.url)
    await deliver_pending(db, configured)

    again = await deliver_pending(db, configured)

    assert again == 0
    assert len(smtp_server.mailbox.received) == 1


async def test_smtp_login_uses_the_url_credentials_and_never_logs_the_password(
    db: Database, settings: Settings, auth_smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(db, "ann@example.com")
    caplog.set_level(logging.DEBUG)

    sent = await deliver_pending(db, with_smtp(settings, auth_smtp.url))

    assert sent == 1
    assert auth_smtp.logins == ["mailer"]
    assert SMTP_PASSWORD not in caplog.text


async def test_wrong_smtp_password_keeps_mail_pending_with_a_scrubbed_error(
    db: Database, settings: Settings, auth_smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(db, "ann@example.com")
    caplog.set_level(logging.DEBUG)
    wrong = f"smtp://mailer:{SMTP_PASSWORD}-wrong@127.0.0.1:{auth_smtp.port}"

    sent = await deliver_pending(db, with_smtp(settings, wrong))

    assert sent == 0
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None
    assert "SMTPAuthenticationError" in row.last_error
    assert SMTP_PASSWORD not in row.last_error
    assert SMTP_PASSWORD not in caplog.text
    assert "ann@example.com" in caplog.text  # the failure itself is logged


async def test_unreachable_server_keeps_mail_pending_then_gives_up_after_max_attempts(
    db: Database, settings: Settings
) -> None:
    await queue(db, "ann@example.com")
    nowhere = with_smtp(settings, f"smtp://127.0.0.1:{free_port()}")

    await deliver_pending(db, nowhere)
    [row] = await rows(db)
    assert (row.status, row.attempts) == ("pending", 1)
    for _ in range(MAX_ATTEMPTS - 1):
        await deliver_pending(db, nowhere)

    [row] = await rows(db)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error


async def test_refused_recipient_fails_at_once_while_the_rest_is_sent(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.reject_recipients.add("bounce@example.com")
    await queue(db, "ann@example.com", "bounce@example.com", "cid@example.com")

    sent = await deliver_pending(db, with_smtp(settings, smtp_server.url))

    assert sent == 2
    states = {row.to_address: (row.status, row.attempts) for row in await rows(db)}
    assert states == {
        "ann@example.com": ("sent", 1),
        "bounce@example.com": ("failed", 1),
        "cid@example.com": ("sent", 1),
    }


async def test_concurrent_deliveries_send_each_mail_exactly_once(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    await queue(db, *[f"user{i}@example.com" for i in range(30)])
    configured = with_smtp(settings, smtp_server.url)

    results = await asyncio.gather(*(deliver_pending(db, configured) for _ in range(3)))

    assert sum(results) == 30
    for _ in range(30):
        await smtp_server.mailbox.next()
    delivered = [m.recipients[0] for m in smtp_server.mailbox.received]
    assert sorted(delivered) == sorted(f"user{i}@example.com" for i in range(30))
    assert {row.status for row in await rows(db)} == {"sent"}


async def test_deliver_mail_job_sends_queued_mail_in_the_background(
    db: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    jobs = build_job_queue(db, with_smtp(settings, smtp_server.url), None)
    await queue(db, "ann@example.com")

    jobs.kick(DELIVER_MAIL)
    jobs.kick(DELIVER_MAIL)  # a second kick while one run waits costs nothing extra

    mail = await smtp_server.mailbox.next()
    await jobs.stop()
    assert mail.recipients == ["ann@example.com"]
    assert len(smtp_server.mailbox.received) == 1


async def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(db: Database) -> None:
    class Abort(Exception):
        pass

    async def queue_then_fail() -> None:
        async with db.transaction() as session:
            queue_mail(session, to="ann@example.com", subject="s", body="b", kind="test")
            await session.flush()
            raise Abort

    with pytest.raises(Abort):
        await queue_then_fail()

    assert await rows(db) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, None, False, None)),
        (
            "smtp://u%40x:p%2Fw@mail.example.com:587?starttls=1",
            ("mail.example.com", 587, "u@x", False, True),
        ),
        ("smtp://mail.example.com:2525?starttls=0", ("mail.example.com", 2525, None, False, False)),
        ("smtps://u:p@mail.example.com", ("mail.example.com", 465, "u", True, False)),
    ],
)
def test_smtp_url_forms(url: str, expected: tuple[Any, ...]) -> None:
    target = smtp_target(url)

    assert (
        target.hostname,
        target.port,
        target.username,
        target.use_tls,
        target.start_tls,
    ) == expected


def test_smtp_target_never_shows_its_password() -> None:
    target = smtp_target(f"smtp://mailer:{SMTP_PASSWORD}@mail.example.com")

    assert target.password == SMTP_PASSWORD
    assert SMTP_PASSWORD not in repr(target)
    assert target.scrub(f"server said {SMTP_PASSWORD}") == "server said **********"


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="smtp://"):
        smtp_target("http://mail.example.com")
