"""Triage by an LLM (the OpenAI SDK against the loopback server): the answer is checked
against the allowed teams, priorities and tags, and an unknown value is rejected, not stored
(Zammad bug #5879)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from app import Runtime
from db.engine import Database
from settings import Settings
from tests.ai.loopback import LoopbackLLM, Script
from tests.conftest import ApiClient
from tests.resolvers.test_triage import BILLING_TEXT, drained, helpdesk, view
from tests.resolvers.ticket_helpers import create_ticket


@pytest.fixture
def llm() -> Iterator[LoopbackLLM]:
    server = LoopbackLLM().start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, llm: LoopbackLLM) -> Settings:
    settings.ai_triage_on_create = True
    settings.ai_providers = ["openai", "offline"]
    settings.openai_base_url = llm.openai_base_url
    return settings


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    if runtime.jobs is not None:
        await runtime.jobs.drain()
    if runtime.ai is not None:
        await runtime.ai.close()  # the OpenAI client's connections


def answer(**fields: object) -> Script:
    return Script(text=json.dumps(fields))


async def test_llm_choice_is_applied_when_every_value_is_allowed(
    db: Database, runtime: Runtime, llm: LoopbackLLM, customer: ApiClient, agent: ApiClient
) -> None:
    await helpdesk(db)
    llm.script = answer(
        priority="urgent",
        team="billing",
        tags=["refund"],
        language="en",
        sentiment="negative",
        explanation="Double charge: money is wrong.",
    )

    ticket = await create_ticket(customer, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)

    seen = await view(agent, ticket["id"])
    assert seen["priority"] == "URGENT"
    assert seen["team"] == {"name": "Billing"}
    assert seen["tags"] == ["refund"]
    assert seen["triage"]["source"] == "LLM"
    assert seen["triage"]["modelVersion"].startswith("openai:")
    assert seen["triage"]["rejected"] == {}
    assert "Double charge" in seen["triage"]["explanation"]
    # the prompt listed the installation's teams as the only allowed ones
    (_path, body) = next(r for r in llm.requests if r[0] == "/v1/chat/completions")
    system = json.dumps(body["messages"])
    assert "Billing" in system
    assert "Shipping" in system


async def test_unknown_team_and_tag_from_the_llm_are_rejected_not_stored(
    db: Database, runtime: Runtime, llm: LoopbackLLM, customer: ApiClient, agent: ApiClient
) -> None:
    # given a model that answers with a team this installation does not have
    await helpdesk(db)
    llm.script = answer(
        priority="high",
        team="Legal",
        tags=["refund", "lawsuit"],
        language="en",
        sentiment="furious",
        explanation="Sounds legal.",
    )

    # when a ticket is triaged
    ticket = await create_ticket(customer, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)

    # then the allowed values apply, the unknown ones are reported and applied nowhere
    seen = await view(agent, ticket["id"])
    assert seen["priority"] == "HIGH"
    assert seen["team"] is None
    assert seen["tags"] == ["refund"]
    triage = seen["triage"]
    assert triage["teamLabel"] is None
    assert triage["team"] is None
    assert triage["tags"] == ["refund"]
    assert triage["rejected"] == {"team": "Legal", "tags": ["lawsuit"], "sentiment": "furious"}
    assert triage["sentiment"] in ("NEGATIVE", "NEUTRAL")  # from the offline lexicon instead
    assert "Rejected values" in triage["explanation"]


async def test_an_answer_that_is_not_json_falls_back_to_the_offline_model(
    db: Database, runtime: Runtime, llm: LoopbackLLM, customer: ApiClient, agent: ApiClient
) -> None:
    await helpdesk(db)
    llm.script = Script(text="I think this is about billing, probably.")

    ticket = await create_ticket(customer, subject="Charged twice", body=f"<p>{BILLING_TEXT}</p>")
    await drained(runtime)

    seen = await view(agent, ticket["id"])
    assert seen["triage"]["source"] == "OFFLINE"
    assert seen["team"] == {"name": "Billing"}
