"""Operations metrics (Prometheus): the process-wide metric objects and their exposition.

With `autocrm serve --workers N` every process writes its values into PROMETHEUS_MULTIPROC_DIR
(a temporary folder `serve` creates and removes) and a scrape of any process reads them all:
counters and histograms are summed over every process that ever ran, gauges over the live
ones (files of dead processes are dropped). Labels are bounded: operation names are capped
per process (`operation_label`), event channels are reduced to their kind.
"""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from ai.recorder import CallRecord

__all__ = [
    "AI_CACHE_HITS",
    "AI_CALLS",
    "AI_COST",
    "AI_FIRST_TOKEN",
    "AI_TOKENS",
    "CONTENT_TYPE_LATEST",
    "DB_POOL_IN_USE",
    "DB_POOL_OPEN",
    "EVENTS_DELIVERED",
    "EVENTS_PUBLISHED",
    "GRAPHQL_ERRORS",
    "GRAPHQL_LATENCY",
    "GRAPHQL_REQUESTS",
    "JOBS_FINISHED",
    "JOB_RUN_SECONDS",
    "JOB_WAIT_SECONDS",
    "MULTIPROC_ENV",
    "SUBSCRIPTIONS_ACTIVE",
    "WEBSOCKETS_ACTIVE",
    "JobCounts",
    "channel_kind",
    "drop_dead_processes",
    "observe_ai_call",
    "operation_label",
    "render",
    "watch_pool",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ANONYMOUS = "anonymous"
OTHER = "other"
# Distinct operation names one process labels; later new names count as "other".
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0)

GRAPHQL_REQUESTS = Counter(
    "autocrm_graphql_requests",
    "GraphQL operations executed, by operation name and type.",
    ["operation", "type"],
)
GRAPHQL_LATENCY = Histogram(
    "autocrm_graphql_request_seconds",
    "Time to answer a GraphQL operation (a subscription: until its first result).",
    ["operation", "type"],
    buckets=_LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter(
    "autocrm_graphql_errors", "GraphQL errors answered, by extensions.code.", ["code"]
)
WEBSOCKETS_ACTIVE = Gauge(
    "autocrm_websockets_active", "Open WebSocket connections.", multiprocess_mode="livesum"
)
SUBSCRIPTIONS_ACTIVE = Gauge(
    "autocrm_subscriptions_active", "Running GraphQL subscriptions.", multiprocess_mode="livesum"
)
EVENTS_PUBLISHED = Counter(
    "autocrm_events_published", "Realtime events published, by channel kind.", ["channel"]
)
EVENTS_DELIVERED = Counter(
    "autocrm_events_delivered",
    "Realtime events handed to a local subscriber stream, by channel kind.",
    ["channel"],
)
JOBS_FINISHED = Counter(
    "autocrm_jobs_finished",
    "Job attempts that ended, by kind and outcome (succeeded, failed, retry, dead, cancelled).",
    ["kind", "outcome"],
)
JOB_WAIT_SECONDS = Histogram(
    "autocrm_job_wait_seconds",
    "From enqueue (or retry time) to the start of an attempt, by kind.",
    ["kind"],
    buckets=_JOB_BUCKETS,
)
JOB_RUN_SECONDS = Histogram(
    "autocrm_job_run_seconds",
    "Duration of one job attempt, by kind.",
    ["kind"],
    buckets=_JOB_BUCKETS,
)
AI_CALLS = Counter(
    "autocrm_ai_calls",
    "LLM gateway provider attempts and cache hits, by provider, call and outcome.",
    ["provider", "call", "outcome"],
)
AI_TOKENS = Counter(
    "autocrm_ai_tokens",
    "Tokens used, by provider and direction (in, out).",
    ["provider", "direction"],
)
AI_COST = Counter("autocrm_ai_cost_usd", "Cost of LLM calls in US dollars.", ["provider"])
AI_CACHE_HITS = Counter("autocrm_ai_cache_hits", "LLM answers served from cache.", ["provider"])
AI_FIRST_TOKEN = Histogram(
    "autocrm_ai_first_token_seconds",
    "Time to the first token of a provider's answer.",
    ["provider"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
DB_POOL_IN_USE = Gauge(
    "autocrm_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
DB_POOL_OPEN = Gauge(
    "autocrm_db_connections_open",
    "Database connections the pool holds open.",
    multiprocess_mode="livesum",
)

_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """A bounded label for a client-chosen operation name: unnamed or malformed names are
    "anonymous", and past MAX_OPERATION_NAMES distinct names a new one is "other"."""
    if not name or not _NAME.fullmatch(name):
        return ANONYMOUS
    if name in _names:
        return name
    with _names_lock:
        if len(_names) >= MAX_OPERATION_NAMES:
            return OTHER
        _names.add(name)
    return name


def observe_ai_call(rec: CallRecord) -> None:
    """The gateway's `on_call`: one provider attempt or cache hit."""
    provider = rec.provider
    AI_CALLS.labels(provider, rec.call, rec.outcome).inc()
    if rec.cache_hit:
        AI_CACHE_HITS.labels(provider).inc()
        return
    if rec.usage.tokens_in:
        AI_TOKENS.labels(provider, "in").inc(rec.usage.tokens_in)
    if rec.usage.tokens_out:
        AI_TOKENS.labels(provider, "out").inc(rec.usage.tokens_out)
    if rec.cost_usd:
        AI_COST.labels(provider).inc(float(rec.cost_usd))
    if rec.first_token_ms is not None and rec.outcome == "ok":
        AI_FIRST_TOKEN.labels(provider).observe(rec.first_token_ms / 1000)


_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_pool(engine: AsyncEngine) -> None:
    """Follow the engine's pool: connections open and checked out (once per engine)."""
    target = engine.sync_engine
    if target in _watched:
        return
    _watched.add(target)

    def connected(*_: Any) -> None:
        DB_POOL_OPEN.inc()

    def closed(*_: Any) -> None:
        DB_POOL_OPEN.dec()

    def checked_out(*_: Any) -> None:
        DB_POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        DB_POOL_IN_USE.dec()

    event.listen(target, "connect", connected)
    event.listen(target, "close", closed)
    event.listen(target, "checkout", checked_out)
    event.listen(target, "checkin", checked_in)


def channel_kind(channel: str) -> str:
    """`ticket_messages:<id>` → `ticket_messages`: one label per kind of channel."""
    return channel.split(":", 1)[0][:40] or "-"


class JobCounts(Collector):
    """Job queue gauges read from the jobs table at scrape time (the table is the truth,
    whichever process or worker runs the jobs)."""

    def __init__(self, counts: Mapping[tuple[str, str], int]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "autocrm_jobs", "Jobs in the jobs table by kind and status.", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(self._counts.items()):
            family.add_metric([kind, status], count)
        yield family


def _multiproc_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def drop_dead_processes(directory: Path) -> None:
    """Forget the live gauges of processes that are gone (a worker restarted or killed);
    their counters stay, so totals never go backwards."""
    pids: set[int] = set()
    for entry in directory.glob("*.db"):
        tail = entry.stem.rsplit("_", 1)[-1]
        if tail.isdigit():
            pids.add(int(tail))
    for pid in pids:
        if not _alive(pid):
            mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def render(extra: Iterable[Collector] = (), *, directory: Path | None = None) -> bytes:
    """The text exposition: every process's values when a multiprocess folder is in use,
    this process's registry otherwise, plus `extra` collectors (scrape-time gauges)."""
    directory = directory or _multiproc_dir()
    if directory is not None:
        drop_dead_processes(directory)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
        for collector in extra:
            registry.register(collector)
        return generate_latest(registry)
    body = generate_latest(REGISTRY)
    if not extra:
        return body
    scrape = CollectorRegistry()
    for collector in extra:
        scrape.register(collector)
    return body + generate_latest(scrape)
