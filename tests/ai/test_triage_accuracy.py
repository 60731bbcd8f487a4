"""The offline triage classifier on a labelled set written for this test (65 tickets, five
teams, all priorities; none of them among the shipped training examples): accuracy is
printed, and must stay at or above 0.75 for priority and for team."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai.embeddings.local import LocalMiniLM
from ai.triage import PRIORITIES, parse_answer, shipped_examples, train

LABELLED = Path(__file__).parent / "triage_labelled.jsonl"
TEAMS = ["Accounts", "Billing", "Sales", "Shipping", "Technical"]


def _labelled() -> list[dict[str, str]]:
    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]


def test_labelled_set_covers_teams_and_priorities_and_is_not_training_data() -> None:
    rows = _labelled()
    shipped = {e.text for e in shipped_examples()}
    assert len(rows) >= 60
    assert {r["priority"] for r in rows} == set(PRIORITIES)
    assert len({r["team"] for r in rows}) == 5
    assert not shipped & {r["text"] for r in rows}


def test_offline_accuracy_for_priority_and_team(capsys: pytest.CaptureFixture[str]) -> None:
    # given the model trained from the shipped examples only
    embedder = LocalMiniLM()
    examples = shipped_examples()
    fitted, _fit = train(examples, embedder.embed_sync([e.text for e in examples]))
    rows = _labelled()

    # when it classifies the labelled tickets
    texts = [r["text"] for r in rows]
    predictions = fitted.predict(embedder.embed_sync(texts), texts)

    # then
    priority = sum(
        max(p.priority, key=lambda k: p.priority[k]) == r["priority"]
        for p, r in zip(predictions, rows, strict=True)
    ) / len(rows)
    team = sum(
        max(p.team, key=lambda k: p.team[k]) == r["team"]
        for p, r in zip(predictions, rows, strict=True)
    ) / len(rows)
    with capsys.disabled():
        print(
            f"\noffline triage on {len(rows)} labelled tickets: "
            f"priority accuracy {priority:.3f}, team accuracy {team:.3f}"
        )
    assert priority >= 0.75
    assert team >= 0.75


def test_llm_answer_keeps_allowed_values_and_rejects_the_rest() -> None:
    text = (
        "```json\n"
        + json.dumps(
            {
                "priority": "URGENT",
                "team": "legal",
                "tags": ["refund", "made-up"],
                "language": "de",
                "sentiment": "negative",
                "explanation": "Why.",
            }
        )
        + "\n```"
    )
    answer = parse_answer(text, TEAMS, ["refund", "invoice"])
    assert answer is not None
    assert answer.priority == "urgent"
    assert answer.team is None
    assert answer.tags == ["refund"]
    assert answer.language == "de"
    assert answer.rejected == {"team": "legal", "tags": ["made-up"]}


def test_llm_team_matches_the_installations_spelling() -> None:
    answer = parse_answer('{"team": "billing", "priority": "soon"}', TEAMS, [])
    assert answer is not None
    assert answer.team == "Billing"
    assert answer.priority is None
    assert answer.rejected == {"priority": "soon"}


def test_llm_answer_that_is_not_json_is_none() -> None:
    assert parse_answer("Billing, I think.", TEAMS, []) is None
