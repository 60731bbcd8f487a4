"""produce_draft end to end: the LLM JSON path against the loopback OpenAI-compatible server
(repair once, then fail), personal data kept from the provider, text streamed to staff."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable

from ai.drafts import DraftAction, DraftInput, Source, ThreadMessage, produce_draft
from ai.drafts.pipeline import build_question
from ai.drafts.prompts import PROMPT_VERSION
from ai.gateway import Gateway
from ai.providers import ExtractiveResponder
from ai.retrieval import index_article_version
from db.engine import Database
from settings import Settings
from tests.ai.conftest import anthropic_provider, openai_provider
from tests.ai.loopback import LoopbackLLM
from tests.ai.retrieval.helpers import MemoEmbedder, publish_article

LATE_FEES = """# Late fees

Ledgerly can add a late fee to invoices that stay unpaid after their due date. Choose a fixed
amount or a percentage under Settings, Invoices, Late fees.
"""
GOOD = json.dumps(
    {
        "text": "Ledgerly can add a late fee to invoices that stay unpaid after their due "
        "date. [1]",
        "citations": [1],
        "confidence": 0.8,
        "action": "REPLY",
        "language": "en",
    }
)
QUESTION = "Can you charge my clients a fee when they pay an invoice late?"


async def _one_article(db: Database, embedder: MemoEmbedder) -> None:
    _, version_id = await publish_article(db, title="Late fees", markdown=LATE_FEES)
    await index_article_version(db, version_id, embedder)


def _ticket(*messages: ThreadMessage, subject: str = "Late payers") -> DraftInput:
    return DraftInput(ticket_id=uuid.uuid4(), subject=subject, thread=messages)


async def test_llm_answer_that_is_not_json_is_repaired_once_and_then_validated(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    openai_server: LoopbackLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given one article, and a model that first answers in prose, then in JSON
    await _one_article(db, embedder)
    openai_server.script.replies = ["Sure! Late fees are easy to set up.", GOOD]
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    streamed: list[str] = []

    async def on_token(piece: str) -> None:
        streamed.append(piece)

    # When a draft is asked for
    result = await produce_draft(
        _ticket(ThreadMessage(QUESTION, from_customer=True)),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
        on_token=on_token,
    )

    # Then the second answer is used, cited and validated
    assert openai_server.count("/v1/chat/completions") == 2
    repair = openai_server.requests[-1][1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! Late fees are easy to set up."}
    assert repair[-1]["content"].startswith("Your answer was not valid: not JSON")
    assert result.validation.passed, result.validation.reasons
    assert result.output.action == DraftAction.REPLY
    assert result.output.text == (
        "Ledgerly can add a late fee to invoices that stay unpaid after their due date."
    )
    assert result.output.citations == (result.sources[0].id,)
    assert result.provider == "openai"
    assert result.prompt_version == PROMPT_VERSION
    # And staff watching the tokens read the reply's text, not JSON
    assert "".join(streamed) == result.output.text


async def test_anthropic_answer_in_a_code_fence_is_accepted(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    anthropic_server: LoopbackLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given Claude, which wraps its JSON in a Markdown code fence
    await _one_article(db, embedder)
    anthropic_server.script.replies = [f"```json\n{GOOD}\n```"]
    gateway = make_gateway([anthropic_provider(anthropic_server, settings)], settings)

    # When a draft is asked for
    result = await produce_draft(
        _ticket(ThreadMessage(QUESTION, from_customer=True)),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
    )

    # Then one request sufficed, with the instructions and the source as the system prompt
    assert anthropic_server.count("/v1/messages") == 1
    system = json.dumps(anthropic_server.requests[0][1]["system"])
    assert "Answer ONLY from the numbered context sources" in system
    assert "Late fees" in system
    assert result.provider == "anthropic"
    assert result.validation.passed, result.validation.reasons
    assert result.output.citations == (result.sources[0].id,)


async def test_two_invalid_llm_answers_give_a_failed_draft_with_the_reason(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    openai_server: LoopbackLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given a model that answers with JSON of the wrong shape twice
    await _one_article(db, embedder)
    wrong = json.dumps({"text": "Yes.", "citations": [1], "confidence": 2, "action": "MAYBE"})
    openai_server.script.replies = [wrong, wrong]
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)

    # When a draft is asked for
    result = await produce_draft(
        _ticket(ThreadMessage(QUESTION, from_customer=True)),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
    )

    # Then it failed validation, says why, and nothing of it is offered
    assert openai_server.count("/v1/chat/completions") == 2
    assert not result.validation.passed
    assert result.validation.reasons[0].startswith(
        "the provider's answer was not valid after one repair"
    )
    assert result.output.text == ""
    assert result.output.action == DraftAction.ESCALATE


async def test_no_email_phone_or_card_from_the_thread_reaches_the_provider(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    openai_server: LoopbackLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given a thread full of the customer's personal data
    await _one_article(db, embedder)
    openai_server.script.replies = [GOOD]
    gateway = make_gateway([openai_provider(openai_server, settings)], settings)
    thread = (
        ThreadMessage(
            "Hi, I am jane.doe@example.org, call me on +44 20 7946 0958. My card is "
            "4111 1111 1111 1111.",
            from_customer=True,
        ),
        ThreadMessage("Thanks Jane, we will look at it.", from_customer=False),
        ThreadMessage(
            QUESTION + " Write to jane.doe@example.org or call +44 20 7946 0958.",
            from_customer=True,
        ),
    )

    # When a draft is made with an outside provider
    result = await produce_draft(
        _ticket(*thread), db=db, gateway=gateway, embedder=embedder, settings=settings
    )

    # Then the provider saw placeholders, never the values
    sent = json.dumps(openai_server.requests)
    for value in ("jane.doe@example.org", "7946", "4111"):
        assert value not in sent
    assert "<EMAIL_1>" in sent
    assert "<EMAIL_1>" in result.question  # the stored question is redacted too
    assert result.validation.passed, result.validation.reasons


async def test_offline_draft_streams_its_text_and_records_a_usage_row(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given one article and the offline provider
    await _one_article(db, embedder)
    gateway = make_gateway([ExtractiveResponder(embedder=embedder)], settings)
    streamed: list[str] = []

    async def on_token(piece: str) -> None:
        streamed.append(piece)

    # When a draft is made
    result = await produce_draft(
        _ticket(ThreadMessage(QUESTION, from_customer=True)),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
        on_token=on_token,
    )

    # Then it quotes the article, cites it, and its text arrived piece by piece
    assert result.provider == "offline"
    assert result.output.action == DraftAction.REPLY
    assert result.validation.passed, result.validation.reasons
    assert "late fee" in result.output.text
    assert result.output.citations == (result.sources[0].id,)
    assert result.validation.groundedness == 1.0
    assert len(streamed) > 1
    assert "".join(streamed) == result.output.text
    await gateway.flush()


async def test_kb_is_searched_in_the_tickets_language_when_it_has_articles_in_it(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given the same article in English and in German
    await _one_article(db, embedder)
    _, german = await publish_article(
        db,
        title="Mahngebühren",
        locale="de",
        markdown="# Mahngebühren\n\nLedgerly kann Rechnungen, die nach dem Fälligkeitsdatum "
        "unbezahlt bleiben, eine Mahngebühr hinzufügen.\n",
    )
    await index_article_version(db, german, embedder)
    gateway = make_gateway([ExtractiveResponder(embedder=embedder)], settings)

    # When a German customer asks, and then a French one (no French articles)
    asked_in_german = await produce_draft(
        _ticket(
            ThreadMessage(
                "Wie kann ich eine Mahngebühr für unbezahlte Rechnungen hinzufügen?",
                from_customer=True,
            ),
            subject="",
        ),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
    )
    asked_in_french = await produce_draft(
        _ticket(
            ThreadMessage(
                "Comment ajouter des frais de retard (late fee) à une facture impayée ?",
                from_customer=True,
            ),
            subject="",
        ),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
    )

    # Then German is answered from the German article only, French from any article
    assert [s.title for s in asked_in_german.sources] == ["Mahngebühren"]
    assert asked_in_german.output.language == "de"
    assert {s.title for s in asked_in_french.sources} == {"Late fees", "Mahngebühren"}
    assert asked_in_french.output.language == "fr"


async def test_tool_results_are_sources_the_draft_may_cite(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given a tool step that looks the customer's order up
    await _one_article(db, embedder)
    gateway = make_gateway([ExtractiveResponder(embedder=embedder)], settings)
    asked: list[str] = []
    run_id = uuid.uuid4()

    async def tools(question: str, draft: DraftInput) -> list[Source]:
        asked.append(question)
        return [
            Source(
                id=f"tool:{run_id}",
                kind="tool",
                title="Order lookup",
                text="Order 1234 was shipped on 3 March by courier and arrives on Friday.",
                tool_run_id=run_id,
            )
        ]

    # When the customer asks about the order
    result = await produce_draft(
        _ticket(ThreadMessage("When does my order 1234 arrive?", from_customer=True)),
        db=db,
        gateway=gateway,
        embedder=embedder,
        settings=settings,
        tools=tools,
    )

    # Then the tool saw the question and the draft quotes and cites its result
    assert asked == [result.question]
    # (live data leads; a KB article that also answers may follow)
    assert f"tool:{run_id}" in result.output.citations
    assert result.output.text.startswith("Order lookup: Order 1234 was shipped")
    assert "arrives on Friday" in result.output.text
    assert result.validation.passed, result.validation.reasons


async def test_draft_asks_the_provider_it_names_and_no_other(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    openai_server: LoopbackLLM,
    make_gateway: Callable[..., Gateway],
) -> None:
    # Given a chain of OpenAI then the offline provider
    await _one_article(db, embedder)
    gateway = make_gateway(
        [openai_provider(openai_server, settings), ExtractiveResponder(embedder=embedder)],
        settings,
    )

    # When a draft names the offline provider (as compareDrafts does)
    draft = dataclasses.replace(
        _ticket(ThreadMessage(QUESTION, from_customer=True)), provider="offline"
    )
    result = await produce_draft(
        draft, db=db, gateway=gateway, embedder=embedder, settings=settings
    )

    # Then only it was asked
    assert result.provider == "offline"
    assert openai_server.requests == []


async def test_thread_without_any_text_escalates(
    db: Database,
    embedder: MemoEmbedder,
    settings: Settings,
    make_gateway: Callable[..., Gateway],
) -> None:
    gateway = make_gateway([ExtractiveResponder(embedder=embedder)], settings)
    result = await produce_draft(
        _ticket(subject=""), db=db, gateway=gateway, embedder=embedder, settings=settings
    )
    assert result.output.action == DraftAction.ESCALATE
    assert result.sources == ()
    assert result.validation.passed


def test_question_is_the_customers_latest_turn_with_a_short_subject_in_front() -> None:
    thread = [
        ("My invoices look wrong", True, True),
        ("Which ones?", False, True),
        ("internal: check numbering", False, False),
        ("The numbers skip.", True, True),
        ("From 12 to 15.", True, True),
    ]
    assert build_question("Invoice numbering", thread) == (
        "Invoice numbering\nThe numbers skip.\nFrom 12 to 15."
    )
