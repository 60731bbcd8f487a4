"""Tools in AI drafts: a model (OpenAI or Anthropic wire format, on a loopback server) asks
for a read-only tool, the tool runs for real (HTTP on 127.0.0.1 through the egress check,
or in the sandbox), its result goes back, and the draft cites `tool:<run id>`; offline the
intent rule picks the tool. Changing tools are never offered; the round cap holds; a failed
or timed-out tool leaves a draft without that source and a recorded failed run."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from sqlalchemy import select

from ai.drafts import DraftInput, DraftResult, ThreadMessage, produce_draft
from ai.drafts.tool_step import DraftTools, tool_step_for
from ai.embeddings.local import LocalMiniLM
from ai.gateway import Gateway
from ai.providers import ExtractiveResponder
from db.engine import Database
from db.models import AiCall, Ticket, ToolRun
from settings import Settings
from tests.ai.conftest import anthropic_provider, openai_provider
from tests.ai.drafts_tools.llm_server import FunctionCallingLLM, Plan, calls_once
from tests.ai.tools.tool_server import ToolServer
from tests.conftest import ApiClient, make_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SAMPLES = "tests.ai.tools.sample_tools"
QUESTION = "Hello, where is my order A-1001? It has been a week."
ORDER_INPUT = {
    "type": "object",
    "properties": {"order": {"type": "string", "pattern": "^[A-Z]-\\d{3,}$"}},
    "required": ["order"],
}
REGISTER = """
mutation ($input: RegisterToolInput!) {
  registerTool(input: $input) { tool { id name } errors { field code message } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    settings.tool_python_path = [ROOT]
    settings.ai_cache_ttl = 0
    return settings


@pytest.fixture
def tool_server(settings: Settings) -> Iterator[ToolServer]:
    server = ToolServer().start()
    # A private address is reachable only when the allowlist names it with its port.
    settings.tool_egress_allowlist = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()


@pytest.fixture
def llm() -> Iterator[FunctionCallingLLM]:
    server = FunctionCallingLLM()
    server.start()
    yield server
    server.stop()


def manifest(name: str, runner: dict[str, Any], **extra: Any) -> str:
    return json.dumps(
        {
            "name": name,
            "version": "1.0.0",
            "description": f"{name}: looks things up.",
            "effect": "read",
            "runner": runner,
            "input_schema": ORDER_INPUT,
            "examples": ["where is my order", "has my parcel shipped"],
            **extra,
        }
    )


def http_tool(server: ToolServer, name: str = "order_status") -> str:
    url = f"{server.base_url}/orders/{{order}}"
    return manifest(name, {"kind": "http", "method": "GET", "url": url})


def python_tool(name: str, entry: str, **extra: Any) -> str:
    return manifest(name, {"kind": "python", "entry": f"{SAMPLES}:{entry}"}, **extra)


async def register(admin: ApiClient, document: str) -> None:
    payload = (await admin.data(REGISTER, {"input": {"manifest": document}}))["registerTool"]
    assert payload["errors"] == []


async def ticket_for(db: Database) -> uuid.UUID:
    customer = await make_user(db, role="customer", name="Olga Orders")
    assert customer.customer_id is not None
    async with db.transaction() as session:
        ticket = Ticket(customer_id=customer.customer_id, subject="Late order")
        session.add(ticket)
        await session.flush()
        return ticket.id


async def draft_with_tools(
    db: Database,
    gateway: Gateway,
    settings: Settings,
    embedder: LocalMiniLM,
    agent: ApiClient,
    question: str = QUESTION,
) -> tuple[DraftResult, DraftTools]:
    assert agent.user is not None
    ticket_id = await ticket_for(db)
    step = await tool_step_for(
        db=db, gateway=gateway, settings=settings, requested_by=agent.user.id, ticket_id=ticket_id
    )
    assert isinstance(step, DraftTools)
    draft = DraftInput(
        ticket_id=ticket_id,
        subject="Late order",
        thread=(ThreadMessage(question, from_customer=True),),
        requested_by=agent.user.id,
    )
    result = await produce_draft(
        draft, db=db, gateway=gateway, embedder=embedder, settings=settings, tools=step
    )
    await gateway.flush()
    return result, step


async def runs(db: Database) -> list[ToolRun]:
    async with db.sessions() as session:
        return list((await session.execute(select(ToolRun).order_by(ToolRun.created_at))).scalars())


def tool_citations(result: DraftResult) -> list[str]:
    return [c for c in result.output.citations if c.startswith("tool:")]


@pytest.mark.parametrize("wire", ["openai", "anthropic"])
async def test_model_calls_a_tool_and_the_draft_cites_its_run(
    wire: str,
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given an HTTP order tool and a model that asks for it once
    await register(admin, http_tool(tool_server))
    llm.plan = calls_once(("order_status", {"order": "A-1001"}))
    make = openai_provider if wire == "openai" else anthropic_provider
    provider = make(llm, settings)
    gateway = make_gateway([provider], settings)

    # when an agent's draft is produced with the tool step
    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then the tool ran once, recorded like runTool records it, and the draft cites it
    (run,) = await runs(db)
    assert run.status == "succeeded"
    assert run.output == {"order": "A-1001", "status": "shipped"}
    assert agent.user is not None
    assert run.caller_id == agent.user.id
    assert run.ticket_id is not None
    assert run.bytes_out > 0
    assert run.duration_ms is not None
    assert tool_citations(result) == [f"tool:{run.id}"]
    (source,) = [s for s in result.sources if s.kind == "tool"]
    assert source.title == "order_status"
    assert source.tool_run_id == run.id
    assert json.loads(source.text) == {"order": "A-1001", "status": "shipped"}
    assert result.output.text == "The order has shipped."
    # the model was told the result, then answered without more calls
    assert llm.tool_turns == 2
    assert llm.fed_back[1] == ['{"order":"A-1001","status":"shipped"}']
    async with db.sessions() as session:
        calls = (await session.execute(select(AiCall.operation, AiCall.ticket_id))).all()
    assert [t for op, t in calls if op == "draft_tools"] == [run.ticket_id, run.ticket_id]


async def test_offline_intent_rule_runs_the_tool_and_the_draft_cites_it(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given the offline provider only, and an order tool whose examples match the question
    await register(admin, http_tool(tool_server))
    gateway = make_gateway([ExtractiveResponder()], settings)

    # when the draft is produced
    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then the intent rule ran the tool with the order number from the question
    (run,) = await runs(db)
    assert run.status == "succeeded"
    assert run.input == {"order": "A-1001"}
    assert f"tool:{run.id}" in [s.id for s in result.sources]
    assert tool_citations(result) == [f"tool:{run.id}"]
    assert "shipped" in result.output.text


async def test_offline_intent_rule_without_the_required_input_runs_nothing(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    make_gateway: Callable[..., Gateway],
) -> None:
    await register(admin, http_tool(tool_server))
    gateway = make_gateway([ExtractiveResponder()], settings)

    result, _ = await draft_with_tools(
        db, gateway, settings, embedder, agent, question="Has my parcel shipped yet?"
    )

    assert await runs(db) == []
    assert [s for s in result.sources if s.kind == "tool"] == []


async def test_changing_and_other_roles_tools_are_never_offered_or_run(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a reading tool, a changing one, and one only admins may run
    await register(admin, http_tool(tool_server))
    await register(admin, python_tool("cancel_order", "order_status", effect="write"))
    await register(admin, python_tool("admin_lookup", "order_status", roles=["admin"]))
    # and a model that asks for all three anyway
    llm.plan = calls_once(
        ("cancel_order", {"order": "A-1001"}),
        ("admin_lookup", {"order": "A-1001"}),
        ("order_status", {"order": "A-1001"}),
    )
    gateway = make_gateway([openai_provider(llm, settings)], settings)

    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then only the reading tool was offered and run; the model was told the others don't exist
    assert llm.offered[0] == ["order_status"]
    (run,) = await runs(db)
    assert run.output == {"order": "A-1001", "status": "shipped"}
    refused, refused_too, answered = llm.fed_back[1]
    assert "no tool named 'cancel_order'" in refused
    assert "no tool named 'admin_lookup'" in refused_too
    assert json.loads(answered)["status"] == "shipped"
    assert tool_citations(result) == [f"tool:{run.id}"]


async def test_a_customer_or_no_requester_gets_no_tool_step(
    db: Database,
    settings: Settings,
    admin: ApiClient,
    tool_server: ToolServer,
    make_gateway: Callable[..., Gateway],
) -> None:
    await register(admin, http_tool(tool_server))
    gateway = make_gateway([ExtractiveResponder()], settings)
    customer = await make_user(db, role="customer")
    for requester in (customer.id, None):
        step = await tool_step_for(
            db=db, gateway=gateway, settings=settings, requested_by=requester, ticket_id=None
        )
        assert step is None


async def test_rounds_stop_at_the_cap(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a model that asks for another order in every turn, and a cap of 2 rounds
    await register(admin, http_tool(tool_server))
    settings.ai_tool_rounds = 2
    always: Plan = lambda turn: [("order_status", {"order": f"A-{1000 + turn}"})]  # noqa: E731
    llm.plan = always
    gateway = make_gateway([openai_provider(llm, settings)], settings)

    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then two rounds ran (one run each); the third turn's call was not run
    assert [r.input["order"] for r in await runs(db)] == ["A-1001", "A-1002"]
    assert llm.tool_turns == 3
    assert len([s for s in result.sources if s.kind == "tool"]) == 2


async def test_a_failing_and_a_slow_tool_leave_a_draft_without_them_and_failed_runs(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a tool that raises and one that sleeps past its 1 s timeout
    await register(admin, python_tool("order_status", "fail"))
    await register(admin, python_tool("parcel_tracker", "sleep_long", timeout_seconds=1))
    llm.plan = calls_once(
        ("order_status", {"order": "A-1001"}), ("parcel_tracker", {"order": "A-1001"})
    )
    gateway = make_gateway([openai_provider(llm, settings)], settings)

    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then the draft is still produced, cites no tool, and both runs are recorded as failures
    statuses = sorted(r.status for r in await runs(db))
    assert statuses == ["failed", "timeout"]
    assert [s for s in result.sources if s.kind == "tool"] == []
    assert tool_citations(result) == []
    assert result.output.text
    # and the model was told what went wrong with each
    failed, timed_out = (json.loads(content)["error"] for content in llm.fed_back[1])
    assert failed.startswith("failed:")
    assert "the order number is unknown" in failed
    assert timed_out.startswith("timeout:")


async def test_the_model_sees_placeholders_and_the_tool_gets_the_customers_value(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a tool that looks orders up by e-mail, and a model that calls it with what it saw
    url = f"{tool_server.base_url}/orders/{{email}}"
    document = json.loads(
        manifest("orders_by_email", {"kind": "http", "method": "GET", "url": url})
    )
    document["input_schema"] = {
        "type": "object",
        "properties": {"email": {"type": "string"}},
        "required": ["email"],
    }
    await register(admin, json.dumps(document))

    def plan(turn: int) -> list[tuple[str, dict[str, Any]]]:
        if turn > 1:
            return []
        seen = llm.requests[-1][1]["messages"][-1]["content"]
        placeholder = re.search(r"<EMAIL_\d+>", seen)
        assert placeholder is not None, seen
        return [("orders_by_email", {"email": placeholder.group(0)})]

    llm.plan = plan
    gateway = make_gateway([openai_provider(llm, settings)], settings)
    question = "Where is my order? I ordered as olga.orders@example.com last week."

    # when the draft is produced
    await draft_with_tools(db, gateway, settings, embedder, agent, question=question)

    # then the tool got the real address, and the model never saw it (nor in the result)
    (run,) = await runs(db)
    assert run.input == {"email": "olga.orders@example.com"}
    assert run.status == "succeeded"
    everything_sent = json.dumps([body for _, body in llm.requests])
    assert "olga.orders@example.com" not in everything_sent
    assert "<EMAIL_1>" in llm.fed_back[1][0]


async def test_when_no_model_answers_the_intent_rule_picks_the_tool(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a model that answers HTTP 500, with the offline responder after it
    await register(admin, http_tool(tool_server))
    llm.script.status = 500
    gateway = make_gateway([openai_provider(llm, settings), ExtractiveResponder()], settings)

    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then the intent rule ran the order tool and the offline answer cites it
    (run,) = await runs(db)
    assert run.input == {"order": "A-1001"}
    assert tool_citations(result) == [f"tool:{run.id}"]
    assert "shipped" in result.output.text


async def test_a_round_past_its_deadline_records_the_run_as_timed_out(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a tool allowed 10 s but a round deadline of 1 s
    await register(admin, python_tool("parcel_tracker", "sleep_long", timeout_seconds=10))
    settings.ai_tool_deadline_seconds = 1
    llm.plan = calls_once(("parcel_tracker", {"order": "A-1001"}))
    gateway = make_gateway([openai_provider(llm, settings)], settings)

    result, _ = await draft_with_tools(db, gateway, settings, embedder, agent)

    # then the run is not left running: it is a timeout, and the draft cites no tool
    (run,) = await runs(db)
    assert run.status == "timeout"
    assert run.finished_at is not None
    assert tool_citations(result) == []


async def test_the_manifests_rate_limit_holds_for_draft_runs(
    db: Database,
    settings: Settings,
    embedder: LocalMiniLM,
    admin: ApiClient,
    agent: ApiClient,
    tool_server: ToolServer,
    llm: FunctionCallingLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # given a tool allowed once a minute, and a model asking for two orders at once
    await register(admin, manifest_with_rate(tool_server, "1/minute"))
    llm.plan = calls_once(
        ("order_status", {"order": "A-1001"}), ("order_status", {"order": "A-1002"})
    )
    gateway = make_gateway([openai_provider(llm, settings)], settings)
    limiter = MovingWindowRateLimiter(MemoryStorage())
    assert agent.user is not None
    ticket_id = await ticket_for(db)
    step = await tool_step_for(
        db=db,
        gateway=gateway,
        settings=settings,
        requested_by=agent.user.id,
        ticket_id=ticket_id,
        rate_limiter=limiter,
    )
    assert step is not None
    draft = DraftInput(
        ticket_id=ticket_id,
        subject="Late orders",
        thread=(ThreadMessage("Where are my orders A-1001 and A-1002?", from_customer=True),),
    )

    # when the step runs
    sources = await step(draft.thread[0].text, draft)

    # then one call ran; the other was refused (not a run) and the model was told why
    (run,) = await runs(db)
    assert [s.id for s in sources] == [f"tool:{run.id}"]
    assert sum("rate limit" in content for content in llm.fed_back[1]) == 1


def manifest_with_rate(server: ToolServer, rate: str) -> str:
    document = json.loads(http_tool(server))
    document["rate_limit"] = rate
    return json.dumps(document)
