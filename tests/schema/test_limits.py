"""Request limits: aliases, tokens, depth and cost are refused before anything executes,
each fragment is measured once, and identical documents are validated once."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from schema import build_schema
from settings import Settings
from tests.conftest import ApiClient

REPORT_FIELD = """
{alias}: ticketReport(range: {{from: "2024-01-01T00:00:00Z", to: "2024-12-31T00:00:00Z"}},
                       groupBy: TEAM) {{
  buckets {{ startsAt groups {{ created team {{ name }} }} }}
}}
"""
TICKET_PAGE = "query ($n: Int) { tickets(first: $n) { edges { node { id } } } }"


def fragment_chain(levels: int) -> str:
    """~40 bytes per level; expanded, the last fragment is 2^levels viewer fields."""
    fragments = ["fragment F0 on Query { viewer { email } }"]
    fragments += [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"query {{ ...F{levels} }} " + " ".join(fragments)


async def test_alias_bomb_is_refused(agent: ApiClient) -> None:
    fields = " ".join(f"a{i}: viewer {{ email }}" for i in range(31))

    body = await agent.post(f"query {{ {fields} }}")

    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"].lower()
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


async def test_thirty_aliases_are_allowed(agent: ApiClient) -> None:
    fields = " ".join(f"a{i}: viewer {{ email }}" for i in range(30))

    data = await agent.data(f"query {{ {fields} }}")

    assert len(data) == 30


async def test_aliases_inside_a_fragment_count_at_every_spread(agent: ApiClient) -> None:
    aliases = " ".join(f"a{i}: email" for i in range(10))
    query = f"query {{ viewer {{ ...A ...A ...A ...A }} }} fragment A on User {{ {aliases} }}"

    body = await agent.post(query)

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "40 aliases" in body["errors"][0]["message"]


async def test_oversized_document_is_refused(agent: ApiClient) -> None:
    fields = " ".join("viewer { email name role }" for _ in range(500))

    body = await agent.post(f"query {{ {fields} }}")

    assert body.get("data") is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_syntax_error_says_where(agent: ApiClient) -> None:
    body = await agent.post("query { viewer { email ")

    assert body["errors"][0]["locations"]
    assert "Syntax Error" in body["errors"][0]["message"]


async def test_depth_bomb_is_refused(agent: ApiClient) -> None:
    nested = "viewer { email }"
    for i in range(14):
        nested = f"f{i} {{ {nested} }}"

    body = await agent.post(f"query {{ {nested} }}")

    assert body.get("data") is None
    assert any("depth" in e["message"] for e in body["errors"])
    assert "QUERY_TOO_DEEP" in [e["extensions"]["code"] for e in body["errors"]]


async def test_standard_introspection_query_is_allowed(anonymous: ApiClient) -> None:
    from graphql import get_introspection_query

    data = await anonymous.data(get_introspection_query(descriptions=True))

    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_cycle_bomb_is_refused(anonymous: ApiClient) -> None:
    bomb = "name"
    for _ in range(6):
        bomb = f"fields {{ type {{ {bomb} }} }}"

    body = await anonymous.post(f"query {{ __schema {{ types {{ {bomb} }} }} }}")

    assert body.get("data") is None
    # graphql-core's MaxIntrospectionDepthRule (our depth rule skips introspection).
    assert "introspection depth" in body["errors"][0]["message"]


async def test_fragment_chain_is_refused_as_too_costly(anonymous: ApiClient) -> None:
    body = await anonymous.post(fragment_chain(39))

    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 2**39


async def test_every_response_says_what_it_cost(agent: ApiClient) -> None:
    body = await agent.post("{ viewer { email } }")

    assert "errors" not in body
    assert body["extensions"]["cost"] == {"requested": 1, "limit": 25_000}


async def test_page_size_multiplies_cost_whether_literal_variable_or_default(
    agent: ApiClient,
) -> None:
    small = await agent.post(TICKET_PAGE, {"n": 10})
    default = await agent.post(TICKET_PAGE)
    literal = await agent.post("{ tickets(first: 100) { edges { node { id } } } }")

    # A connection costs 2, plus its page times what each item selects (edges + node).
    assert small["extensions"]["cost"]["requested"] == 2 + 10 * 2
    assert default["extensions"]["cost"]["requested"] == 2 + 20 * 2
    assert literal["extensions"]["cost"]["requested"] == 2 + 100 * 2


async def test_report_aliases_over_the_cost_limit_are_refused_before_running(
    reviewer: ApiClient, count_statements: Any
) -> None:
    fields = "".join(REPORT_FIELD.format(alias=f"r{i}") for i in range(3))

    with count_statements() as counter:
        body = await reviewer.post(f"query {{ {fields} }}")

    assert body.get("data") is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 25_000
    assert f"cost {error['extensions']['cost']}" in error["message"]
    assert body["extensions"]["cost"]["requested"] == error["extensions"]["cost"]
    assert not [s for s in counter.statements if "tickets" in s]  # only authentication ran


async def test_one_report_is_within_the_cost_limit(reviewer: ApiClient) -> None:
    body = await reviewer.post(f"query {{ {REPORT_FIELD.format(alias='report')} }}")

    assert "errors" not in body
    assert len(body["data"]["report"]["buckets"]) == 365


async def test_identical_document_is_validated_once(agent: ApiClient, settings: Settings) -> None:
    checks = build_schema(settings).document_checks  # type: ignore[attr-defined]
    query = f"query Once{uuid.uuid4().hex} {{ viewer {{ email }} }}"
    before = replace(checks.validations)

    await agent.data(query)
    after_first = replace(checks.validations)
    await agent.data(query)
    after_second = replace(checks.validations)

    assert after_first.misses == before.misses + 1
    assert after_second.hits == after_first.hits + 1
    assert after_second.misses == after_first.misses
