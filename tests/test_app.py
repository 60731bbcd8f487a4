"""Health endpoints and GraphiQL, through the real ASGI app."""

from __future__ import annotations

import httpx


async def test_healthz_answers_without_a_database_round_trip(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database_reachable(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_browser_gets_graphiql_at_graphql(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_every_response_can_be_traced_by_request_id(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"X-Request-Id": "trace-me-123"},
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": None}


async def test_graphiql_loads_only_assets_this_server_serves(http: httpx.AsyncClient) -> None:
    """Air-gapped by default: the IDE page names no CDN, and every asset it names is here
    with the bytes its integrity hash promises (or the browser would refuse it)."""
    import base64
    import hashlib
    import re

    page = (await http.get("/graphql", headers={"Accept": "text/html"})).text
    assets = re.findall(r'(?:src|href)="(/graphiql/[^"]+)"\s+integrity="sha384-([^"]+)"', page)

    assert "unpkg.com" not in page
    assert len(assets) == 7
    for path, expected in assets:
        response = await http.get(path)
        assert response.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert digest == expected, path
