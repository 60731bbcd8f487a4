"""Tools in AI drafts through the product: an admin registers a read-only order tool (a real
HTTP server on 127.0.0.1), a customer asks where their order is, an agent requests a draft,
and the `ai.draft_reply` job runs the tool (the offline intent rule) and the suggestion
quotes and cites the tool's result, linked to its recorded run."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from strawberry import relay

from app import Runtime
from db.engine import Database
from db.models import ToolRun
from settings import Settings
from tests.ai.tools.tool_server import ToolServer
from tests.conftest import ApiClient
from tests.resolvers.ai_suggestion_helpers import open_ticket, request_draft

REGISTER = """
mutation ($input: RegisterToolInput!) {
  registerTool(input: $input) { tool { id name } errors { field code message } }
}
"""
RUN = """
mutation ($input: RunToolInput!) { runTool(input: $input) { run { id } errors { code } } }
"""
SUGGESTIONS = """
query ($id: ID!) {
  ticket(id: $id) { aiSuggestions(first: 5) { edges { node {
    status action text citations validation { passed reasons }
    sources { id kind title cited toolRunId }
  } } } }
}
"""


@pytest.fixture
def tool_server(settings: Settings) -> Iterator[ToolServer]:
    server = ToolServer().start()
    # Loopback is refused unless the allowlist names it with its port.
    settings.tool_egress_allowlist = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()


def _order_tool(server: ToolServer, effect: str = "read", **extra: str) -> str:
    return json.dumps(
        {
            **extra,
            "name": "order_status",
            "version": "1.0.0",
            "description": "Where an order is.",
            "effect": effect,
            "runner": {
                "kind": "http",
                "method": "GET",
                "url": f"{server.base_url}/orders/{{order}}",
            },
            "input_schema": {
                "type": "object",
                "properties": {"order": {"type": "string", "pattern": "^[A-Z]-\\d{3,}$"}},
                "required": ["order"],
            },
            "examples": ["where is my order", "has my parcel shipped"],
        }
    )


async def _drafts(agent: ApiClient, runtime: Runtime, ticket: str) -> list[dict[str, object]]:
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    data = await agent.data(SUGGESTIONS, {"id": ticket})
    return [edge["node"] for edge in data["ticket"]["aiSuggestions"]["edges"]]


async def test_requested_draft_runs_the_order_tool_and_cites_its_run(
    admin: ApiClient,
    agent: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
    db: Database,
    tool_server: ToolServer,
) -> None:
    # given a registered read-only order tool and a customer asking about an order
    registered = await admin.data(REGISTER, {"input": {"manifest": _order_tool(tool_server)}})
    assert registered["registerTool"]["errors"] == []
    ticket = await open_ticket(customer, "Hello, where is my order A-1001? It has been a week.")

    # when an agent asks for a draft (no API key: the offline provider and the intent rule)
    assert (await request_draft(agent, ticket))["errors"] == []
    (suggestion,) = await _drafts(agent, runtime, ticket)

    # then the tool ran once for this ticket and the sendable draft quotes and cites it
    async with db.sessions() as session:
        (run,) = (await session.execute(select(ToolRun))).scalars().all()
    assert run.status == "succeeded"
    assert run.input == {"order": "A-1001"}
    assert str(run.ticket_id) == relay.from_base64(ticket)[1]
    (tool_source,) = [s for s in suggestion["sources"] if s["kind"] == "tool"]  # type: ignore[attr-defined]
    assert tool_source["cited"] is True
    assert tool_source["toolRunId"] == relay.to_base64("ToolRun", str(run.id))
    assert f"tool:{run.id}" in suggestion["citations"]  # type: ignore[operator]
    assert "shipped" in str(suggestion["text"])
    assert suggestion["status"] == "READY"
    assert suggestion["validation"] == {"passed": True, "reasons": []}


async def test_a_changing_tool_is_never_run_by_a_draft(
    admin: ApiClient,
    agent: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
    db: Database,
    tool_server: ToolServer,
) -> None:
    # given the same tool declared as one that changes things
    document = _order_tool(tool_server, effect="write")
    registered = await admin.data(REGISTER, {"input": {"manifest": document}})
    assert registered["registerTool"]["errors"] == []
    ticket = await open_ticket(customer, "Hello, where is my order A-1001? It has been a week.")

    # when a draft is requested
    assert (await request_draft(agent, ticket))["errors"] == []
    (suggestion,) = await _drafts(agent, runtime, ticket)

    # then no run exists and the draft rests on no tool
    async with db.sessions() as session:
        assert (await session.execute(select(ToolRun))).scalars().all() == []
    assert [s for s in suggestion["sources"] if s["kind"] == "tool"] == []  # type: ignore[attr-defined]


async def test_draft_runs_count_in_the_tools_rate_limit_like_agents_runs(
    admin: ApiClient,
    agent: ApiClient,
    customer: ApiClient,
    runtime: Runtime,
    db: Database,
    tool_server: ToolServer,
) -> None:
    # given an order tool its server allows once a minute, already run once by an agent
    document = _order_tool(tool_server, rate_limit="1/minute")
    assert (await admin.data(REGISTER, {"input": {"manifest": document}}))["registerTool"][
        "errors"
    ] == []
    ran = await agent.data(RUN, {"input": {"tool": "order_status", "input": {"order": "A-777"}}})
    assert ran["runTool"]["errors"] == []
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    ticket = await open_ticket(customer, "Hello, where is my order A-1001? It has been a week.")

    # when a draft is requested within the minute
    assert (await request_draft(agent, ticket))["errors"] == []
    (suggestion,) = await _drafts(agent, runtime, ticket)

    # then the draft did not call the tool again: only the agent's run exists
    async with db.sessions() as session:
        runs = (await session.execute(select(ToolRun))).scalars().all()
    assert [r.input for r in runs] == [{"order": "A-777"}]
    assert [s for s in suggestion["sources"] if s["kind"] == "tool"] == []  # type: ignore[attr-defined]
