"""The server log as an operator's tooling reads it: one JSON object per line, each with
the request id and operation of the request it belongs to, and no secret in any of it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from pydantic import SecretStr

from app import Runtime, build_runtime, create_app
from db.engine import Database
from settings import Settings
from tests.conftest import ApiClient
from tests.smtp import free_port
from workers.jobs import enqueue
from workers.logs import MASK, configure_logging

CUSTOMERS = "query Customers { customers(first: 1) { totalCount } }"
LOGIN = """
mutation SignIn($input: LoginInput!) {
  login(input: $input) { accessToken errors { field code } }
}"""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the server would write it to a pipe."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("INFO", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def graphql_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line["logger"] == "autocrm.graphql"]


async def test_a_clients_mistake_is_one_json_info_line_with_request_id_and_operation(
    http: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    response = await http.post(
        "/graphql", json={"query": CUSTOMERS}, headers={"X-Request-Id": "req-json-1"}
    )

    assert response.headers["x-request-id"] == "req-json-1"
    (line,) = graphql_lines(log_output)
    assert line["level"] == "info"
    assert line["request_id"] == "req-json-1"
    assert line["operation"] == "Customers"
    assert "UNAUTHENTICATED" in line["event"]
    assert "exception" not in line
    assert "Traceback" not in log_output.getvalue()


async def test_a_malformed_request_id_is_replaced_not_logged(
    http: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    forged = 'x" level=error msg="forged'
    response = await http.post(
        "/graphql", json={"query": CUSTOMERS}, headers={"X-Request-Id": forged}
    )

    given = response.headers["x-request-id"]
    assert given != forged
    assert len(given) == 32
    (line,) = graphql_lines(log_output)
    assert line["request_id"] == given
    assert "forged" not in log_output.getvalue()


async def test_every_response_carries_a_request_id(anonymous: ApiClient) -> None:
    first = await anonymous.http.get("/healthz")
    second = await anonymous.http.get("/healthz")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.fixture
async def unreachable_database_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    database = Database(f"postgresql+asyncpg://nobody:hunter2-pw@127.0.0.1:{free_port()}/x")
    app = create_app(build_runtime(settings, database))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await database.dispose()


async def test_a_fault_is_one_error_line_with_request_id_and_its_traceback(
    unreachable_database_http: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    response = await unreachable_database_http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": "a@b.co", "password": "x" * 12}}},
        headers={"X-Request-Id": "req-fault-json"},
    )

    assert "req-fault-json" in response.json()["errors"][0]["message"]
    errors = [line for line in lines(log_output) if line["level"] == "error"]
    (line,) = errors
    assert line["request_id"] == "req-fault-json"
    assert line["operation"] == "SignIn"
    assert line["exception"].startswith("Traceback")
    assert len(log_output.getvalue().splitlines()) == len(lines(log_output))  # one per line
    assert "hunter2-pw" not in log_output.getvalue()


def test_secrets_are_masked_wherever_they_appear(log_output: io.StringIO) -> None:
    settings = Settings(
        secret_key=SecretStr("s3cret-signing-key"),
        redis_url=SecretStr("redis://:redis-pw@127.0.0.1:6379/0"),
        metrics_token=SecretStr("scrape-token-1"),
        _env_file=None,  # type: ignore[call-arg]
    )
    log = logging.getLogger("autocrm.test")

    log.info("settings: %r", settings)
    log.warning("cannot reach redis://:redis-pw@127.0.0.1:6379/0")
    log.info("caller sent Authorization: Bearer eyJhbGciOi.payload.sig")
    log.info("key acrm_0123456789abcdef was used")
    structlog.get_logger("autocrm.test").info("login", password="pw-in-a-field", api_key="k-1")

    output = log_output.getvalue()
    for secret in (
        "s3cret-signing-key",
        "redis-pw",
        "scrape-token-1",
        "eyJhbGciOi",
        "0123456789abcdef",
        "pw-in-a-field",
        "k-1",
    ):
        assert secret not in output
    assert MASK in output
    assert len(lines(log_output)) == 5


def test_a_terminal_gets_readable_lines_not_json() -> None:
    root = logging.getLogger()
    level = root.level
    terminal = Terminal()
    handler = configure_logging("INFO", stream=terminal)
    try:
        with structlog.contextvars.bound_contextvars(request_id="req-tty-1"):
            logging.getLogger("autocrm.test").info("hello operator")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()

    (line,) = terminal.getvalue().splitlines()
    assert not line.startswith("{")
    assert "hello operator" in line
    assert "req-tty-1" in line


async def test_a_jobs_log_lines_name_the_job_not_the_request_that_queued_it(
    runtime: Runtime, db: Database, log_output: io.StringIO
) -> None:
    async with db.transaction() as session:
        job = enqueue(session, "probe.write", {"fail": "permanent"})
    assert runtime.jobs is not None
    with structlog.contextvars.bound_contextvars(request_id="req-that-queued-it"):
        await runtime.jobs.send_pending([job])  # starts the in-process worker
    await runtime.jobs.drain()
    await runtime.jobs.stop()

    (line,) = [line for line in lines(log_output) if line["level"] == "error"]
    assert line["job_id"] == str(job.id)
    assert line["job_kind"] == "probe.write"
    assert "request_id" not in line
    assert "permanent failure" in line["exception"]
