"""A real OAuth2 authorization server on 127.0.0.1 (client credentials, authorization code
with PKCE S256, refresh, RFC 7009 revocation) and a resource endpoint that checks tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.smtp import free_port

CLIENT_ID = "autocrm-tools"
CLIENT_SECRET = "s3cr3t-client-secret"


@dataclass
class OAuthServer:
    access_ttl: int = 3600
    port: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)  # access token → refresh token or ""
    refresh: dict[str, bool] = field(default_factory=dict)  # refresh token → revoked?
    grants: list[str] = field(default_factory=list)
    _server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return (user, password) == (CLIENT_ID, CLIENT_SECRET)
        return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)

    def _issue(self, refresh_token: str | None) -> JSONResponse:
        access = secrets.token_urlsafe(16)
        self.access[access] = refresh_token or ""
        body: dict[str, object] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
        }
        if refresh_token:
            body["refresh_token"] = refresh_token
        return JSONResponse(body, headers={"cache-control": "no-store"})

    @staticmethod
    def _error(code: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": code}, status_code=status)

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("code_challenge_method") != "S256":
            return self._error("invalid_request")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
        }
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return RedirectResponse(target, status_code=302)

    async def _token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not self._client_ok(request, form):
            return self._error("invalid_client", 401)
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if grant == "client_credentials":
            return self._issue(None)
        if grant == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if issued is None or issued["challenge"] != challenge:
                return self._error("invalid_grant")
            if issued["redirect_uri"] != form.get("redirect_uri"):
                return self._error("invalid_grant")
            refresh = secrets.token_urlsafe(16)
            self.refresh[refresh] = False
            return self._issue(refresh)
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if self.refresh.get(token, True):
                return self._error("invalid_grant")
            return self._issue(token)
        return self._error("unsupported_grant_type")

    async def _revoke(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not self._client_ok(request, form):
            return self._error("invalid_client", 401)
        token = form.get("token", "")
        if token in self.refresh:
            self.refresh[token] = True
            for access, parent in list(self.access.items()):
                if parent == token:
                    del self.access[access]
        self.access.pop(token, None)
        return Response(status_code=200)

    async def _whoami(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.access:
            return self._error("invalid_token", 401)
        return JSONResponse({"client": CLIENT_ID})

    def start(self) -> OAuthServer:
        app = Starlette(
            routes=[
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/revoke", self._revoke, methods=["POST"]),
                Route("/api/whoami", self._whoami),
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
                raise RuntimeError("OAuth server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        assert self._server is not None
        self._server.should_exit = True
