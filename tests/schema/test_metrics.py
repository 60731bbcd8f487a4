"""`/metrics` scraped around a scripted workload shows exactly what that workload caused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from ai import CompletionRequest
from app import Runtime, build_runtime
from db.engine import Database
from schema.ids import encode_id
from settings import Settings
from tests.conftest import make_user, sign_in
from tests.realtime_harness import GraphQLWebSocket, live_server
from workers.jobs import enqueue

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

ME = "query Me { viewer { email } }"
UNNAMED = "{ viewer { email } }"
CUSTOMERS = "query Customers { customers(first: 1) { totalCount } }"
WATCH = "subscription WatchJob($id: ID!) { jobUpdated(id: $id) { status } }"


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[str]:
    async with live_server(runtime) as base_url:
        yield base_url


async def scrape(base_url: str, token: str | None = None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def post(base_url: str, query: str, token: str | None = None, **kw: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/graphql", json={"query": query, **kw}, headers=headers)
    body: dict[str, Any] = response.json()
    return body


async def test_scrape_shows_the_counts_a_workload_caused(
    runtime: Runtime, db: Database, server: str
) -> None:
    admin = await make_user(db, role="admin")
    token = await sign_in(db, admin)
    before = await scrape(server)

    # Given: two named queries, an unnamed one, and a refused one (UNAUTHENTICATED)
    for _ in range(2):
        assert "errors" not in await post(server, ME, token)
    assert "errors" not in await post(server, UNNAMED, token)
    refused = await post(server, CUSTOMERS)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # a job that succeeds and one that fails, through the in-process worker
    async with db.transaction() as session:
        ok = enqueue(session, "probe.noop")
        bad = enqueue(session, "probe.write", {"fail": "permanent"})
    assert runtime.jobs is not None
    await runtime.jobs.send_pending([ok, bad])
    await runtime.jobs.drain()
    # an LLM call through the runtime's gateway (offline provider), then the same from cache
    assert runtime.ai is not None
    request = CompletionRequest.ask(
        "How long do refunds take?",
        operation="metrics_check",
        context=("Refunds reach your account within five working days.",),
    )
    answer = await runtime.ai.complete(request)
    again = await runtime.ai.complete(request)

    after = await scrape(server)

    # Then
    requests = "autocrm_graphql_requests_total"
    assert grew(before, after, requests, operation="Me", type="query") == 2
    assert grew(before, after, requests, operation="anonymous", type="query") == 1
    assert grew(before, after, requests, operation="Customers", type="query") == 1
    assert grew(before, after, "autocrm_graphql_errors_total", code="UNAUTHENTICATED") == 1
    assert grew(before, after, "autocrm_graphql_errors_total", code="INTERNAL_SERVER_ERROR") == 0
    latency = "autocrm_graphql_request_seconds_count"
    assert grew(before, after, latency, operation="Me", type="query") == 2

    finished = "autocrm_jobs_finished_total"
    assert grew(before, after, finished, kind="probe.noop", outcome="succeeded") == 1
    assert grew(before, after, finished, kind="probe.write", outcome="failed") == 1
    assert grew(before, after, "autocrm_job_wait_seconds_count", kind="probe.noop") == 1
    assert grew(before, after, "autocrm_job_run_seconds_count", kind="probe.write") == 1
    # read from the jobs table: the failed job is kept, nothing waits
    assert value(after, "autocrm_jobs", kind="probe.write", status="failed") == 1
    assert value(after, "autocrm_jobs", kind="probe.noop", status="queued") == 0
    # each job: "running", then how it ended
    assert grew(before, after, "autocrm_events_published_total", channel="job") == 4

    calls = "autocrm_ai_calls_total"
    assert grew(before, after, calls, provider="offline", call="complete", outcome="ok") == 2
    assert grew(before, after, "autocrm_ai_cache_hits_total", provider="offline") == 1
    assert again.cache_hit
    assert not answer.cache_hit
    tokens = "autocrm_ai_tokens_total"
    assert grew(before, after, tokens, provider="offline", direction="in") == (
        answer.usage.tokens_in
    )
    assert grew(before, after, tokens, provider="offline", direction="out") == (
        answer.usage.tokens_out
    )
    assert grew(before, after, "autocrm_ai_first_token_seconds_count", provider="offline") == 1
    assert ("autocrm_db_connections_in_use", frozenset()) in after


async def test_open_websockets_and_subscriptions_are_gauged(db: Database, server: str) -> None:
    admin = await make_user(db, role="admin")
    token = await sign_in(db, admin)
    async with db.transaction() as session:
        job = enqueue(session, "probe.noop", requested_by=admin.id)  # never sent: stays queued
    before = await scrape(server)

    async with GraphQLWebSocket.open(server, token) as ws:
        operation = await ws.subscribe(WATCH, {"id": encode_id("Job", job.id)})
        assert (await ws.next(operation))["jobUpdated"]["status"] == "QUEUED"
        during = await scrape(server)
        await ws.complete(operation)

    assert grew(before, during, "autocrm_websockets_active") == 1
    assert grew(before, during, "autocrm_subscriptions_active") == 1
    requests = "autocrm_graphql_requests_total"
    assert grew(before, during, requests, operation="WatchJob", type="subscription") == 1


@pytest.fixture
async def guarded(settings: Settings, db: Database) -> AsyncIterator[str]:
    update = {"metrics_token": SecretStr("scrape-me-please")}
    async with live_server(build_runtime(settings.model_copy(update=update), db)) as base_url:
        yield base_url


async def test_metrics_token_is_required_when_configured(guarded: str) -> None:
    async with httpx.AsyncClient(base_url=guarded) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert "autocrm_graphql_requests" in str(await scrape(guarded, "scrape-me-please"))


async def test_operation_names_are_bounded_labels(server: str, db: Database) -> None:
    admin = await make_user(db, role="admin")
    token = await sign_in(db, admin)
    before = await scrape(server)

    body = await post(server, "query Q1 { viewer { email } }", token, operationName="Q1")
    assert "errors" not in body
    long_name = "N" * 100  # valid GraphQL, too long for a label
    assert "errors" not in await post(server, f"query {long_name} {{ viewer {{ email }} }}", token)

    after = await scrape(server)
    requests = "autocrm_graphql_requests_total"
    assert grew(before, after, requests, operation="Q1", type="query") == 1
    assert grew(before, after, requests, operation="anonymous", type="query") == 1
    assert not any(long_name in dict(labels).get("operation", "") for _, labels in after)
