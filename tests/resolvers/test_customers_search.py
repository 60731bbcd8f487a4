"""The customers connection: free-text search by every route, filters, ordering, cursor
pagination both ways, page-size and cursor errors, and a flat SQL statement count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, text

from db.engine import Database
from db.models import Customer
from tests.conftest import ApiClient
from tests.resolvers.customer_data import customer_count, gid, seed_customer

CUSTOMERS = """
query List($filter: CustomerFilter, $orderBy: CustomerOrder,
           $first: Int, $after: String, $last: Int, $before: String) {
  customers(filter: $filter, orderBy: $orderBy,
            first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
  }
}
"""

CUSTOMERS_WITH_CONTACTS = """
query { customers(first: 100) { totalCount edges { node { name emails phones tags } } } }
"""

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def people(db: Database) -> dict[str, Customer]:
    rows = [
        ("John Smith", ["john.smith@acme.com"], ["+14155552671"], "Acme Corp", ["vip", "beta"]),
        ("Jane Smithson", ["jane@globex.com"], ["+442079460958"], "Globex", ["vip"]),
        ("Bob Stone", ["bob_stone@initech.com"], ["+12125550100"], "Initech", ["beta"]),
        ("Johanna Berg", ["jberg@acme.com"], [], "ACME Corp", []),
        ("Zoë Ångström", ["zoe@example.se"], ["+46701234567"], None, []),
    ]
    found = {}
    for i, (name, emails, phones, company, tags) in enumerate(rows):
        found[name] = await seed_customer(
            db,
            name,
            emails=emails,
            phones=phones,
            company=company,
            tags=tags,
            created_at=T0 + timedelta(days=i),
        )
    return found


async def names(client: ApiClient, **variables: Any) -> list[str]:
    data = await client.data(CUSTOMERS, variables)
    return [edge["node"]["name"] for edge in data["customers"]["edges"]]


async def search(client: ApiClient, text: str) -> list[str]:
    return sorted(await names(client, filter={"search": text}))


# --- search -----------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Jo", ["Johanna Berg", "John Smith"], id="name-prefix"),
        pytest.param("smi", ["Jane Smithson", "John Smith"], id="second-word-prefix"),
        pytest.param("John Sm", ["John Smith"], id="two-word-prefixes"),
        pytest.param("smith JOHN", ["John Smith"], id="any-word-order-and-case"),
        pytest.param("acm", ["Johanna Berg", "John Smith"], id="company-prefix"),
        pytest.param("zoë", ["Zoë Ångström"], id="non-ascii-name"),
        pytest.param("jane@glo", ["Jane Smithson"], id="email-prefix"),
        pytest.param("JOHN.SMITH@", ["John Smith"], id="email-prefix-any-case"),
        pytest.param("bob_st", ["Bob Stone"], id="email-prefix-with-underscore"),
        pytest.param("+1 415 555", ["John Smith"], id="international-phone-prefix"),
        pytest.param("(415) 555-26", ["John Smith"], id="national-phone-prefix"),
        pytest.param("+44 20 79", ["Jane Smithson"], id="foreign-phone-prefix"),
        pytest.param("0046 70", ["Zoë Ångström"], id="00-phone-prefix"),
        pytest.param("Jonh Smiht", ["John Smith"], id="typos-in-both-words"),
        pytest.param("Smiht", ["John Smith"], id="typo-in-one-word"),
        pytest.param("Jonh", ["John Smith"], id="typo-in-first-name"),
        pytest.param("Jonh Smi", ["John Smith"], id="typo-and-a-word-start"),
        pytest.param("Smtih", ["John Smith"], id="swapped-letters"),
        pytest.param("Jane Smitsohn", ["Jane Smithson"], id="typo-in-a-long-word"),
        pytest.param("john", ["John Smith"], id="exact-match-hides-similar-names"),
        pytest.param("Johana Berg", ["Johanna Berg"], id="missing-letter"),
        pytest.param(
            "   ",
            ["Bob Stone", "Jane Smithson", "Johanna Berg", "John Smith", "Zoë Ångström"],
            id="blank-is-no-filter",
        ),
    ],
)
async def test_search_finds_customers(agent: ApiClient, text: str, expected: list[str]) -> None:
    assert await search(agent, text) == expected


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE customers; --",
        "%",
        "%%",
        "_",
        "\\",
        "\\%",
        ":*",
        "jo:*",
        "&|!()",
        "john & !smith",
        "smith | bob",
        "' OR 1=1 --",
        "<->",
    ],
)
async def test_sql_and_tsquery_metacharacters_match_nothing_unexpected(
    agent: ApiClient, db: Database, text: str
) -> None:
    if not any(ch.isalnum() for ch in text):
        # Punctuation alone is no search (resolvers/search.py): refused, not "nobody".
        body = await agent.post(CUSTOMERS, {"filter": {"search": text}})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert await customer_count(db) == 5
        return
    found = await search(agent, text)

    expected = {
        "jo:*": ["Johanna Berg", "John Smith"],  # the word "jo"; the rest is punctuation
        "john & !smith": ["John Smith"],  # words john + smith, not a negation
    }.get(text, [])
    if text == "smith | bob":
        expected = []  # both words must match one customer: nobody is "smith bob"
    assert found == expected
    assert await customer_count(db) == 5


async def test_nul_character_in_search_is_bad_user_input(agent: ApiClient) -> None:
    body = await agent.post(CUSTOMERS, {"filter": {"search": "jo\x00hn"}})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at .search:" in body["errors"][0]["message"]


async def test_search_longer_than_200_characters_is_bad_user_input(agent: ApiClient) -> None:
    body = await agent.post(CUSTOMERS, {"filter": {"search": "a" * 201}})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_customer_search_never_leaves_their_own_record(
    customer: ApiClient, people: dict[str, Customer]
) -> None:
    assert await search(customer, "John") == []
    assert await search(customer, "Casey") == ["Casey Customer"]


async def test_deleted_customers_are_not_found_by_search(
    agent: ApiClient, db: Database, people: dict[str, Customer]
) -> None:
    await seed_customer(db, "John Deleted", deleted=True)

    assert await search(agent, "john") == ["John Smith"]


# --- filters ----------------------------------------------------------------------------


@pytest.mark.usefixtures("people")
async def test_tags_filter_keeps_customers_with_all_given_tags(agent: ApiClient) -> None:
    assert sorted(await names(agent, filter={"tags": ["vip"]})) == ["Jane Smithson", "John Smith"]
    assert await names(agent, filter={"tags": ["VIP", "beta"]}) == ["John Smith"]
    assert await names(agent, filter={"tags": ["vip", "nope"]}) == []


@pytest.mark.usefixtures("people")
async def test_company_filter_is_exact_but_case_insensitive(agent: ApiClient) -> None:
    assert sorted(await names(agent, filter={"company": "acme corp"})) == [
        "Johanna Berg",
        "John Smith",
    ]
    assert await names(agent, filter={"company": "Acme"}) == []


@pytest.mark.usefixtures("people")
async def test_created_range_includes_start_and_excludes_end(agent: ApiClient) -> None:
    window = {
        "createdAfter": (T0 + timedelta(days=1)).isoformat(),
        "createdBefore": (T0 + timedelta(days=3)).isoformat(),
    }

    assert await names(agent, filter=window) == ["Bob Stone", "Jane Smithson"]


@pytest.mark.usefixtures("people")
async def test_filters_combine_with_search(agent: ApiClient) -> None:
    assert await names(agent, filter={"search": "smi", "tags": ["beta"]}) == ["John Smith"]


# --- ordering ---------------------------------------------------------------------------

BY_NAME = ["Bob Stone", "Jane Smithson", "Johanna Berg", "John Smith", "Zoë Ångström"]
BY_CREATION = ["John Smith", "Jane Smithson", "Bob Stone", "Johanna Berg", "Zoë Ångström"]


@pytest.mark.usefixtures("people")
async def test_default_order_is_newest_first(agent: ApiClient) -> None:
    assert await names(agent) == BY_CREATION[::-1]


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"field": "NAME", "direction": "ASC"}, BY_NAME),
        ({"field": "NAME", "direction": "DESC"}, BY_NAME[::-1]),
        ({"field": "CREATED_AT", "direction": "ASC"}, BY_CREATION),
        ({"field": "CREATED_AT", "direction": "DESC"}, BY_CREATION[::-1]),
        ({"field": "UPDATED_AT", "direction": "ASC"}, BY_CREATION),
        ({"field": "UPDATED_AT", "direction": "DESC"}, BY_CREATION[::-1]),
    ],
)
async def test_order_by_each_field_both_ways(
    agent: ApiClient, order: dict[str, str], expected: list[str]
) -> None:
    assert await names(agent, orderBy=order) == expected


async def test_name_order_ignores_case(agent: ApiClient, db: Database) -> None:
    for name in ("bravo", "Alpha", "charlie"):
        await seed_customer(db, name)

    assert await names(agent, orderBy={"field": "NAME"}) == ["Alpha", "bravo", "charlie"]


# --- pagination -------------------------------------------------------------------------


async def test_pages_forward_then_backward_cover_every_customer_once(
    agent: ApiClient, db: Database
) -> None:
    everyone = [f"Person {i:02d}" for i in range(7)]
    for name in everyone:
        await seed_customer(db, name, created_at=T0)  # equal sort keys: the ID breaks ties
    order = {"field": "CREATED_AT", "direction": "ASC"}

    forward: list[str] = []
    after = None
    pages = []
    while True:
        data = await agent.data(CUSTOMERS, {"orderBy": order, "first": 3, "after": after})
        page = data["customers"]
        assert page["totalCount"] == 7
        forward += [e["node"]["name"] for e in page["edges"]]
        pages.append(page["pageInfo"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    backward: list[str] = []
    before = None
    while True:
        data = await agent.data(CUSTOMERS, {"orderBy": order, "last": 3, "before": before})
        page = data["customers"]
        assert page["totalCount"] == 7
        backward = [e["node"]["name"] for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]

    assert sorted(forward) == everyone
    assert backward == forward
    assert [len(p) for p in (forward[0:3], forward[3:6], forward[6:])] == [3, 3, 1]
    assert [(p["hasNextPage"], p["hasPreviousPage"]) for p in pages] == [
        (True, False),
        (True, True),
        (False, True),
    ]


@pytest.mark.usefixtures("people")
async def test_name_order_pages_through_search_results(agent: ApiClient) -> None:
    order = {"field": "NAME", "direction": "DESC"}
    first = (
        await agent.data(CUSTOMERS, {"orderBy": order, "first": 1, "filter": {"search": "smi"}})
    )["customers"]
    second = (
        await agent.data(
            CUSTOMERS,
            {
                "orderBy": order,
                "first": 1,
                "filter": {"search": "smi"},
                "after": first["pageInfo"]["endCursor"],
            },
        )
    )["customers"]

    assert [e["node"]["name"] for e in first["edges"] + second["edges"]] == [
        "John Smith",
        "Jane Smithson",
    ]
    assert (first["totalCount"], second["pageInfo"]["hasNextPage"]) == (2, False)


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    "variables",
    [
        pytest.param({"after": "not-a-cursor"}, id="garbage-cursor"),
        pytest.param({"before": "W10"}, id="cursor-of-wrong-shape"),
        pytest.param({"first": 101}, id="first-101"),
        pytest.param({"last": 101}, id="last-101"),
        pytest.param({"first": -1}, id="negative-first"),
        pytest.param({"first": 2, "last": 2}, id="first-and-last"),
    ],
)
async def test_bad_page_requests_are_bad_user_input(
    agent: ApiClient, variables: dict[str, Any]
) -> None:
    body = await agent.post(CUSTOMERS, variables)

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_first_100_is_allowed(agent: ApiClient, people: dict[str, Customer]) -> None:
    assert len(await names(agent, first=100)) == len(people)


# --- no N+1 -----------------------------------------------------------------------------


async def _statements_for_listing(
    agent: ApiClient, db: Database, count_statements: Any, how_many: int
) -> int:
    for i in range(how_many):
        await seed_customer(
            db,
            f"Person {i}",
            emails=[f"p{how_many}-{i}@example.com"],
            phones=[f"+1415555{i:04d}"],
            tags=["t"],
        )
    with count_statements() as counter:
        data = await agent.data(CUSTOMERS_WITH_CONTACTS)
    assert data["customers"]["totalCount"] == how_many
    # Each row shows its own contacts (the page loads them for all rows at once).
    for edge in data["customers"]["edges"]:
        i = int(edge["node"]["name"].removeprefix("Person "))
        assert edge["node"]["emails"] == [f"p{how_many}-{i}@example.com"]
        assert edge["node"]["phones"] == [f"+1415555{i:04d}"]
    count: int = counter.count
    return count


async def test_listing_50_customers_costs_as_many_statements_as_5(
    agent: ApiClient, db: Database, count_statements: Any
) -> None:
    five = await _statements_for_listing(agent, db, count_statements, 5)
    async with db.transaction() as session:
        await session.execute(delete(Customer))
    fifty = await _statements_for_listing(agent, db, count_statements, 50)

    assert fifty == five
    # The session check, the page, its count, then e-mails and phones (one batch each).
    assert fifty <= 5


# --- e-mail and phone terms follow every write of the contact tables ---------------------


async def test_contacts_written_by_any_path_are_searchable(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Pat Doe")
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO customer_emails (id, customer_id, email, position) "
                "VALUES (gen_random_uuid(), :id, 'o''brien\\x@example.com', 0)"
            ),
            {"id": row.id},
        )

    assert await search(agent, "o'bri") == ["Pat Doe"]
    assert await search(agent, "o'brien\\x@") == ["Pat Doe"]


async def test_replaced_contacts_are_no_longer_found(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Pat Doe", emails=["old@example.com"], phones=["+14155552671"])
    update = """
    mutation($id: ID!) {
      updateCustomer(input: {id: $id, emails: ["new@example.com"], phones: ["+442079460958"]}) {
        errors { code }
      }
    }
    """
    await agent.data(update, {"id": gid(row)})

    assert await search(agent, "old@") == []
    assert await search(agent, "415555") == []
    assert await search(agent, "new@") == ["Pat Doe"]
    assert await search(agent, "+44 20") == ["Pat Doe"]
