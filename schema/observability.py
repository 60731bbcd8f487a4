"""What operators see of the API: a request id per HTTP request and WebSocket (bound on
every log line and returned as `X-Request-Id`), per-operation metrics, and `/metrics`."""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from typing import Any

from graphql import OperationDefinitionNode, parse
from graphql import OperationType as GraphQLOperationType
from graphql.error import GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType
from structlog.contextvars import bind_contextvars, bound_contextvars

from db.engine import Database
from resolvers.telemetry import job_counts
from settings import Settings
from workers.logs import request_id_from
from workers.metrics import (
    CONTENT_TYPE_LATEST,
    GRAPHQL_LATENCY,
    GRAPHQL_REQUESTS,
    WEBSOCKETS_ACTIVE,
    JobCounts,
    operation_label,
    render,
)

__all__ = ["OperationMetrics", "RequestIds", "metrics_response", "subscription_name"]


class RequestIds:
    """ASGI middleware: one request id per HTTP request or WebSocket connection, taken from a
    well-formed incoming `X-Request-Id` (a proxy's) or made up; kept in `scope["state"]`,
    bound for logging, and sent back as `X-Request-Id`. Counts open WebSockets too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                header = value.decode("latin-1")
                break
        request_id = request_id_from(header)
        scope.setdefault("state", {})["request_id"] = request_id
        with bound_contextvars(request_id=request_id):
            if scope["type"] == "http":
                await self.app(scope, receive, _with_request_id(send, request_id))
            else:
                await self._websocket(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        accepted = False

        async def counting_send(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS_ACTIVE.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKETS_ACTIVE.dec()


def _with_request_id(send: Send, request_id: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
            headers.append((b"x-request-id", request_id.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending


class OperationMetrics(SchemaExtension):
    """Count and time each query and mutation by (bounded) operation name, and bind the
    operation's name for every log line written while it runs. Subscriptions are counted
    when they start, by the WebSocket handler (one shared execution serves many)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        ctx = self.execution_context
        with bound_contextvars(operation=_operation_name(ctx) or "-"):
            yield
        try:
            kind = ctx.operation_type
        except (RuntimeError, ValueError):  # no document (a syntax error) or no such operation
            kind = None
        if kind is OperationType.SUBSCRIPTION:
            return
        label = operation_label(_operation_name(ctx))
        type_ = kind.value if kind is not None else "unknown"
        GRAPHQL_REQUESTS.labels(label, type_).inc()
        GRAPHQL_LATENCY.labels(label, type_).observe(time.perf_counter() - started)

    def on_parse(self) -> Iterator[None]:
        yield
        # The document names the operation when the request did not.
        bind_contextvars(operation=_operation_name(self.execution_context) or "-")


def _operation_name(ctx: Any) -> str | None:
    try:
        name = ctx.operation_name
    except RuntimeError:
        return None
    return name if isinstance(name, str) else None


def subscription_name(query: str, operation_name: str | None) -> str | None:
    """For a WebSocket `subscribe` message: the name of the operation it runs when that is
    a subscription ("" when unnamed), None for a query, a mutation or an unparsable text."""
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        name = definition.name.value if definition.name is not None else ""
        if operation_name is None or name == operation_name:
            if definition.operation is GraphQLOperationType.SUBSCRIPTION:
                return name
            return None
    return None


def _authorised(request: Request, settings: Settings) -> bool:
    if settings.metrics_token is None:
        return True
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), expected.encode())


async def metrics_response(request: Request, settings: Settings, db: Database) -> Response:
    """GET /metrics: the Prometheus text format (every server process's values)."""
    if not _authorised(request, settings):
        return Response(
            "A bearer token is required (METRICS_TOKEN).\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            media_type="text/plain",
        )
    extra = []
    counts = await job_counts(db)
    if counts is not None:
        extra.append(JobCounts(counts))
    return Response(render(extra), media_type=CONTENT_TYPE_LATEST)
