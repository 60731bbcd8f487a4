"""CORS: browser apps on the origins in ALLOWED_ORIGINS may call the API; others get no
CORS headers (so the browser keeps the response from them)."""

from __future__ import annotations

import httpx
import pytest

from settings import Settings

FRONTEND = "https://app.example.com"
STRANGER = "https://evil.example.net"
VIEWER = {"query": "{ viewer { email } }"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allowed_origins": [FRONTEND]})


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_from_an_allowed_origin_is_answered(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight(FRONTEND))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-api-key", "apollo-require-preflight"):
        assert header in allowed


async def test_preflight_from_another_origin_gets_no_cors_grant(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers=preflight(STRANGER))

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_post_from_an_allowed_origin_may_be_read_by_the_page(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/graphql", json=VIEWER, headers={"Origin": FRONTEND})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_post_from_another_origin_carries_no_cors_grant(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json=VIEWER, headers={"Origin": STRANGER})

    assert "access-control-allow-origin" not in response.headers
