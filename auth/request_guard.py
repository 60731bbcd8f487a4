"""Guards for multipart (file upload) requests to /graphql, applied before any parsing.

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

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings

__all__ = ["FORM_ALLOWANCE", "PREFLIGHT_HEADERS", "MultipartGuard"]

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
