"""What the server log shows an operator: a client's mistake as one INFO line, a fault of
ours as one ERROR with its traceback, both with the request id; Redis trouble once a minute."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from app import build_runtime, create_app
from db.engine import Database
from settings import Settings
from tests.conftest import ApiClient
from tests.smtp import free_port
from workers.log_throttle import LogThrottle

CUSTOMERS = "query Customers { customers(first: 1) { totalCount } }"
BAD_VARIABLES = "query Ticket($id: ID!) { node(id: $id) { id } }"
LOGIN = """
mutation SignIn($input: LoginInput!) {
  login(input: $input) { accessToken errors { field code } }
}"""


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno == level]


async def test_unauthenticated_query_is_one_info_line_without_traceback(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = await http.post(
        "/graphql", json={"query": CUSTOMERS}, headers={"X-Request-Id": "req-anon-1"}
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    (line,) = [r for r in _records(caplog, logging.INFO) if r.name == "autocrm.graphql"]
    message = line.getMessage()
    assert "req-anon-1" in message
    assert "Customers" in message
    assert "UNAUTHENTICATED" in message
    assert line.exc_info is None
    assert "Traceback" not in caplog.text


async def test_bad_variables_are_one_info_line(
    anonymous: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    body = await anonymous.post(BAD_VARIABLES, {"id": None})

    assert body["errors"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    (line,) = [r for r in _records(caplog, logging.INFO) if r.name == "autocrm.graphql"]
    assert "Ticket" in line.getMessage()
    assert "Traceback" not in caplog.text


async def test_syntax_error_is_one_info_line(
    anonymous: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    body = await anonymous.post("{ customers(first: 1) { totalCount }")

    assert "Syntax Error" in body["errors"][0]["message"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert len([r for r in caplog.records if r.name == "autocrm.graphql"]) == 1


async def test_syntax_error_carries_a_code_clients_can_branch_on(anonymous: ApiClient) -> None:
    body = await anonymous.post("{ customers(first: 1) { totalCount }")

    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert body["data"] is None


@contextlib.asynccontextmanager
async def _client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(build_runtime(settings, database))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def unreachable_database_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app over a database that refuses connections (nothing listens there)."""
    database = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/autocrm")
    async with _client(settings, database) as client:
        yield client
    await database.dispose()


async def test_a_real_fault_is_one_error_with_the_request_id_and_traceback(
    unreachable_database_http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = await unreachable_database_http.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": "a@b.co", "password": "x" * 12}}},
        headers={"X-Request-Id": "req-fault-1"},
    )

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "req-fault-1" in error["message"]
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "req-fault-1" in record.getMessage()
    assert "SignIn" in record.getMessage()
    assert record.exc_info is not None


async def test_rate_limiter_without_redis_is_reported_once_not_per_request(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # A shared rate limiter whose Redis is not there (nothing listens on the port).
    url = SecretStr(f"redis://127.0.0.1:{free_port()}/0")
    redis_down = settings.model_copy(update={"redis_url": url})

    async with _client(redis_down, db) as client:
        for _ in range(5):
            response = await client.post("/graphql", json={"query": "{ viewer { email } }"})
            assert response.json()["data"] == {"viewer": None}

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "rate limiter unavailable" in warnings[0].getMessage()


def test_throttled_log_counts_what_it_held_back(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    throttle = LogThrottle(logging.getLogger("test.throttle"), 60.0, clock=lambda: now[0])

    for _ in range(4):
        throttle.warning("redis", "Redis is away")
    now[0] = 61.0
    throttle.warning("redis", "Redis is away")

    assert [r.getMessage() for r in caplog.records] == [
        "Redis is away",
        "Redis is away (3 more like this since the last one were not logged)",
    ]
