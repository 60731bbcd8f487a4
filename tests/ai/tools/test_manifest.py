"""Tool manifests: a good one registers as described; a bad one names every problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ai.tools.egress import EgressPolicy
from ai.tools.manifest import ManifestError, check_io, parse_manifest

EGRESS = EgressPolicy(allowed_hosts=("shop.example.com", "auth.example.com"))

YAML = """
name: order_status
version: 1.2.0
description: Looks up an order's shipping status.
effect: read
runner: {kind: http, method: GET, url: "https://shop.example.com/api/orders/{order}"}
auth: {kind: api_key, header: X-Api-Key}
input_schema:
  type: object
  properties: {order: {type: string, pattern: "^[A-Z]-[0-9]+$"}}
  required: [order]
output_schema: {type: object, required: [status]}
rate_limit: 30/minute
examples: [where is my order, has my parcel shipped]
"""


def manifest(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "refund_charge",
        "version": "1.0.0",
        "description": "Refunds a card charge.",
        "effect": "write",
        "runner": {"kind": "python", "entry": "shop_tools.refunds:refund"},
        "input_schema": {"type": "object", "properties": {"charge": {"type": "string"}}},
    }
    base.update(changes)
    return base


def problems(document: Any) -> dict[str, str]:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(document, egress=EGRESS)
    return dict(caught.value.problems)


def test_a_yaml_manifest_registers_with_its_defaults() -> None:
    tool = parse_manifest(YAML, egress=EGRESS)
    assert tool.name == "order_status"
    assert tool.timeout_seconds == 5.0
    assert tool.needs_approval is False
    assert tool.roles == ["agent", "admin"]
    assert tool.examples == ["where is my order", "has my parcel shipped"]


def test_json_works_too_and_a_changing_tool_needs_approval() -> None:
    tool = parse_manifest(json.dumps(manifest()), egress=EGRESS)
    assert tool.effect == "write"
    assert tool.needs_approval is True


def test_every_problem_is_named_with_its_field() -> None:
    found = problems(
        manifest(
            name="Refund Charge!",
            version="1",
            input_schema={"type": "objekt"},
            rate_limit="lots",
            roles=["customer"],
        )
    )
    assert set(found) == {"name", "version", "input_schema", "rate_limit", "roles"}
    assert "JSON Schema" in found["input_schema"]
    assert "customers never run tools" in found["roles"]


def test_an_endpoint_off_the_allowlist_is_refused() -> None:
    found = problems(
        manifest(
            effect="read",
            runner={"kind": "http", "url": "http://169.254.169.254/latest/meta-data"},
        )
    )
    assert "not on the egress allowlist" in found["runner.url"]


def test_timeouts_are_capped_by_the_installation() -> None:
    with pytest.raises(ManifestError, match="at most 10 s"):
        parse_manifest(manifest(timeout_seconds=60), egress=EGRESS, max_timeout_seconds=10)


def test_oauth2_authorization_code_needs_its_urls_on_the_allowlist() -> None:
    found = problems(
        manifest(
            auth={
                "kind": "oauth2",
                "grant": "authorization_code",
                "token_url": "https://evil.example.net/token",
            }
        )
    )
    assert "required" in found["auth.authorize_url"]
    assert "not on the egress allowlist" in found["auth.token_url"]


def test_garbage_is_refused_plainly() -> None:
    assert problems("- just\n- a list") == {
        "": "The manifest must be an object (a mapping of fields)."
    }
    assert "neither JSON nor YAML" in next(iter(problems("name: [unclosed").values()))


def test_inputs_and_outputs_are_checked_against_the_schemas() -> None:
    tool = parse_manifest(YAML, egress=EGRESS)
    check_io(tool.input_schema, {"order": "A-17"}, "input")
    with pytest.raises(ManifestError, match="order: 'seventeen' does not match"):
        check_io(tool.input_schema, {"order": "seventeen"}, "input")
    with pytest.raises(ManifestError, match="'status' is a required property"):
        check_io(tool.output_schema, {"state": "shipped"}, "output")
