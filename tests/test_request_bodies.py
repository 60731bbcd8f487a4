"""JSON bodies to /graphql are limited before parsing: too large is 413, unparsable or
too deeply nested is 400, each with a JSON error body and no traceback in the log."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.fixture(autouse=True)
def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_deeply_nested_variables_are_refused_as_bad_request(
    http: httpx.AsyncClient,
) -> None:
    body = f'{{"query": "{{ __typename }}", "variables": {{"v": {_nested(1000)}}}}}'

    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "JSON_TOO_DEEP"
    assert "64 levels" in response.json()["errors"][0]["message"]


async def test_variables_nested_within_the_limit_pass(http: httpx.AsyncClient) -> None:
    body = f'{{"query": "{{ __typename }}", "variables": {{"v": {_nested(60)}}}}}'

    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_body_over_the_size_limit_is_refused_before_parsing(
    http: httpx.AsyncClient,
) -> None:
    padding = "x" * (2 * 1024 * 1024)
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": padding}})

    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "1024 KB" in response.json()["errors"][0]["message"]


async def test_streamed_body_without_length_is_cut_off_at_the_limit(
    http: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(40):
            yield b"x" * 64 * 1024
        yield b'"}}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_invalid_json_is_a_bad_request_that_says_so(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b'{"query": "{ viewer', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_JSON"
    assert "not valid JSON" in response.json()["errors"][0]["message"]


async def test_deeply_nested_variables_in_a_get_are_refused(http: httpx.AsyncClient) -> None:
    deep = json.loads(_nested(100))

    response = await http.get(
        "/graphql",
        params={"query": "{ __typename }", "variables": json.dumps({"v": deep})},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "JSON_TOO_DEEP"
