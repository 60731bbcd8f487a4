"""The offline intent rule picks the order-status tool for an order question, with the
order number from the schema's pattern, and never offers a changing tool."""

from __future__ import annotations

from typing import Any

from ai.tools.intents import match_intent
from ai.tools.manifest import ToolManifest


def tool(name: str, examples: list[str], effect: str = "read", **schema: Any) -> ToolManifest:
    return ToolManifest.model_validate(
        {
            "name": name,
            "version": "1.0.0",
            "description": name,
            "effect": effect,
            "runner": {"kind": "python", "entry": "x.y:z"},
            "input_schema": {"type": "object", **schema},
            "examples": examples,
        }
    )


ORDERS = tool(
    "order_status",
    ["where is my order", "has my parcel shipped"],
    properties={"order": {"type": "string", "pattern": "^[A-Z]-\\d{3,}$"}},
    required=["order"],
)
INVOICES = tool("invoice_copy", ["send me a copy of my invoice"])
REFUND = tool("refund", ["where is my order refund"], effect="write")


def test_order_question_picks_the_order_tool_with_its_number() -> None:
    match = match_intent("Hi, where is my order A-1234? It's late", [INVOICES, ORDERS, REFUND])
    assert match is not None
    assert match.tool.name == "order_status"
    assert match.arguments == {"order": "A-1234"}
    assert match.missing == ()


def test_missing_argument_is_reported_not_invented() -> None:
    match = match_intent("has my parcel shipped yet?", [ORDERS])
    assert match is not None
    assert match.arguments == {}
    assert match.missing == ("order",)


def test_unrelated_question_matches_nothing_and_write_tools_are_never_offered() -> None:
    assert match_intent("How do I change my password?", [ORDERS, INVOICES]) is None
    assert match_intent("where is my order refund", [REFUND]) is None
