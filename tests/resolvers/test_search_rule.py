"""One rule for every search argument: blank is no search; text with no letter or digit,
or over 200 characters, is BAD_USER_INPUT (never "everything" or "nobody")."""

from __future__ import annotations

from typing import Any

import pytest

from db.engine import Database
from tests.conftest import ApiClient
from tests.resolvers.ticket_helpers import make_customer, make_team, staff_ticket

TICKETS = "query ($s: String) { tickets(filter: {search: $s}) { totalCount } }"
CUSTOMERS = "query ($s: String) { customers(filter: {search: $s}) { totalCount } }"
TEAMS = "query ($s: String) { teams(search: $s) { totalCount } }"
USERS = "query ($s: String) { users(filter: {search: $s}) { totalCount } }"

SEARCHES = [
    pytest.param(TICKETS, "tickets", id="tickets"),
    pytest.param(CUSTOMERS, "customers", id="customers"),
    pytest.param(TEAMS, "teams", id="teams"),
    pytest.param(USERS, "users", id="users"),
]


@pytest.fixture
async def one_of_each(db: Database, admin: ApiClient) -> None:
    acme = await make_customer(db)
    await staff_ticket(admin, acme.id, subject="Printer on fire")
    await make_team(db, "Billing")


async def total(client: ApiClient, query: str, field: str, search: str | None) -> Any:
    data = await client.data(query, {"s": search})
    return data[field]["totalCount"]


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize(("query", "field"), SEARCHES)
async def test_punctuation_only_search_is_bad_user_input(
    admin: ApiClient, query: str, field: str
) -> None:
    body = await admin.post(query, {"s": "?!-- ..."})

    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "Search has no letters or digits."


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize(("query", "field"), SEARCHES)
async def test_blank_search_lists_everything(admin: ApiClient, query: str, field: str) -> None:
    assert await total(admin, query, field, "   ") == await total(admin, query, field, None) > 0


@pytest.mark.parametrize(("query", "field"), SEARCHES)
async def test_search_over_200_characters_is_bad_user_input(
    admin: ApiClient, query: str, field: str
) -> None:
    body = await admin.post(query, {"s": "a" * 201})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "200" in body["errors"][0]["message"]


@pytest.mark.usefixtures("one_of_each")
async def test_punctuation_around_words_is_ignored(admin: ApiClient) -> None:
    assert await total(admin, TICKETS, "tickets", "(printer)!") == 1
    assert await total(admin, TEAMS, "teams", "  bill ") == 1
