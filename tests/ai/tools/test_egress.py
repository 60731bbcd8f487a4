"""Tools' HTTP client: the egress allowlist holds on every hop (SSRF)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ai.tools.egress import EgressPolicy, EgressRefused, ResponseTooLarge, fetch
from tests.ai.tools.tool_server import ToolServer


@pytest.fixture(scope="module")
def server() -> Iterator[ToolServer]:
    running = ToolServer().start()
    yield running
    running.stop()


def allowed(server: ToolServer) -> EgressPolicy:
    return EgressPolicy(allowed_hosts=(f"127.0.0.1:{server.port}",))


async def test_an_allowed_tool_server_answers(server: ToolServer) -> None:
    response = await fetch("GET", f"{server.base_url}/orders/A-17", policy=allowed(server))
    assert response.status_code == 200
    assert response.json() == {"order": "A-17", "status": "shipped"}


async def test_loopback_is_refused_unless_named_explicitly(server: ToolServer) -> None:
    with pytest.raises(EgressRefused, match="not on the tool's egress allowlist"):
        await fetch("GET", f"{server.base_url}/orders/1", policy=EgressPolicy())
    # A hostname on the allowlist that resolves to a private address is still refused.
    by_name = EgressPolicy(allowed_hosts=("localhost",))
    with pytest.raises(EgressRefused, match="private or reserved address"):
        await fetch("GET", f"http://localhost:{server.port}/orders/1", policy=by_name)
    everything = EgressPolicy(allowed_hosts=("*",))
    with pytest.raises(EgressRefused, match="private or reserved address"):
        await fetch("GET", f"{server.base_url}/orders/1", policy=everything)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://0.0.0.0:80/",
        "http://192.168.1.1/",
    ],
)
async def test_private_and_metadata_addresses_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused):
        await fetch("GET", url, policy=EgressPolicy(allowed_hosts=("*",)), deadline=2)


async def test_other_schemes_and_credentials_in_urls_are_refused(server: ToolServer) -> None:
    with pytest.raises(EgressRefused, match="Only http and https"):
        await fetch("GET", "file:///etc/passwd", policy=allowed(server))
    with pytest.raises(EgressRefused, match="Credentials in the URL"):
        await fetch("GET", f"http://u:p@127.0.0.1:{server.port}/", policy=allowed(server))


async def test_a_redirect_to_a_forbidden_host_is_refused(server: ToolServer) -> None:
    for target in ("http://169.254.169.254/latest/meta-data/", "http://evil.example/"):
        with pytest.raises(EgressRefused):
            await fetch("GET", f"{server.base_url}/redirect?to={target}", policy=allowed(server))


async def test_an_allowed_redirect_is_followed_and_recorded(server: ToolServer) -> None:
    response = await fetch(
        "GET", f"{server.base_url}/redirect?to=/orders/B-2", policy=allowed(server)
    )
    assert response.json()["order"] == "B-2"
    assert response.redirects == (f"{server.base_url}/redirect?to=/orders/B-2",)


async def test_redirect_loops_are_cut(server: ToolServer) -> None:
    loop = f"{server.base_url}/redirect?to=/redirect%3Fto%3D/redirect%253Fto%253D/orders/1"
    with pytest.raises(EgressRefused, match="More than 1 redirects"):
        await fetch("GET", loop, policy=allowed(server), max_redirects=1)


async def test_an_oversized_answer_is_refused(server: ToolServer) -> None:
    with pytest.raises(ResponseTooLarge):
        await fetch("GET", f"{server.base_url}/big", policy=allowed(server), max_bytes=100_000)


async def test_credentials_do_not_follow_a_redirect_to_another_origin(server: ToolServer) -> None:
    other = ToolServer().start()
    try:
        policy = EgressPolicy(allowed_hosts=(f"127.0.0.1:{server.port}", f"127.0.0.1:{other.port}"))
        response = await fetch(
            "GET",
            f"{server.base_url}/redirect?to={other.base_url}/orders/C-3",
            policy=policy,
            headers={"Authorization": "Bearer tool-secret"},
        )
        assert response.json()["order"] == "C-3"
        assert server.seen_headers[-1]["authorization"] == "Bearer tool-secret"
        assert "authorization" not in other.seen_headers[-1]
    finally:
        other.stop()
