"""Every text leaving for a provider outside the machine is redacted: the real OpenAI and
Anthropic SDKs talk to loopback servers, which must never receive the customer's e-mail
address, phone or card number, while the reply comes back with the customer's own values."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from ai import ChatMessage, CompletionRequest, Gateway
from ai.cache import MemoryCache
from ai.factory import build_pii_guard
from ai.pii import PiiGuard, PiiMode, Redactor, get_detector
from ai.providers import ExtractiveResponder
from settings import Settings
from tests.ai.conftest import anthropic_provider, openai_provider
from tests.ai.loopback import LoopbackLLM

EMAIL, PHONE, CARD = "anna.schmidt@example.de", "+49 171 2345678", "4111 1111 1111 1111"
AGENTS_PHONE = "020 7946 0958"
QUESTION = f"Hi, I'm {EMAIL}. I was charged twice on card {CARD}. Please call me on {PHONE}."
# Retrieved or internal material holding a number the customer never gave.
NOTE = f"Internal note: the old owner of this account could be reached on {AGENTS_PHONE}."
# The messages are redacted before the context, so the note's number is <PHONE_2>.
REPLY = "We will call <PHONE_1> and write to <EMAIL_1> about card <CARD_1>, not <PHONE_2>."
RESTORED = f"We will call {PHONE} and write to {EMAIL} about card {CARD}, not [phone removed]."


def _request() -> CompletionRequest:
    return CompletionRequest.ask(QUESTION, operation="draft_reply", context=(NOTE,))


def _leaks(server: LoopbackLLM) -> list[str]:
    """Personal values found in anything the server received (also without spaces)."""
    sent = json.dumps([body for _, body in server.requests], ensure_ascii=False)
    compact = re.sub(r"[\s-]", "", sent)
    values = [EMAIL, PHONE, CARD, AGENTS_PHONE]
    return [v for v in values if v in sent or re.sub(r"[\s-]", "", v) in compact]


async def test_openai_receives_placeholders_and_the_reply_carries_the_customers_values(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    openai_server.script.text = REPLY
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    answer = await gateway.complete(_request())

    assert _leaks(openai_server) == []
    body = openai_server.requests[0][1]
    assert body["messages"][-1]["content"] == (
        "Hi, I'm <EMAIL_1>. I was charged twice on card <CARD_1>. Please call me on <PHONE_1>."
    )
    assert "<PHONE_2>" in body["messages"][0]["content"]  # the note, in the system prompt
    assert answer.text == RESTORED


async def test_openai_stream_is_restored_piece_by_piece(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    openai_server.script.text = REPLY
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    stream = gateway.stream(_request())
    pieces = [piece async for piece in stream]

    assert _leaks(openai_server) == []
    assert "".join(pieces) == RESTORED
    assert not any("<" in piece for piece in pieces)
    assert stream.result is not None
    assert stream.result.text == RESTORED


async def test_anthropic_receives_placeholders_and_the_reply_carries_the_customers_values(
    anthropic_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    anthropic_server.script.text = REPLY
    gateway = make_gateway([anthropic_provider(anthropic_server, settings)], settings)

    answer = await gateway.complete(_request())
    # Another request, another customer: none of the first one's values comes back.
    again = CompletionRequest.ask("Card again: " + CARD, operation="draft_reply")
    pieces = [piece async for piece in gateway.stream(again)]

    assert _leaks(anthropic_server) == []
    assert "<EMAIL_1>" in json.dumps(anthropic_server.requests[0][1])
    assert answer.text == RESTORED
    assert "".join(pieces) == (
        "We will call [phone removed] and write to [email removed] about card "
        f"{CARD}, not [phone removed]."
    )


async def test_ticket_redactor_keeps_placeholders_of_the_whole_thread(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    ticket, _ = Redactor.from_thread(
        get_detector(PiiMode.PATTERNS),
        [(f"My number is {PHONE}.", True), (f"Agent: I tried {AGENTS_PHONE} first.", False)],
    )
    openai_server.script.text = "Calling <PHONE_1> now; <PHONE_2> is not yours."
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    request = CompletionRequest(
        messages=(
            ChatMessage("user", f"Customer: My number is {PHONE}."),
            ChatMessage("user", f"Agent: I tried {AGENTS_PHONE} first."),
        ),
        operation="draft_reply",
        pii=ticket,
    )

    answer = await gateway.complete(request)

    sent = [m["content"] for m in openai_server.requests[0][1]["messages"]]
    assert sent == ["Customer: My number is <PHONE_1>.", "Agent: I tried <PHONE_2> first."]
    assert answer.text == f"Calling {PHONE} now; [phone removed] is not yours."


async def test_texts_sent_for_embedding_are_redacted(
    openai_server: LoopbackLLM, settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    result = await gateway.embed([QUESTION, "reset the router"], operation="ticket_index")

    assert len(result.vectors) == 2
    assert _leaks(openai_server) == []
    assert openai_server.requests[0][1]["input"][1] == "reset the router"


async def test_offline_provider_reads_the_text_as_it_is(
    settings: Settings, make_gateway: Callable[..., Gateway]
) -> None:
    gateway = make_gateway([ExtractiveResponder()], settings)
    context = (f"For refunds call our billing desk on {AGENTS_PHONE}.",)

    answer = await gateway.complete(
        CompletionRequest.ask("How do I get refunds?", operation="draft_reply", context=context)
    )

    assert answer.text == f"For refunds call our billing desk on {AGENTS_PHONE}. [1]"


async def test_pii_mode_off_sends_text_unchanged(
    openai_server: LoopbackLLM, settings: Settings
) -> None:
    off = settings.model_copy(update={"pii_mode": "off"})
    gateway = Gateway(
        [openai_provider(openai_server, off)],
        settings=off,
        cache=MemoryCache(off.ai_cache_size),
        pii=build_pii_guard(off),
    )
    openai_server.script.text = "Noted, <EMAIL_1>."
    try:
        answer = await gateway.complete(_request())
    finally:
        await gateway.close()

    assert _leaks(openai_server) == [EMAIL, PHONE, CARD, AGENTS_PHONE]
    assert answer.text == "Noted, <EMAIL_1>."  # nothing to restore, nothing masked


def test_unknown_pii_threshold_kind_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="unknown kind 'SSN'"):
        Settings(pii_thresholds={"SSN": 0.5}, _env_file=None)  # type: ignore[call-arg]


def test_pii_guard_follows_the_settings(settings: Settings) -> None:
    guard = build_pii_guard(settings.model_copy(update={"pii_thresholds": {"PHONE": 0.5}}))

    assert isinstance(guard, PiiGuard)
    assert guard.mode is PiiMode.PATTERNS
    detector = guard.detector()
    assert detector is not None
    assert detector.find("call 030 1234567") == []
