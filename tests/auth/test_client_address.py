"""The client address behind reverse proxies: forwarding headers count only from a trusted
proxy, and then the right-most address that is not a trusted proxy is the client."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from auth.client_address import client_address, parse_proxies
from db.engine import Database
from db.models import AuthSession
from settings import Settings
from tests.auth.support import LOGIN
from tests.conftest import TEST_PASSWORD, ApiClient, make_user

PROXY = "203.0.113.7"  # the test client's TCP address (tests/conftest.py)
TRUSTED = parse_proxies(["203.0.113.0/28", "10.0.0.0/8"])


def test_header_from_an_untrusted_peer_is_ignored() -> None:
    assert client_address("198.51.100.1", ["192.0.2.66"], TRUSTED) == "198.51.100.1"


def test_header_is_ignored_when_no_proxy_is_trusted() -> None:
    assert client_address(PROXY, ["192.0.2.66"], ()) == PROXY


def test_trusted_proxy_names_the_client() -> None:
    assert client_address(PROXY, ["192.0.2.66"], TRUSTED) == "192.0.2.66"


def test_spoofed_left_part_of_the_chain_is_not_believed() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the real address.
    assert client_address(PROXY, ["1.2.3.4, 192.0.2.66"], TRUSTED) == "192.0.2.66"


def test_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    header = ["1.2.3.4, 192.0.2.66, 10.1.2.3", "10.9.9.9"]

    assert client_address(PROXY, header, TRUSTED) == "192.0.2.66"


def test_all_trusted_chain_gives_the_left_most_hop() -> None:
    assert client_address(PROXY, ["10.0.0.5, 10.0.0.6"], TRUSTED) == "10.0.0.5"


def test_garbage_in_the_chain_stops_at_the_nearest_trusted_hop() -> None:
    assert client_address(PROXY, ["192.0.2.66, unknown, 10.0.0.6"], TRUSTED) == "10.0.0.6"


def test_forwarded_header_is_read_when_configured() -> None:
    header = ['for=1.2.3.4, for="[2001:db8::17]:4711";proto=https, for=10.0.0.6']

    assert client_address(PROXY, header, TRUSTED, header="forwarded") == "2001:db8::17"


def test_addresses_with_ports_are_understood() -> None:
    assert client_address(PROXY, ["192.0.2.66:5555"], TRUSTED) == "192.0.2.66"


def test_bad_trusted_proxy_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="not-an-ip"):
        Settings(trusted_proxies=["not-an-ip"], _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"trusted_proxies": ["203.0.113.0/28"]})


async def session_ip(db: Database) -> str | None:
    async with db.sessions() as session:
        ip: str | None = (await session.execute(select(AuthSession.ip))).scalar_one()
        return ip


async def login(anonymous: ApiClient, email: str) -> None:
    data = await anonymous.data(LOGIN, {"input": {"email": email, "password": TEST_PASSWORD}})
    assert data["login"]["errors"] == []


async def test_login_behind_trusted_proxy_records_the_forwarded_client(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    anonymous.headers["X-Forwarded-For"] = "6.6.6.6, 192.0.2.66"

    await login(anonymous, user.email)

    assert await session_ip(db) == "192.0.2.66"


async def test_forwarded_header_from_an_untrusted_peer_is_not_recorded(
    app: Starlette, db: Database
) -> None:
    user = await make_user(db, role="agent")
    transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        direct = ApiClient(http=http, headers={"X-Forwarded-For": "192.0.2.66"})

        await login(direct, user.email)

    assert await session_ip(db) == "198.51.100.1"
