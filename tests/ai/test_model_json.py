"""Models' JSON answers come fenced or wrapped in prose: one reader takes the object out."""

from __future__ import annotations

import pytest

from ai.model_json import object_in, unfenced


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"team": "Billing"}', '{"team": "Billing"}'),
        ('```json\n{"team": "Billing"}\n```', '{"team": "Billing"}'),
        ('  ```\n{"a": 1}\n```  ', '{"a": 1}'),
        ('```json\n{"a": 1}', '{"a": 1}'),  # the model stopped before the closing fence
        ("Plain words", "Plain words"),
    ],
)
def test_unfenced_takes_the_answer_out_of_one_fence(answer: str, expected: str) -> None:
    assert unfenced(answer) == expected


def test_object_in_reads_an_object_wrapped_in_prose_or_a_fence() -> None:
    prose = 'Sure! Here is the triage:\n```json\n{"priority": "high", "meta": {"n": 1}}\n```\nBye'

    assert object_in(prose) == {"priority": "high", "meta": {"n": 1}}
    assert object_in('```json\n{"team": "Billing"}\n```') == {"team": "Billing"}


@pytest.mark.parametrize("answer", ["", "no json here", "[1, 2]", '{"broken": ', "} {"])
def test_object_in_is_none_when_there_is_no_object(answer: str) -> None:
    assert object_in(answer) is None
