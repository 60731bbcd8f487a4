"""Reading an LLM's triage answer: only allowed values are kept, and an answer that is not a
triage at all (another prompt's JSON) is no answer, so the offline model decides."""

from __future__ import annotations

import json

from ai.triage.llm import parse_answer

TEAMS = ["Accounts", "Billing"]
TAGS = ["login", "password"]


def test_allowed_values_are_kept_and_unknown_ones_rejected() -> None:
    answer = parse_answer(
        json.dumps({"priority": "High", "team": "accounts", "tags": ["password", "vip"]}),
        TEAMS,
        TAGS,
    )
    assert answer is not None
    assert (answer.priority, answer.team, answer.tags) == ("high", "Accounts", ["password"])
    assert answer.rejected == {"tags": ["vip"]}


def test_json_that_answers_neither_priority_nor_team_is_not_a_triage() -> None:
    draft = {"text": "Open Settings [1].", "citations": [1], "action": "REPLY", "language": "en"}
    assert parse_answer(json.dumps(draft), TEAMS, TAGS) is None
    assert parse_answer("Sure! It is a billing question.", TEAMS, TAGS) is None
