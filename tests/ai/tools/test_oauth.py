"""OAuth2 tool connections against a real authorization server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ai.tools.egress import EgressPolicy, fetch
from ai.tools.oauth import (
    OAuthClient,
    OAuthConnectionError,
    TokenSet,
    authorization_request,
    client_credentials_token,
    exchange_code,
    fresh_token,
    revoke,
)
from tests.ai.tools.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer

CALLBACK = "https://crm.example.com/oauth/callback"


@pytest.fixture
def server() -> Iterator[OAuthServer]:
    running = OAuthServer().start()
    yield running
    running.stop()


def setup(server: OAuthServer) -> tuple[OAuthClient, EgressPolicy]:
    client = OAuthClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        token_url=f"{server.base_url}/token",
        authorize_url=f"{server.base_url}/authorize",
        revoke_url=f"{server.base_url}/revoke",
        redirect_uri=CALLBACK,
        scopes=("orders:read",),
    )
    return client, EgressPolicy(allowed_hosts=(f"127.0.0.1:{server.port}",))


async def call_api(server: OAuthServer, policy: EgressPolicy, token: TokenSet) -> int:
    response = await fetch(
        "GET",
        f"{server.base_url}/api/whoami",
        policy=policy,
        headers={"Authorization": f"Bearer {token.access_token}"},
    )
    return response.status_code


async def connect_with_pkce(
    server: OAuthServer, client: OAuthClient, policy: EgressPolicy
) -> TokenSet:
    start = authorization_request(client, policy)
    query = parse_qs(urlsplit(start.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert start.code_verifier not in start.url  # only its hash travels
    # The admin's browser: the server approves and redirects to our callback.
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(start.url)
    callback = parse_qs(urlsplit(answer.headers["location"]).query)
    assert callback["state"] == [start.state]
    return await exchange_code(client, policy, callback["code"][0], start.code_verifier)


async def test_client_credentials_give_a_token_the_tool_api_accepts(server: OAuthServer) -> None:
    client, policy = setup(server)
    token = await client_credentials_token(client, policy)
    assert token.refresh_token is None
    assert token.expires_at is not None
    assert await call_api(server, policy, token) == 200


async def test_authorization_code_with_pkce_connects_the_tool(server: OAuthServer) -> None:
    client, policy = setup(server)
    token = await connect_with_pkce(server, client, policy)
    assert token.refresh_token is not None
    assert await call_api(server, policy, token) == 200


async def test_a_wrong_pkce_verifier_is_refused(server: OAuthServer) -> None:
    client, policy = setup(server)
    start = authorization_request(client, policy)
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(start.url)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    with pytest.raises(OAuthConnectionError, match="reconnect the tool"):
        await exchange_code(client, policy, code, "not-the-verifier" * 4)


async def test_a_token_near_expiry_is_refreshed_and_a_good_one_is_kept(
    server: OAuthServer,
) -> None:
    client, policy = setup(server)
    token = await connect_with_pkce(server, client, policy)
    assert await fresh_token(client, policy, token) is token
    expiring = replace(token, expires_at=0.0)
    refreshed = await fresh_token(client, policy, expiring)
    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token == token.refresh_token
    assert server.grants.count("refresh_token") == 1
    assert await call_api(server, policy, refreshed) == 200


async def test_a_revoked_grant_is_a_clear_error(server: OAuthServer) -> None:
    client, policy = setup(server)
    token = await connect_with_pkce(server, client, policy)
    await revoke(client, policy, token)
    assert await call_api(server, policy, token) == 401
    with pytest.raises(OAuthConnectionError) as caught:
        await fresh_token(client, policy, replace(token, expires_at=0.0))
    message = str(caught.value)
    assert "revoked or has expired" in message
    assert "an admin must reconnect the tool" in message
    assert CLIENT_SECRET not in message
    assert token.refresh_token is not None
    assert token.refresh_token not in message


async def test_wrong_client_credentials_say_so(server: OAuthServer) -> None:
    client, policy = setup(server)
    with pytest.raises(OAuthConnectionError, match="client id or secret"):
        await client_credentials_token(replace(client, client_secret="wrong"), policy)


async def test_the_token_endpoint_must_be_allowed(server: OAuthServer) -> None:
    client, _ = setup(server)
    with pytest.raises(Exception, match=r"private or reserved|allowlist"):
        await client_credentials_token(client, EgressPolicy(allowed_hosts=("*",)))


def test_secrets_stay_out_of_reprs() -> None:
    token = TokenSet(access_token="at-123", refresh_token="rt-456")
    client = OAuthClient(client_id="c", client_secret="shh", token_url="https://x/token")
    assert "at-123" not in repr(token)
    assert "rt-456" not in repr(token)
    assert "shh" not in repr(client)
