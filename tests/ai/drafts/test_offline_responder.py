"""The offline responder on its own: which sentences of the sources a reply quotes."""

from __future__ import annotations

import json

from ai.providers.extractive import ExtractiveResponder
from ai.requests import ChatMessage, CompletionRequest
from tests.ai.retrieval.helpers import MemoEmbedder

ARTICLE = (
    "Refunds for damaged parcels\n"
    "If your parcel arrived damaged, take photos of the box and the item within 48 hours. "
    "Open a ticket with the photos attached and your order number. "
    "We refund the full price to your original payment method within 5 business days after "
    "we receive the photos."
)


def _request(question: str) -> CompletionRequest:
    return CompletionRequest(
        messages=(ChatMessage("user", question),),
        operation="draft_reply",
        context=(ARTICLE,),
        json_schema="{}",
    )


async def test_a_two_part_question_gets_the_sentence_for_each_part(
    embedder: MemoEmbedder,
) -> None:
    # given a customer who says what happened and asks for a refund
    question = "My parcel arrived damaged, the box was crushed. Can I get a refund?"

    # when the offline responder answers from the refunds article
    answer = await ExtractiveResponder(embedder=embedder).structured(_request(question))

    # then the reply covers both: what to do about the damage, and the refund
    assert answer["action"] == "REPLY"
    assert answer["citations"] == [1]
    text = str(answer["text"])
    assert "take photos of the box" in text
    assert "We refund the full price" in text
    assert text.index("take photos") < text.index("We refund")  # the article's own order


async def test_a_one_part_question_is_not_padded_with_other_parts(
    embedder: MemoEmbedder,
) -> None:
    answer = await ExtractiveResponder(embedder=embedder).structured(
        _request("How soon after the parcel arrived damaged must I send photos?")
    )
    assert "within 48 hours" in str(answer["text"])
    assert "We refund" not in str(answer["text"])
    json.dumps(answer)  # the structure is JSON as sent through the gateway
