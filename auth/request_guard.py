"""Guards for requests to /graphql, applied before any parsing: multipart (file upload)
requests here, every other body in JsonBodyGuard below.

- CSRF: a browser sends multipart/form-data cross-site without a CORS preflight, so such
  a request must carry a header no plain HTML form can set: our credentials
  (Authorization, X-Api-Key) or one of the preflight headers Apollo clients send
  (Apollo-Require-Preflight, X-Apollo-Operation-Name, GraphQL-Require-Preflight).
- Size: the body may be at most settings.max_upload_bytes plus a small allowance for the
  form fields. A declared Content-Length over it is refused at once (413); a chunked or
  lying body is counted as it streams in and cut off at the limit, so an oversized upload
  is never read whole, neither into memory nor into the multipart spool file.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings

__all__ = [
    "FORM_ALLOWANCE",
    "PREFLIGHT_HEADERS",
    "JsonBodyGuard",
    "MultipartGuard",
    "nested_deeper_than",
]

# `operations` and `map` fields, part headers and boundaries around the file(s).
FORM_ALLOWANCE = 256 * 1024
PREFLIGHT_HEADERS = (
    "authorization",
    "x-api-key",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-require-preflight",
)


class _BodyTooLarge(Exception):
    pass


class MultipartGuard:
    """Wraps the GraphQL ASGI app; everything but multipart POSTs passes straight through."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "multipart/form-data":
            await self.app(scope, receive, send)
            return
        if not any(name in headers for name in PREFLIGHT_HEADERS):
            response = JSONResponse(
                {
                    "errors": [
                        {
                            "message": "File uploads need credentials (Authorization) or an "
                            "'Apollo-Require-Preflight: true' header (CSRF protection).",
                            "extensions": {"code": "CSRF_PREVENTED"},
                        }
                    ]
                },
                status_code=400,
            )
            await response(scope, receive, send)
            return
        limit = self.settings.max_upload_bytes + FORM_ALLOWANCE
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit_mb = self.settings.max_upload_bytes / (1024 * 1024)
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"The request is too large: files are at most "
                        f"{limit_mb:.3g} MB.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class JsonBodyGuard:
    """Wraps /graphql in front of MultipartGuard: every other POST body is read here, in
    chunks, and refused once it passes settings.max_request_bytes (413) — before any of
    it is parsed. A JSON body must then parse and nest at most settings.max_json_depth
    arrays/objects deep (400); the same goes for GET's `variables` and `extensions`.
    Deeply nested JSON otherwise reaches recursive code (variable coercion) and fails as
    a bare 500. Multipart uploads pass through untouched: MultipartGuard limits them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method")
        if method == "GET":
            problem = self._query_string_problem(scope)
            if problem is not None:
                await _refuse(scope, receive, send, 400, *problem)
                return
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if method != "POST" or content_type == "multipart/form-data":
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_request_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: nobody to answer
            body += message.get("body", b"")
            if len(body) > limit:
                await self._too_large(scope, receive, send)
                return
            more = bool(message.get("more_body", False))
        if content_type == "application/json" or content_type.endswith("+json"):
            problem = _json_problem(bytes(body), self.settings.max_json_depth)
            if problem is not None:
                await _refuse(scope, receive, send, 400, *problem)
                return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _query_string_problem(self, scope: Scope) -> tuple[str, str] | None:
        params = QueryParams(scope.get("query_string", b"").decode("latin-1"))
        for name in ("variables", "extensions"):
            raw = params.get(name)
            if raw:
                problem = _json_problem(raw.encode(), self.settings.max_json_depth)
                if problem is not None:
                    return problem
        return None

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit_kb = self.settings.max_request_bytes // 1024
        await _refuse(
            scope,
            receive,
            send,
            413,
            f"The request body is larger than {limit_kb} KB: ask for less per request "
            "(files go as multipart uploads).",
            "PAYLOAD_TOO_LARGE",
            headers={"Connection": "close"},
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hands the body, already read, to the app as one message; then the real channel."""
    delivered = False

    async def replayed() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _json_problem(raw: bytes, max_depth: int) -> tuple[str, str] | None:
    """(message, code) when `raw` is not JSON or nests deeper than `max_depth`."""
    try:
        value = json.loads(raw)
    except RecursionError:
        return _too_deep(max_depth)
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bad bytes
        return f"The request body is not valid JSON: {exc}.", "INVALID_JSON"
    return _too_deep(max_depth) if nested_deeper_than(value, max_depth) else None


def nested_deeper_than(value: object, max_depth: int) -> bool:
    """Whether parsed JSON nests arrays/objects more than `max_depth` deep (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(max_depth: int) -> tuple[str, str]:
    return (
        f"The JSON nests arrays and objects more than {max_depth} levels deep; "
        "flatten the variables.",
        "JSON_TOO_DEEP",
    )


async def _refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    code: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )
    await response(scope, receive, send)
