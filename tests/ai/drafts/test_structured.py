"""Reading providers' structured answers: JSON in code fences, markers, streamed text."""

from __future__ import annotations

import json

import pytest

from ai.drafts import DraftAction, Source
from ai.drafts.structured import DraftFormatError, TextStreamer, parse_answer, to_output

SOURCES = [
    Source(id="a", kind="kb_chunk", title="A", text="First."),
    Source(id="b", kind="kb_chunk", title="B", text="Second."),
]


def test_answer_in_a_code_fence_is_read_and_markers_become_per_sentence_citations() -> None:
    answer = (
        "```json\n"
        + json.dumps(
            {
                "text": 'Cards work. [1] So does "direct debit" [2]. Anything else?',
                "citations": [1],
                "confidence": 0.5,
                "action": "REPLY",
                "language": "en",
            }
        )
        + "\n```"
    )
    output = to_output(parse_answer(answer), SOURCES)
    assert output.text == 'Cards work. So does "direct debit". Anything else?'
    assert output.citations == ("a", "b")
    assert output.attributions == (
        ("Cards work.", ("a",)),
        ('So does "direct debit".', ("b",)),
        ("Anything else?", ()),
    )
    assert output.action == DraftAction.REPLY


def test_citation_outside_the_context_is_kept_visibly_unknown() -> None:
    data = {"text": "Yes. [7]", "citations": [7], "confidence": 1, "action": "REPLY"}
    output = to_output({**data, "language": "en"}, SOURCES)
    assert output.citations == ("#7",)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("Sure, here you go", "not JSON"),
        ('{"text": "x", "citations": [], "confidence": 0.5, "action": "REPLY"}', "language"),
        (
            '{"text": "x", "citations": [], "confidence": 0.5, "action": "SEND", "language": "en"}',
            "action",
        ),
    ],
)
def test_answer_not_valid_for_the_schema_says_what_is_wrong(answer: str, problem: str) -> None:
    with pytest.raises(DraftFormatError, match=problem):
        parse_answer(answer)


def test_streamed_text_is_decoded_and_unmarked_however_the_json_is_cut() -> None:
    data = {
        "citations": [1, 2],
        "text": 'Caf\u00e9 "bills" [1]\nare sent [12]. Done [1, 2].',
        "confidence": 0.9,
        "action": "REPLY",
        "language": "en",
    }
    raw = json.dumps(data)
    expected = to_output(parse_answer(raw), SOURCES * 6).text
    for size in (1, 2, 3, 7, 50):
        streamer = TextStreamer()
        pieces = [streamer.feed(raw[i : i + size]) for i in range(0, len(raw), size)]
        pieces.append(streamer.finish())
        assert "".join(pieces) == expected, size
        assert "[" not in "".join(pieces)
