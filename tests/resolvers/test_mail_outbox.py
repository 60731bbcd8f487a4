"""Mail follows the outbox pattern: the `deliver_mail` job is written in the transaction
that writes the mail, so a server that dies after the commit (before it could send the
job) leaves both behind, and the next start delivers the mail."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy import select

from app import Runtime, build_runtime, create_app
from db.engine import Database
from db.models import Job, OutboxMail
from settings import Settings
from tests.auth.support import REQUEST_RESET
from tests.conftest import ApiClient, make_user
from tests.smtp import SmtpServer
from workers.jobs.mail import DELIVER_MAIL


def with_smtp(settings: Settings, url: str) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(url)})


async def jobs_and_mail(db: Database) -> tuple[list[Job], list[OutboxMail]]:
    async with db.sessions() as session:
        jobs = list((await session.execute(select(Job))).scalars())
        mail = list((await session.execute(select(OutboxMail))).scalars())
    return jobs, mail


async def test_mail_and_its_delivery_job_are_committed_together(
    db: Database, runtime: Runtime, anonymous: ApiClient, smtp_server: SmtpServer
) -> None:
    # given: a server with SMTP that dies before sending anything after a commit
    runtime.settings = with_smtp(runtime.settings, smtp_server.url)
    runtime.jobs = None
    user = await make_user(db, role="agent")

    # when
    data = await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})

    # then: the mail and a queued job that will send it, committed, never sent
    assert data["requestPasswordReset"]["errors"] == []
    jobs, mail = await jobs_and_mail(db)
    assert [(m.to_address, m.status) for m in mail] == [(user.email, "pending")]
    assert [(j.kind, j.status, j.sent_at) for j in jobs] == [(DELIVER_MAIL, "queued", None)]
    assert smtp_server.mailbox.received == []


async def test_next_server_start_delivers_mail_a_dead_server_committed(
    db: Database,
    settings: Settings,
    runtime: Runtime,
    anonymous: ApiClient,
    smtp_server: SmtpServer,
) -> None:
    runtime.settings = with_smtp(runtime.settings, smtp_server.url)
    runtime.jobs = None
    user = await make_user(db, role="agent")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})

    # when: a new server starts on the same database
    restarted = build_runtime(with_smtp(settings, smtp_server.url), db)
    app = create_app(restarted)
    async with app.router.lifespan_context(app):
        mail = await smtp_server.mailbox.next()

    # then
    assert mail.recipients == [user.email]
    assert mail.subject == "Reset your password"
    jobs, rows = await jobs_and_mail(db)
    assert {j.status for j in jobs} == {"succeeded"}
    assert [r.status for r in rows] == ["sent"]


async def test_mail_written_while_a_delivery_run_waits_joins_that_run(
    db: Database, runtime: Runtime, anonymous: ApiClient, smtp_server: SmtpServer
) -> None:
    runtime.settings = with_smtp(runtime.settings, smtp_server.url)
    runtime.jobs = None
    first, second = await make_user(db, role="agent"), await make_user(db, role="agent")

    await anonymous.data(REQUEST_RESET, {"input": {"email": first.email}})
    await anonymous.data(REQUEST_RESET, {"input": {"email": second.email}})

    jobs, mail = await jobs_and_mail(db)
    assert len(mail) == 2
    assert [j.kind for j in jobs] == [DELIVER_MAIL]


async def test_without_smtp_mail_stays_in_the_outbox_and_no_job_is_written(
    db: Database, anonymous: ApiClient
) -> None:
    user = await make_user(db, role="agent")

    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})

    jobs, mail = await jobs_and_mail(db)
    assert [m.to_address for m in mail] == [user.email]
    assert jobs == []
