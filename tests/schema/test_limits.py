"""Request limits: aliases, tokens and depth are refused before anything executes."""

from __future__ import annotations

from tests.conftest import ApiClient


async def test_alias_bomb_is_refused(agent: ApiClient) -> None:
    fields = " ".join(f"a{i}: viewer {{ email }}" for i in range(31))

    body = await agent.post(f"query {{ {fields} }}")

    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_thirty_aliases_are_allowed(agent: ApiClient) -> None:
    fields = " ".join(f"a{i}: viewer {{ email }}" for i in range(30))

    data = await agent.data(f"query {{ {fields} }}")

    assert len(data) == 30


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
    # graphql-core's MaxIntrospectionDepthRule (QueryDepthLimiter skips introspection).
    assert "introspection depth" in body["errors"][0]["message"]
