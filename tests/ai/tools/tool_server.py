"""A real HTTP tool server on 127.0.0.1: JSON answers, redirects, an oversized answer."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.smtp import free_port


@dataclass
class ToolServer:
    port: int = 0
    seen_headers: list[dict[str, str]] = field(default_factory=list)
    _server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _order(self, request: Request) -> Response:
        self.seen_headers.append(dict(request.headers))
        return JSONResponse({"order": request.path_params["number"], "status": "shipped"})

    async def _redirect(self, request: Request) -> Response:
        self.seen_headers.append(dict(request.headers))
        return RedirectResponse(request.query_params["to"], status_code=302)

    async def _big(self, request: Request) -> Response:
        return Response(b"x" * 2_000_000, media_type="application/octet-stream")

    def start(self) -> ToolServer:
        app = Starlette(
            routes=[
                Route("/orders/{number}", self._order),
                Route("/redirect", self._redirect),
                Route("/big", self._big),
            ]
        )
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("tool server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        assert self._server is not None
        self._server.should_exit = True
