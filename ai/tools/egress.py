"""The one HTTP client tools use: an egress allowlist enforced on every hop (SSRF).

- Only `http`/`https` URLs whose host is on the allowlist (`api.example.com`,
  `*.example.com`, or an explicit `host:port`).
- Every address a host resolves to must be public, unless the allowlist names that
  private address explicitly (`127.0.0.1:8080` for a tool server on the same machine) or
  the policy allows private ranges. The check runs again when the TCP connection is made
  (our network backend connects only to an address it has checked), so a DNS answer that
  changes between check and connect cannot slip through.
- Redirects are followed by hand, at most `max_redirects`, each hop checked again;
  credentials are dropped when a redirect leaves the original host.
- One deadline for the whole exchange and a cap on the response size.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import importlib
import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

__all__ = [
    "EgressPolicy",
    "EgressRefused",
    "EgressResponse",
    "ResponseTooLarge",
    "checked_transport",
    "fetch",
]

_REDIRECTS = {301, 302, 303, 307, 308}
_CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization", "x-api-key"}


class EgressRefused(Exception):
    """The request would leave for a destination the policy does not allow."""


class ResponseTooLarge(Exception):
    """The answer is larger than the tool's limit."""


@dataclass(frozen=True, slots=True)
class EgressPolicy:
    allowed_hosts: tuple[str, ...] = ()
    allow_private: bool = False

    def allows_host(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        for entry in self.allowed_hosts:
            pattern, _, entry_port = entry.lower().rpartition(":")
            if not pattern or not entry_port.isdigit() or "]" in entry_port:
                pattern, entry_port = entry.lower(), ""
            pattern = pattern.strip("[]")
            if entry_port and int(entry_port) != port:
                continue
            if fnmatch.fnmatchcase(host, pattern):
                return True
        return False

    def allows_address(self, port: int, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_multicast or ip.is_unspecified:
            return False
        if ip.is_global or self.allow_private:
            return True
        # A private address only when the allowlist names it literally, with its port.
        literal = f"{ip}:{port}" if ip.version == 4 else f"[{ip}]:{port}"
        return literal in {entry.lower() for entry in self.allowed_hosts}


@dataclass(frozen=True, slots=True)
class EgressResponse:
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    redirects: tuple[str, ...] = field(default=())

    def json(self) -> Any:
        return httpx.Response(200, content=self.content).json()


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise EgressRefused(f"{host} does not resolve ({exc.strerror}).") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def _checked_addresses(policy: EgressPolicy, host: str, port: int) -> list[str]:
    addresses = await _resolve(host, port)
    refused = [a for a in addresses if not policy.allows_address(port, a)]
    if refused:
        raise EgressRefused(
            f"{host} resolves to a private or reserved address ({refused[0]}); "
            "add it to the tool's allowlist explicitly to allow it."
        )
    return addresses


@functools.cache
def _checked_backend_class(core: ModuleType) -> type[Any]:
    """A network backend for `core` (httpcore, or httpcore2 under the httpx2 that the
    OpenAI/Anthropic SDKs and authlib use) that connects only to addresses the policy
    allows, checked at connect time."""

    class CheckedBackend(core.AsyncNetworkBackend):  # type: ignore[name-defined,misc]
        def __init__(self, policy: EgressPolicy) -> None:
            self._policy = policy
            self._inner = core.AnyIOBackend()

        async def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> Any:
            addresses = await _checked_addresses(self._policy, host, port)
            return await self._inner.connect_tcp(
                addresses[0], port, timeout, local_address, socket_options
            )

        async def connect_unix_socket(
            self,
            path: str,
            timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
            socket_options: Iterable[Any] | None = None,
        ) -> Any:
            raise EgressRefused("Unix sockets are not reachable by tools.")

        async def sleep(self, seconds: float) -> None:
            await self._inner.sleep(seconds)

    return CheckedBackend


def checked_transport(policy: EgressPolicy, http: ModuleType = httpx) -> Any:
    """An `http.AsyncHTTPTransport` (httpx or httpx2) that connects only to addresses
    `policy` allows, for clients built by libraries (e.g. authlib's OAuth2 client); such
    clients must not follow redirects."""
    transport = http.AsyncHTTPTransport(retries=0)
    pool = transport._pool
    core = importlib.import_module(type(pool).__module__.split(".")[0])
    # httpx has no public hook for the network backend; httpcore's pool takes one.
    pool._network_backend = _checked_backend_class(core)(policy)
    return transport


def _client(policy: EgressPolicy) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=checked_transport(policy), follow_redirects=False, trust_env=False
    )


def _check_url(policy: EgressPolicy, url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise EgressRefused(f"Only http and https URLs are allowed, not {parts.scheme!r}.")
    if not parts.hostname:
        raise EgressRefused("The URL has no host.")
    if parts.username or parts.password:
        raise EgressRefused("Credentials in the URL are not allowed; use the tool's auth.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not policy.allows_host(parts.hostname, port):
        raise EgressRefused(f"{parts.hostname}:{port} is not on the tool's egress allowlist.")
    return parts.hostname, port


async def fetch(
    method: str,
    url: str,
    *,
    policy: EgressPolicy,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    deadline: float = 5.0,
    max_bytes: int = 1024 * 1024,
    max_redirects: int = 3,
) -> EgressResponse:
    """One request (and its redirects) under `policy`, within `deadline` seconds in all."""
    async with asyncio.timeout(deadline), _client(policy) as client:
        hops: list[str] = []
        origin = _check_url(policy, url)
        send_headers = dict(headers or {})
        body = json
        while True:
            host, port = _check_url(policy, url)
            await _checked_addresses(policy, host, port)
            if (host, port) != origin:
                send_headers = {
                    k: v for k, v in send_headers.items() if k.lower() not in _CREDENTIAL_HEADERS
                }
            request = client.build_request(
                method, url, json=body, headers=send_headers, timeout=deadline
            )
            response = await client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    if len(hops) >= max_redirects:
                        raise EgressRefused(f"More than {max_redirects} redirects.")
                    hops.append(url)
                    url = urljoin(url, location)
                    if response.status_code == 303 or (
                        response.status_code in {301, 302} and method.upper() == "POST"
                    ):
                        method, body = "GET", None
                    continue
                content = await _read_capped(response, max_bytes)
                return EgressResponse(
                    response.status_code, dict(response.headers), content, url, tuple(hops)
                )
            finally:
                await response.aclose()


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"The answer is {declared} bytes; the limit is {max_bytes}.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"The answer is over the {max_bytes}-byte limit.")
        chunks.append(chunk)
    return b"".join(chunks)
