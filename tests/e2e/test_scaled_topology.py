"""The topology a team deploys: an external PostgreSQL (its own server, SCRAM password,
TLS verified), a Redis of its own, two `autocrm serve` processes and one `autocrm worker`.
A ticket created through server A reaches a subscriber on server B, and a job enqueued
through server A (the mail of a password reset) runs on the worker."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.conftest import TEST_SECRET
from tests.external_postgres import Certificates, ExternalPostgres, TlsFront
from tests.realtime_harness import WAIT, GraphQLWebSocket, OwnRedis, ServerProcess, graphql
from tests.smtp import SmtpServer
from tests.test_cli import _autocrm
from tests.workers.job_services import WorkerProcess, eventually

pytestmark = pytest.mark.scaled

ADMIN_EMAIL = "ops@example.com"
ADMIN_PASSWORD = "a long and careful admin password"
LOGIN = """
mutation ($input: LoginInput!) { login(input: $input) { accessToken errors { code } } }"""
CREATE_CUSTOMER = """
mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code } }
}"""
CREATE_TICKET = """
mutation ($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id subject } errors { field code message } }
}"""
TICKET_EVENTS = "subscription { ticketEvents { kind ticket { id subject } } }"
REQUEST_RESET = """
mutation ($input: AccountEmailInput!) { requestPasswordReset(input: $input) { errors { code } } }
"""


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def deployment(
    postgres: ExternalPostgres,
    tls: TlsFront,
    certificates: Certificates,
    redis: OwnRedis,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> AsyncIterator[dict[str, Any]]:
    await postgres.create_app_database(name="autocrm_topology")
    database_url = (
        postgres.url(database="autocrm_topology", port=tls.port)
        + f"?sslmode=verify-full&sslrootcert={certificates.ca}"
    )
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url(),
        "SMTP_URL": smtp_server.url,
        "SECRET_KEY": TEST_SECRET,
        "DATA_DIR": str(tmp_path / "data"),
    }
    admin = _autocrm(
        "create-admin",
        "--email",
        ADMIN_EMAIL,
        "--name",
        "Olive Ops",
        env={**env, "AUTOCRM_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    assert admin.returncode == 0, admin.stderr  # migrates first, over TLS
    servers = [ServerProcess(tmp_path, database_url=database_url, env=env) for _ in range(2)]
    worker = WorkerProcess(tmp_path / "worker.log", env)
    try:
        await asyncio.gather(*(server.wait_ready() for server in servers))
        yield {
            "servers": servers,
            "worker": worker,
            "database": postgres.url(database="autocrm_topology"),
        }
    finally:
        worker.stop()
        for server in servers:
            server.stop()


async def mutate(base: str, token: str | None, query: str, variables: dict[str, Any]) -> Any:
    (payload,) = (await graphql(base, token, query, variables)).values()
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_deployed_topology_shares_events_and_runs_jobs_on_the_worker(
    deployment: dict[str, Any], smtp_server: SmtpServer, tls: TlsFront
) -> None:
    server_a, server_b = deployment["servers"]
    worker: WorkerProcess = deployment["worker"]
    login = await mutate(
        server_a.url, None, LOGIN, {"input": {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}}
    )
    token = login["accessToken"]
    customer = await mutate(
        server_a.url, token, CREATE_CUSTOMER, {"input": {"name": "Northwind Traders"}}
    )

    # a ticket created through A reaches a subscriber on B (through Redis)
    async with GraphQLWebSocket.open(server_b.url, token) as ws:
        operation = await ws.subscribe(TICKET_EVENTS)
        async with asyncio.timeout(WAIT):
            for attempt in itertools.count():
                subject = f"Invoice missing #{attempt}"
                ticket = {"subject": subject, "customerId": customer["customer"]["id"]}
                await mutate(server_a.url, token, CREATE_TICKET, {"input": ticket})
                try:
                    heard = await ws.next(operation, within=0.5)
                except TimeoutError:
                    continue  # the subscription was not live yet
                break
    assert heard["ticketEvents"]["kind"] == "CREATED"
    assert heard["ticketEvents"]["ticket"]["subject"] == subject

    # a job enqueued through A runs on the worker process
    await mutate(server_a.url, None, REQUEST_RESET, {"input": {"email": ADMIN_EMAIL}})
    mail = await asyncio.wait_for(smtp_server.mailbox.next(), WAIT)
    assert mail.recipients == [ADMIN_EMAIL]
    assert mail.subject == "Reset your password"

    conn = await asyncpg.connect(deployment["database"])
    try:

        async def finished() -> Any:
            return await conn.fetchrow(
                "SELECT status, worker FROM jobs WHERE kind = 'deliver_mail' "
                "AND status = 'succeeded'"
            )

        job = await eventually(finished, "the delivery job finishing", worker.log())
    finally:
        await conn.close()
    _, pid = job["worker"].rsplit(":", 1)
    assert int(pid) not in {server_a.process.pid, server_b.process.pid, os.getpid()}
    assert tls.tls_sessions > 0
