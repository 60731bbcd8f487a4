"""Tools end to end: register through GraphQL, run through the `tools.run` job in the real
sandbox or against a loopback tool / OAuth2 server, approvals, the breaker, and secrets."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from ai.tools.sandbox import namespaces_available
from app import Runtime
from db.engine import Database
from db.models import AuditEntry, ToolConnection
from settings import Settings
from tests.ai.tools.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer
from tests.ai.tools.tool_server import ToolServer
from tests.conftest import ApiClient, client_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLES = "tests.ai.tools.sample_tools"

REGISTER = """
mutation ($input: RegisterToolInput!) {
  registerTool(input: $input) {
    tool { id name enabled connected consecutiveFailures versions { version } }
    errors { field code message }
  }
}
"""
RUN = """
mutation ($input: RunToolInput!) {
  runTool(input: $input) {
    run { id status output error approverId }
    errors { field code message }
  }
}
"""
APPROVE = """
mutation ($input: ToolRunDecisionInput!) {
  approveToolRun(input: $input) { run { id status } errors { field code message } }
}
"""
RUNS = "query { toolRuns { id status output error tool } }"
TOOLS = "query { tools { name enabled disabledReason connected consecutiveFailures } }"
SET_KEY = """
mutation ($input: SetToolApiKeyInput!) {
  setToolApiKey(input: $input) { tool { connected } errors { field code message } }
}
"""
SET_CLIENT = """
mutation ($input: SetToolOAuthClientInput!) {
  setToolOAuthClient(input: $input) { tool { connected } errors { field code message } }
}
"""
REVOKE = """
mutation ($input: ToolIdInput!) {
  revokeToolConnection(input: $input) { tool { connected } errors { field code message } }
}
"""


@pytest.fixture
def tool_server() -> Iterator[ToolServer]:
    server = ToolServer().start()
    yield server
    server.stop()


@pytest.fixture
def oauth_server() -> Iterator[OAuthServer]:
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.tool_python_path = [ROOT]
    settings.tool_breaker_failures = 3
    return settings


def python_tool(name: str, entry: str, **extra: Any) -> str:
    return json.dumps(
        {
            "name": name,
            "version": "1.0.0",
            "description": "A sample tool.",
            "effect": "read",
            "runner": {"kind": "python", "entry": f"{SAMPLES}:{entry}"},
            "input_schema": {"type": "object"},
            **extra,
        }
    )


async def register(admin: ApiClient, manifest: str) -> dict[str, Any]:
    payload = (await admin.data(REGISTER, {"input": {"manifest": manifest}}))["registerTool"]
    assert payload["errors"] == []
    tool: dict[str, Any] = payload["tool"]
    return tool


async def run(client: ApiClient, tool: str, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(RUN, {"input": {"tool": tool, "input": payload}}))[
        "runTool"
    ]
    return result


async def finished(client: ApiClient, runtime: Runtime) -> list[dict[str, Any]]:
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    runs: list[dict[str, Any]] = (await client.data(RUNS))["toolRuns"]
    return runs


async def test_python_tool_runs_in_the_sandbox_through_a_job(
    admin: ApiClient, agent: ApiClient, runtime: Runtime
) -> None:
    await register(admin, python_tool("order_status", "order_status"))
    queued = await run(agent, "order_status", {"order": "A-17"})
    assert queued["errors"] == []
    assert queued["run"]["status"] == "QUEUED"
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED"
    assert done["output"] == {"order": "A-17", "status": "shipped"}


async def test_input_is_checked_against_the_manifest_schema(
    admin: ApiClient, agent: ApiClient
) -> None:
    schema = {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]}
    await register(admin, python_tool("order_status", "order_status", input_schema=schema))
    refused = await run(agent, "order_status", {"number": 5})
    assert refused["run"] is None
    assert refused["errors"][0]["code"] == "INVALID_INPUT"
    assert "order" in refused["errors"][0]["message"]


async def test_a_sleeping_tool_is_killed_at_its_timeout(
    admin: ApiClient, agent: ApiClient, runtime: Runtime
) -> None:
    await register(admin, python_tool("sleeper", "sleep_long", timeout_seconds=1))
    await run(agent, "sleeper", {"seconds": 10})
    (done,) = await finished(agent, runtime)
    assert done["status"] == "TIMEOUT"
    assert "Killed after 1 s" in done["error"]


async def test_breaker_disables_a_failing_tool_and_a_success_resets_it(
    admin: ApiClient, agent: ApiClient, runtime: Runtime
) -> None:
    await register(admin, python_tool("flaky", "fail"))
    for _ in range(3):
        assert (await run(agent, "flaky", {}))["errors"] == []
        await finished(agent, runtime)
    (tool,) = (await agent.data(TOOLS))["tools"]
    assert tool["enabled"] is False
    assert "3 runs in a row" in tool["disabledReason"]
    refused = await run(agent, "flaky", {})
    assert refused["errors"][0]["code"] == "DISABLED"


async def test_write_tool_waits_for_approval_by_someone_else(
    admin: ApiClient, agent: ApiClient, http: Any, db: Database, runtime: Runtime
) -> None:
    await register(admin, python_tool("refund", "order_status", effect="write"))
    asked = await run(agent, "refund", {"order": "A-9"})
    assert asked["run"]["status"] == "PENDING_APPROVAL"
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    (waiting,) = (await agent.data(RUNS))["toolRuns"]
    assert waiting["status"] == "PENDING_APPROVAL"
    assert waiting["output"] is None
    own = (await agent.data(APPROVE, {"input": {"runId": asked["run"]["id"]}}))["approveToolRun"]
    assert own["errors"][0]["code"] == "SELF_APPROVAL"
    other = await client_for(http, db, "agent", name="Olga Other")
    approved = (await other.data(APPROVE, {"input": {"runId": asked["run"]["id"]}}))[
        "approveToolRun"
    ]
    assert approved["errors"] == []
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED"
    assert done["output"] == {"order": "A-9", "status": "shipped"}


async def test_http_tool_with_api_key_and_the_key_never_shows(
    admin: ApiClient,
    agent: ApiClient,
    runtime: Runtime,
    settings: Settings,
    tool_server: ToolServer,
    db: Database,
) -> None:
    settings.tool_egress_allowlist = [f"127.0.0.1:{tool_server.port}"]
    manifest = json.dumps(
        {
            "name": "shop_orders",
            "version": "1.0.0",
            "description": "Order status from the shop.",
            "effect": "read",
            "runner": {
                "kind": "http",
                "method": "GET",
                "url": f"{tool_server.base_url}/orders/{{order}}",
            },
            "auth": {"kind": "api_key", "header": "X-Api-Key"},
            "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}},
        }
    )
    tool = await register(admin, manifest)
    secret = "sk-live-very-secret-key"
    payload = (await admin.data(SET_KEY, {"input": {"toolId": tool["id"], "apiKey": secret}}))[
        "setToolApiKey"
    ]
    assert payload == {"tool": {"connected": True}, "errors": []}
    await run(agent, "shop_orders", {"order": "B 12"})
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED"
    assert done["output"] == {"order": "B 12", "status": "shipped"}
    assert tool_server.seen_headers[-1]["x-api-key"] == secret
    async with db.sessions() as session:
        audit = [e.changes for e in (await session.execute(select(AuditEntry))).scalars()]
        stored = (await session.execute(select(ToolConnection))).scalar_one()
    assert secret not in json.dumps(audit)
    assert secret not in (stored.api_key_enc or "")
    everything = json.dumps(
        await admin.data("query { tools { name connected versions { manifest } } }")
    )
    assert secret not in everything


async def test_http_tool_to_a_host_off_the_allowlist_is_refused_at_registration(
    admin: ApiClient, tool_server: ToolServer
) -> None:
    manifest = json.dumps(
        {
            "name": "sneaky",
            "version": "1.0.0",
            "description": "Calls the machine itself.",
            "effect": "read",
            "runner": {"kind": "http", "url": f"{tool_server.base_url}/orders/1"},
            "input_schema": {"type": "object"},
        }
    )
    payload = (await admin.data(REGISTER, {"input": {"manifest": manifest}}))["registerTool"]
    assert payload["tool"] is None
    assert payload["errors"][0]["field"] == "manifest.runner.url"
    assert payload["errors"][0]["code"] == "INVALID_MANIFEST"


async def test_oauth_client_credentials_tool_and_revoked_token_asks_to_reconnect(
    admin: ApiClient,
    agent: ApiClient,
    runtime: Runtime,
    settings: Settings,
    oauth_server: OAuthServer,
    db: Database,
) -> None:
    settings.tool_egress_allowlist = [f"127.0.0.1:{oauth_server.port}"]
    base = oauth_server.base_url
    manifest = json.dumps(
        {
            "name": "whoami",
            "version": "1.0.0",
            "description": "Who the tool's server thinks we are.",
            "effect": "read",
            "runner": {"kind": "http", "method": "GET", "url": f"{base}/api/whoami"},
            "auth": {
                "kind": "oauth2",
                "grant": "client_credentials",
                "token_url": f"{base}/token",
                "revoke_url": f"{base}/revoke",
            },
            "input_schema": {"type": "object"},
        }
    )
    tool = await register(admin, manifest)
    connect = {"toolId": tool["id"], "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    payload = (await admin.data(SET_CLIENT, {"input": connect}))["setToolOAuthClient"]
    assert payload["errors"] == []
    await run(agent, "whoami", {})
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED"
    assert done["output"] == {"client": CLIENT_ID}
    assert oauth_server.grants == ["client_credentials"]
    # The server forgets every token (revoked there): the next run says to reconnect.
    oauth_server.access.clear()
    await run(agent, "whoami", {})
    latest = (await finished(agent, runtime))[0]
    assert latest["status"] == "FAILED"
    assert "reconnect the tool" in latest["error"]
    assert CLIENT_SECRET not in json.dumps(await admin.data(TOOLS))
    async with db.sessions() as session:
        audit = [e.changes for e in (await session.execute(select(AuditEntry))).scalars()]
        stored = (await session.execute(select(ToolConnection))).scalar_one()
    assert CLIENT_SECRET not in json.dumps(audit)
    assert CLIENT_SECRET not in (stored.client_secret_enc or "")


async def test_customers_cannot_list_or_run_tools(admin: ApiClient, customer: ApiClient) -> None:
    await register(admin, python_tool("order_status", "order_status"))
    listed = await customer.post(TOOLS)
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ran = await customer.post(RUN, {"input": {"tool": "order_status", "input": {}}})
    assert ran["errors"][0]["extensions"]["code"] == "FORBIDDEN"


START = """
mutation ($input: ToolIdInput!) {
  startToolOAuth(input: $input) { authorizeUrl errors { field code message } }
}
"""
USAGE = """
query ($from: DateTime!, $to: DateTime!) {
  toolUsage(from: $from, to: $to, groupBy: TOOL) {
    key runs failures timeouts p50Ms p95Ms bytesIn bytesOut
  }
}
"""


async def test_oauth_authorization_code_with_pkce_refresh_and_revocation(
    admin: ApiClient,
    agent: ApiClient,
    runtime: Runtime,
    settings: Settings,
    oauth_server: OAuthServer,
    http: Any,
    db: Database,
) -> None:
    settings.tool_egress_allowlist = [f"127.0.0.1:{oauth_server.port}"]
    base = oauth_server.base_url
    manifest = json.dumps(
        {
            "name": "crm_lookup",
            "version": "1.0.0",
            "description": "Reads the team's CRM as the connecting admin.",
            "effect": "read",
            "runner": {"kind": "http", "method": "GET", "url": f"{base}/api/whoami"},
            "auth": {
                "kind": "oauth2",
                "grant": "authorization_code",
                "authorize_url": f"{base}/authorize",
                "token_url": f"{base}/token",
                "revoke_url": f"{base}/revoke",
            },
            "input_schema": {"type": "object"},
        }
    )
    tool = await register(admin, manifest)
    connect = {"toolId": tool["id"], "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
    await admin.data(SET_CLIENT, {"input": connect})
    started = (await admin.data(START, {"input": {"toolId": tool["id"]}}))["startToolOAuth"]
    assert started["errors"] == []
    assert "code_challenge_method=S256" in started["authorizeUrl"]
    # The admin's browser: the authorization server sends it back to our callback.
    import httpx

    async with httpx.AsyncClient() as browser:
        consent = await browser.get(started["authorizeUrl"])
    callback = httpx.URL(consent.headers["location"])
    assert callback.path == "/oauth/tools/callback"
    landed = await http.get(f"{callback.path}?{callback.query.decode()}")
    assert landed.status_code == 200, landed.text
    assert "crm_lookup is connected" in landed.text
    await run(agent, "crm_lookup", {})
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED"
    # An access token about to expire is refreshed before the run.
    async with db.transaction() as session:
        connection = (await session.execute(select(ToolConnection))).scalar_one()
        connection.expires_at = 0.0
    await run(agent, "crm_lookup", {})
    assert (await finished(agent, runtime))[0]["status"] == "SUCCEEDED"
    assert oauth_server.grants == ["authorization_code", "refresh_token"]
    # Revoked here and at the server: runs ask an admin to reconnect.
    revoked = (await admin.data(REVOKE, {"input": {"toolId": tool["id"]}}))["revokeToolConnection"]
    assert revoked == {"tool": {"connected": False}, "errors": []}
    assert all(oauth_server.refresh.values())
    await run(agent, "crm_lookup", {})
    latest = (await finished(agent, runtime))[0]
    assert latest["status"] == "FAILED"
    assert "an admin must connect it" in latest["error"]
    # A used state cannot be replayed.
    replay = await http.get(f"{callback.path}?{callback.query.decode()}")
    assert replay.status_code == 400


async def test_usage_report_counts_runs_failures_and_timeouts(
    admin: ApiClient, agent: ApiClient, runtime: Runtime
) -> None:
    await register(admin, python_tool("order_status", "order_status"))
    await register(admin, python_tool("flaky", "fail"))
    for tool in ("order_status", "order_status", "flaky"):
        await run(agent, tool, {"order": "A-1"})
        await finished(agent, runtime)
    window = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
    rows = {r["key"]: r for r in (await agent.data(USAGE, window))["toolUsage"]}
    assert rows["order_status"]["runs"] == 2
    assert rows["order_status"]["failures"] == 0
    assert rows["flaky"]["failures"] == 1
    assert rows["order_status"]["p95Ms"] >= rows["order_status"]["p50Ms"] > 0
    assert rows["order_status"]["bytesOut"] > 0


async def test_tool_list_reads_in_constant_statements(
    admin: ApiClient, agent: ApiClient, count_statements: Any
) -> None:
    for name in ("one", "two", "three"):
        await register(admin, python_tool(f"tool_{name}", "order_status"))
    with count_statements() as counter:
        tools = (await agent.data("query { tools { name versions { version } connected } }"))[
            "tools"
        ]
    assert len(tools) == 3
    assert counter.count <= 6


async def test_manifest_rate_limit_refuses_runs_beyond_it(
    admin: ApiClient, agent: ApiClient
) -> None:
    await register(admin, python_tool("order_status", "order_status", rate_limit="2/minute"))
    for _ in range(2):
        assert (await run(agent, "order_status", {}))["errors"] == []
    refused = await run(agent, "order_status", {})
    assert refused["run"] is None
    assert refused["errors"][0]["code"] == "RATE_LIMITED"


UPDATE = """
mutation ($input: UpdateToolInput!) {
  updateTool(input: $input) {
    tool { currentVersion { version } versions { version } }
    errors { field code message }
  }
}
"""
DISABLE = """
mutation ($input: ToolSwitchInput!) {
  disableTool(input: $input) { tool { enabled disabledReason } errors { code } }
}
"""


async def test_update_keeps_versions_and_disable_stops_runs(
    admin: ApiClient, agent: ApiClient, db: Database
) -> None:
    tool = await register(admin, python_tool("order_status", "order_status"))
    newer = python_tool("order_status", "order_status").replace("1.0.0", "1.1.0")
    updated = (await admin.data(UPDATE, {"input": {"toolId": tool["id"], "manifest": newer}}))[
        "updateTool"
    ]
    assert updated["errors"] == []
    assert updated["tool"]["currentVersion"] == {"version": "1.1.0"}
    assert updated["tool"]["versions"] == [{"version": "1.1.0"}, {"version": "1.0.0"}]
    again = (await admin.data(UPDATE, {"input": {"toolId": tool["id"], "manifest": newer}}))[
        "updateTool"
    ]
    assert again["errors"][0]["code"] == "UNIQUE"
    off = {"toolId": tool["id"], "reason": "Shop API down"}
    disabled = (await admin.data(DISABLE, {"input": off}))["disableTool"]
    assert disabled["tool"] == {"enabled": False, "disabledReason": "Shop API down"}
    refused = await run(agent, "order_status", {})
    assert refused["errors"][0]["code"] == "DISABLED"
    async with db.sessions() as session:
        actions = {e.action for e in (await session.execute(select(AuditEntry))).scalars()}
    assert {"registerTool", "updateTool", "disableTool"} <= actions


async def test_agents_cannot_register_tools(agent: ApiClient) -> None:
    body = await agent.post(REGISTER, {"input": {"manifest": python_tool("x_tool", "fail")}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_python_tool_gets_its_own_key_and_none_of_the_servers_environment(
    admin: ApiClient, agent: ApiClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = "server-secret-marker-9f3a"
    monkeypatch.setenv("AUTOCRM_TEST_MARKER", marker)
    tool = await register(
        admin, python_tool("inspector", "what_can_i_see", auth={"kind": "api_key"})
    )
    key = "python-tool-own-key"
    await admin.data(SET_KEY, {"input": {"toolId": tool["id"], "apiKey": key}})
    await run(agent, "inspector", {"marker": marker, "host": "127.0.0.1", "port": 5432})
    (done,) = await finished(agent, runtime)
    assert done["status"] == "SUCCEEDED", done["error"]
    seen = done["output"]
    assert seen["env"]["TOOL_API_KEY"] == key
    assert marker not in json.dumps(seen["env"])
    assert "AUTOCRM_TEST_MARKER" not in seen["env"]
    if namespaces_available():  # a private /proc: the server's environ is out of sight
        assert seen["parent_environ_has_marker"] is False
        assert seen["processes_leaking_marker"] == []
