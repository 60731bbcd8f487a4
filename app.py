"""The ASGI app factory: wires settings, database, schema and routes together."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.temporal_response import TemporalResponse

from ai.factory import build_gateway
from ai.gateway import Gateway
from auth.authenticate import authenticate, credentials_from_header
from auth.client_address import client_address, parse_proxies
from auth.limit_storage import limit_storage
from auth.request_guard import JsonBodyGuard, MultipartGuard, nested_deeper_than
from auth.tokens import TokenError
from dataloaders import Loaders
from db.blobs import BlobStore, blob_store
from db.engine import Database
from resolvers.attachments import DownloadRefused, open_download
from resolvers.context import RequestContext, RequestMeta
from schema import build_schema
from schema.fanout import SubscriptionHub
from schema.ide import GRAPHIQL_ASSETS, GRAPHIQL_PREFIX, offline_graphiql_html
from schema.observability import RequestIds, metrics_response
from schema.websocket import OperationContextHandler
from settings import Settings
from workers.events import Publisher
from workers.jobs import JobQueue, build_job_queue
from workers.jobs.mail import DELIVER_MAIL
from workers.logs import configure_logging
from workers.metrics import observe_ai_call, watch_pool

__all__ = ["Runtime", "app_from_environment", "build_runtime", "create_app"]

_log = logging.getLogger("autocrm")

CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-Api-Key",
    "X-Request-Id",
    "Apollo-Require-Preflight",
]


@dataclass
class Runtime:
    """What the app needs at run time; tests build one around their own database."""

    settings: Settings
    db: Database
    secret_key: str
    rate_limiter: MovingWindowRateLimiter
    # Background jobs: Dramatiq over Redis, or the in-process worker (embedded mode).
    jobs: JobQueue | None = None
    # Realtime fan-out (memory:// or Redis); connected by the app lifespan.
    publisher: Publisher = field(default_factory=Publisher)
    # Attachment bytes: data_dir/files, or S3 when BLOB_URL is set (db.blobs.blob_store).
    blobs: BlobStore | None = None
    # Live subscriptions grouped by document and audience: one execution per event each.
    hub: SubscriptionHub = field(default_factory=SubscriptionHub)
    # The LLM gateway (AI_PROVIDERS): resolvers reach it as ctx.ai, in-process jobs as run.ai.
    ai: Gateway | None = None


class AutoCRMGraphQL(GraphQL[RequestContext, None]):
    # Each WebSocket operation gets its own context and loaders; subscriptions share.
    graphql_transport_ws_handler_class = OperationContextHandler

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            build_schema(runtime.settings),
            graphql_ide="graphiql",
            multipart_uploads_enabled=True,
        )
        self.runtime = runtime
        self.subscription_hub = runtime.hub
        self.allowed_origins = frozenset(runtime.settings.allowed_origins)
        self.trusted_proxies = parse_proxies(runtime.settings.trusted_proxies)

    def decode_json(self, data: str | bytes) -> object:
        """WebSocket messages (HTTP bodies are checked by JsonBodyGuard): JSON nested too
        deeply is invalid JSON (the socket closes with 4400), never a RecursionError."""
        try:
            value = json.loads(data)
        except RecursionError as exc:
            raise json.JSONDecodeError("JSON nested too deeply", "", 0) from exc
        if nested_deeper_than(value, self.runtime.settings.max_json_depth):
            raise json.JSONDecodeError("JSON nested too deeply", "", 0)
        return value

    def encode_json(self, data: object) -> str:
        """Responses and WebSocket frames through orjson (a 50-ticket page encodes in a
        seventh of the stdlib's time); the stdlib for what orjson refuses (an integer
        beyond 64 bits in a JSON scalar). Text, so WebSocket frames stay text frames."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    @property
    def graphql_ide_html(self) -> str:
        return offline_graphiql_html()

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: TemporalResponse | WebSocket | None = None
    ) -> RequestContext:
        runtime = self.runtime
        client = request.client
        ctx = RequestContext(
            db=runtime.db,
            settings=runtime.settings,
            loaders=Loaders(runtime.db),
            meta=RequestMeta(
                ip=client_address(
                    client.host if client else None,
                    request.headers.getlist(runtime.settings.forwarded_header),
                    self.trusted_proxies,
                    header=runtime.settings.forwarded_header,
                ),
                user_agent=request.headers.get("user-agent"),
                request_id=_request_id(request),
            ),
            rate_limiter=runtime.rate_limiter,
            secret_key=runtime.secret_key,
            jobs=runtime.jobs,
            publisher=runtime.publisher,
            blobs=runtime.blobs,
            ai=runtime.ai,
        )
        if isinstance(request, Request):
            try:
                credentials = credentials_from_header(
                    request.headers.get("authorization"), request.headers.get("x-api-key")
                )
                if credentials:
                    ctx.principal = await authenticate(runtime.db, runtime.secret_key, credentials)
            except TokenError as exc:
                ctx.auth_error = str(exc)
        return ctx

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Strawberry leaves an upload's spooled temp files open: close them once done."""
        try:
            return await super().run(request, context, root_value)
        finally:
            if isinstance(request, Request):
                await request.close()

    async def on_ws_connect(self, context: RequestContext) -> dict[str, object] | None:
        """Authenticate a WebSocket from its `connection_init` payload (`authorization`)."""
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        if raw is None:
            return {}  # anonymous: operations that need a user will say so
        if not isinstance(raw, str):
            raise ConnectionRejectionError({"message": "authorization must be a string"})
        try:
            token = raw.split(" ", 1)[1] if raw.lower().startswith("bearer ") else raw
            context.principal = await authenticate(self.runtime.db, self.runtime.secret_key, token)
        except TokenError as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from exc
        return {}


_GC_YOUNG_THRESHOLD = 10_000


def create_app(runtime: Runtime, *, own_database: bool = False) -> Starlette:
    graphql = AutoCRMGraphQL(runtime)

    async def metrics(request: Request) -> Response:
        return await metrics_response(request, runtime.settings, runtime.db)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        # Realtime is reported, not required: every server shares the one Redis, so failing
        # readiness on it would take the whole API down for a degraded live feed.
        realtime = "ok" if runtime.publisher.is_connected else "degraded"
        if await runtime.db.ping():
            return JSONResponse({"status": "ready", "database": "ok", "realtime": realtime})
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "realtime": realtime},
            status_code=503,
        )

    async def download(request: Request) -> Response:
        """GET /files/{id}: an attachment's bytes, for its signed downloadUrl or a header."""
        assert runtime.blobs is not None
        settings = runtime.settings
        presign = settings.s3_link_seconds if settings.s3_downloads == "redirect" else None
        try:
            found = await open_download(
                runtime.db,
                runtime.blobs,
                runtime.secret_key,
                request.path_params["attachment_id"],
                token=request.query_params.get("token"),
                authorization=request.headers.get("authorization"),
                api_key=request.headers.get("x-api-key"),
                presign_seconds=presign,
            )
        except DownloadRefused as exc:
            return JSONResponse(
                {"error": exc.message},
                status_code=exc.status,
                headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
            )
        if found.redirect is not None:
            return RedirectResponse(found.redirect, status_code=307, headers=found.headers)
        assert found.chunks is not None
        return StreamingResponse(found.chunks, media_type=found.content_type, headers=found.headers)

    async def tool_oauth_callback(request: Request) -> Response:
        """Where an authorization server sends the admin back (authorization code + PKCE)."""
        from ai.tools.oauth import OAuthConnectionError
        from resolvers.tools.oauth_flow import finish_tool_oauth

        query = request.query_params
        if "error" in query:
            return PlainTextResponse(f"The tool was not connected: {query['error']}.", 400)
        try:
            name = await finish_tool_oauth(
                runtime.db, runtime.settings, query.get("state", ""), query.get("code", "")
            )
        except OAuthConnectionError as exc:
            return PlainTextResponse(str(exc), 400)
        return PlainTextResponse(f"The tool {name} is connected; you can close this page.")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await runtime.publisher.connect()
        if runtime.jobs is not None:
            await runtime.jobs.start()  # in-process worker; re-sends what a crash left
            if runtime.settings.smtp_url is not None:
                runtime.jobs.kick(DELIVER_MAIL)  # mail left pending by an earlier run
        # Everything loaded by now lives as long as the process: keep it out of the cyclic
        # collector, whose full passes over it stalled live-event fan-out by 300+ ms.
        gc.freeze()
        # A request allocates thousands of short-lived objects (rows, records, result
        # dicts): at the default threshold (700) the young generation was collected about
        # twice per inbox page. A larger one collects as much, a tenth as often.
        gc.set_threshold(_GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            if runtime.jobs is not None:
                await runtime.jobs.stop()
            if runtime.ai is not None:
                await runtime.ai.close()
            await runtime.publisher.disconnect()
            if runtime.blobs is not None:
                await runtime.blobs.aclose()
        if own_database:
            await runtime.db.dispose()

    routes: list[Any] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics, methods=["GET"]),
        Route(
            "/graphql",
            JsonBodyGuard(MultipartGuard(graphql, runtime.settings), runtime.settings),
            methods=["GET", "POST"],
        ),
        Route("/files/{attachment_id}", download, methods=["GET"]),
        Route("/oauth/tools/callback", tool_oauth_callback, methods=["GET"]),
        Mount(GRAPHIQL_PREFIX, StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql"),
        WebSocketRoute("/graphql", graphql),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestIds), cors(runtime.settings)],
    )


def cors(settings: Settings) -> Middleware:
    """CORS for the browser apps in ALLOWED_ORIGINS (the list that guards WebSockets); other
    origins get no CORS headers. Bearer tokens, not cookies: no credentials mode."""
    return Middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_methods=["GET", "POST"],
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=["X-Request-Id"],
        max_age=600,
    )


def build_runtime(settings: Settings, db: Database) -> Runtime:
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    # Several processes share events through Redis when there is one, else through the
    # database itself (LISTEN/NOTIFY); one process keeps them in memory.
    realtime_url = redis_url or (db.url if settings.workers > 1 else None)
    publisher = Publisher(realtime_url)
    watch_pool(db.engine)
    gateway = build_gateway(settings, db, on_call=observe_ai_call)
    rate_limiter = MovingWindowRateLimiter(limit_storage(redis_url))
    return Runtime(
        settings=settings,
        db=db,
        secret_key=settings.resolved_secret_key(),
        rate_limiter=rate_limiter,
        jobs=build_job_queue(db, settings, publisher, ai=gateway, rate_limiter=rate_limiter),
        publisher=publisher,
        blobs=blob_store(settings),
        ai=gateway,
    )


def _request_id(request: Request | WebSocket) -> str:
    """The id RequestIds gave this request (a new one where that middleware is absent)."""
    state = request.scope.get("state") or {}
    found = state.get("request_id")
    return found if isinstance(found, str) else RequestMeta().request_id


def app_from_environment() -> Starlette:
    """One `serve --workers N` process: its own runtime, built from the environment the
    parent set (DATABASE_URL already resolved, migrations already applied)."""
    from db.engine import database_url
    from settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(build_runtime(settings, Database(database_url(settings))), own_database=True)
