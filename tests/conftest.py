"""Shared fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL), the real ASGI app,
role-specific API clients and a SQL statement counter."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette

from app import Runtime, build_runtime, create_app
from auth.passwords import hash_password
from auth.tokens import issue_access_token
from db.base import utcnow
from db.embedded import embedded_database_url, stop_embedded
from db.engine import Database, to_async_url
from db.migrate import upgrade
from db.models import AuthSession, Customer, User
from settings import Settings

TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield to_async_url(configured)
        return
    data_dir = tmp_path_factory.mktemp("embedded")
    yield embedded_database_url(data_dir)
    stop_embedded(data_dir)


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(database.engine)
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> None:
    """Every test starts from empty tables (only for tests that use the database)."""
    if "db" in request.fixturenames:
        database: Database = request.getfixturevalue("db")
        # A job the previous test queued (an in-process worker indexing an article, say) may
        # still be writing: TRUNCATE then deadlocks with it now and then. PostgreSQL aborts one
        # of the two; when it is the TRUNCATE, wait a moment and truncate again.
        for attempt in range(5):
            try:
                await _truncate_all(database)
                return
            except DBAPIError as exc:
                if "deadlock detected" not in str(exc) or attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))


async def _truncate_all(database: Database) -> None:
    async with database.engine.begin() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalar_one()
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        public_url="http://testserver",
        rate_limit="10000/minute",
        login_rate_limit="1000/minute",
        # Tests of triage turn it on; elsewhere a background job re-prioritising new
        # tickets would race the assertions.
        ai_triage_on_create=False,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def runtime(settings: Settings, db: Database) -> Runtime:
    return build_runtime(settings, db)


@pytest.fixture
def app(runtime: Runtime) -> Starlette:
    return create_app(runtime)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass
class ApiClient:
    """Posts GraphQL to the real app, as one principal (or anonymous)."""

    http: httpx.AsyncClient
    token: str | None = None
    user: User | None = None
    headers: dict[str, str] = field(default_factory=dict)

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no GraphQL errors."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


async def make_user(
    db: Database,
    *,
    role: str,
    email: str | None = None,
    name: str | None = None,
    customer_id: uuid.UUID | None = None,
    password: str = TEST_PASSWORD,
) -> User:
    async with db.transaction() as session:
        if role == "customer" and customer_id is None:
            customer = Customer(name=name or "Casey Customer")
            session.add(customer)
            await session.flush()
            customer_id = customer.id
        user = User(
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            name=name or role.title(),
            role=role,
            password_hash=hash_password(password),
            customer_id=customer_id,
            email_verified_at=utcnow(),
        )
        session.add(user)
    return user


async def sign_in(db: Database, user: User) -> str:
    """An access token for `user`, issued the way the login mutation issues one."""
    async with db.transaction() as session:
        auth_session = AuthSession(user_id=user.id)
        session.add(auth_session)
        await session.flush()
        session_id = auth_session.id
    token, _ = issue_access_token(
        user_id=user.id, session_id=session_id, role=user.role, key=TEST_SECRET, minutes=15
    )
    return token


async def client_for(http: httpx.AsyncClient, db: Database, role: str, **kw: Any) -> ApiClient:
    user = await make_user(db, role=role, **kw)
    return ApiClient(http=http, token=await sign_in(db, user), user=user)


@pytest.fixture
def anonymous(http: httpx.AsyncClient) -> ApiClient:
    return ApiClient(http=http)


@pytest.fixture
async def admin(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await client_for(http, db, "admin", name="Ada Admin")


@pytest.fixture
async def agent(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await client_for(http, db, "agent", name="Alan Agent")


@pytest.fixture
async def reviewer(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await client_for(http, db, "reviewer", name="Rita Reviewer")


@pytest.fixture
async def customer(http: httpx.AsyncClient, db: Database) -> ApiClient:
    return await client_for(http, db, "customer", name="Casey Customer")


@dataclass
class StatementCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(db: Database) -> Any:
    """`with count_statements() as counter:` counts SQL statements sent to the database."""

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counter.statements.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)

    return counting


@pytest.fixture
async def smtp_server() -> AsyncIterator[Any]:
    """A real aiosmtpd server on 127.0.0.1 (free port): `.url` for settings.smtp_url,
    `.mailbox.next()` for the next mail it received (tests/smtp.py)."""
    import asyncio

    from tests.smtp import SmtpServer

    server = SmtpServer.start(asyncio.get_running_loop())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    """A real S3-compatible server (moto's server mode) on loopback, for the test session."""
    from tests.s3_server import s3_server_running

    yield from s3_server_running()
