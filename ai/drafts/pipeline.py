"""`produce_draft`: thread → question → KB sources (+ tool sources) → generate → validate.

1. The question is the customer's latest messages (with the subject when they are short or
   open the ticket), redacted with the ticket's Redactor; the request carries that redactor,
   so providers outside the machine get placeholders and only the customer's values return.
2. Retrieval searches the KB in the ticket's language when the KB has articles in it (any
   locale otherwise), in the draft's audiences.
3. Every provider answers with the JSON of prompts.DRAFT_SCHEMA, through the gateway (usage
   rows, cache, streaming, fallback). The offline provider builds it from the sources; an
   LLM's answer that is not valid gets one repair request with the error, and a second invalid
   answer gives a DraftResult whose validation failed (reason given), not an exception.
   Gateway failures (every provider failed, timeout) do raise: the job fails and retries.
   `draft.provider` asks that provider alone (compareDrafts), with no fallback.
4. ai/validation checks the output; a failed report is never offered as sendable.

`on_token` gets the reply's text as it arrives (not the JSON); after a repair, the repaired
answer's text is streamed only if the failed answer streamed none.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from sqlalchemy import select

import ai.validation.draft as rules
from ai.drafts.contract import (
    DraftAction,
    DraftInput,
    DraftOutput,
    DraftResult,
    Source,
    TokenSink,
    ToolStep,
    ValidationReport,
)
from ai.drafts.prompts import (
    DRAFT_SCHEMA_JSON,
    PROMPT_VERSION,
    repair_message,
    source_block,
    system_prompt,
)
from ai.drafts.structured import DraftFormatError, TextStreamer, parse_answer, to_output
from ai.embeddings.base import Embedder
from ai.embeddings.factory import local_embedder
from ai.gateway import Gateway
from ai.language import detect_language
from ai.pii.redactor import Redactor
from ai.requests import Caller, ChatMessage, CompletionRequest
from ai.retrieval.search import SearchFilter, SearchOptions, search_kb
from db.engine import Database
from db.models import Article
from settings import Settings

__all__ = ["MAX_SOURCES", "PROMPT_VERSION", "build_question", "produce_draft"]

# KB chunks given to the provider (several may come from one article).
MAX_SOURCES = 6
# Customer text shorter than this many words gets the subject in front of it.
_SHORT_QUESTION_WORDS = 12
_MAX_QUESTION_CHARS = 2000


def build_question(subject: str, thread: list[tuple[str, bool, bool]]) -> str:
    """The question from (text, from customer, public) messages in thread order: the
    customer's latest messages (after the last public staff reply), with the subject in
    front when they are short or are the ticket's first messages."""
    latest: list[str] = []
    first_index = len(thread)
    for index in range(len(thread) - 1, -1, -1):
        text, from_customer, public = thread[index]
        if from_customer:
            latest.append(text.strip())
            first_index = index
        elif public and latest:
            break  # the staff reply before them closes the customer's turn
    body = "\n".join(t for t in reversed(latest) if t)
    subject = subject.strip()
    opens_ticket = not any(not c and p for _, c, p in thread[:first_index])
    wanted = opens_ticket or len(body.split()) < _SHORT_QUESTION_WORDS
    if subject and wanted and subject.casefold() not in body.casefold():
        body = f"{subject}\n{body}" if body else subject
    return (body or subject)[:_MAX_QUESTION_CHARS].strip()


async def _kb_locale(db: Database, language: str) -> str | None:
    """The KB locale to search for `language`: None when no published article has it."""
    async with db.transaction() as session:
        locales = (
            await session.scalars(
                select(Article.locale)
                .where(Article.published_version_id.is_not(None), Article.archived_at.is_(None))
                .distinct()
            )
        ).all()
    for locale in sorted(locales):
        if locale.replace("_", "-").split("-")[0].lower() == language:
            return locale
    return None


async def _retrieve(
    draft: DraftInput,
    question: str,
    language: str,
    *,
    db: Database,
    embedder: Embedder,
    settings: Settings,
) -> list[Source]:
    locale = await _kb_locale(db, language)
    result = await search_kb(
        db,
        question,
        embedder=embedder,
        audiences=draft.audiences,
        search_filter=SearchFilter(locale=locale),
        first=MAX_SOURCES,
        options=SearchOptions.from_settings(settings, per_article=False),
        record_miss_as="ai",
    )
    return [
        Source(
            id=str(hit.chunk_id),
            kind="kb_chunk",
            title=hit.title,
            text=hit.text,
            score=hit.score,
            article_id=hit.article_id,
            version_id=hit.version_id,
            heading_path=hit.heading_path,
        )
        for hit in result.hits
    ]


async def produce_draft(
    draft: DraftInput,
    *,
    db: Database,
    gateway: Gateway,
    embedder: Embedder,
    settings: Settings,
    on_token: TokenSink | None = None,
    tools: ToolStep | None = None,
) -> DraftResult:
    timings: dict[str, int] = {}
    clock = time.perf_counter()
    if draft.provider is not None:
        gateway = gateway.only(draft.provider)

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round((now - clock) * 1000)
        clock = now

    # 1. The question, redacted with the ticket's placeholders.
    detector = await asyncio.to_thread(gateway.pii_guard.detector)
    redactor, redacted = await asyncio.to_thread(
        Redactor.from_thread, detector, [(m.text, m.from_customer) for m in draft.thread]
    )
    question = build_question(
        draft.subject,
        [(text, m.from_customer, m.public) for text, m in zip(redacted, draft.thread, strict=True)],
    )
    language = (draft.locale or "").replace("_", "-").split("-")[0].lower() or detect_language(
        question
    )
    lap("question")

    # 2. Sources: the KB, then whatever the tool step adds.
    sources = (
        await _retrieve(draft, question, language, db=db, embedder=embedder, settings=settings)
        if question
        else []
    )
    if tools is not None:
        # The step redacts what it sends a model itself, and a tool needs the customer's
        # own values (an order number, their e-mail): it gets the question as written.
        plain = build_question(
            draft.subject, [(m.text, m.from_customer, m.public) for m in draft.thread]
        )
        sources.extend(await tools(plain, draft))
    if detector is not None and any(p.leaves_machine for p in gateway.providers):
        # Published values (a support line in an article) may come back in the reply.
        await asyncio.to_thread(
            lambda: [redactor.redact(s.text, public=True) for s in sources if s.kind == "kb_chunk"]
        )
    lap("retrieve")

    # 3. Generate (with one repair), 4. validate.
    request = CompletionRequest(
        messages=(ChatMessage("user", question),),
        operation="draft_reply",
        prompt_version=PROMPT_VERSION,
        system=system_prompt(language),
        context=tuple(source_block(s) for s in sources),
        caller=Caller(user_id=draft.requested_by, job_id=draft.job_id, ticket_id=draft.ticket_id),
        pii=redactor,
        json_schema=DRAFT_SCHEMA_JSON,
    )
    output: DraftOutput | None = None
    problem = ""
    provider = model = ""
    forward = on_token
    for attempt in range(2):
        streamer = TextStreamer()
        text = ""
        stream = gateway.stream(request)
        async for delta in stream:
            text += delta
            piece = streamer.feed(delta)
            if piece and forward is not None:
                await forward(piece)
        tail = streamer.finish()
        if tail and forward is not None:
            await forward(tail)
        if stream.result is not None:
            provider, model = stream.result.provider, stream.result.model
        try:
            output = to_output(parse_answer(text), sources)
            break
        except DraftFormatError as exc:
            problem = str(exc)
        if attempt == 0:
            request = dataclasses.replace(
                request,
                messages=(
                    *request.messages,
                    ChatMessage("assistant", text),
                    ChatMessage("user", repair_message(problem)),
                ),
            )
            if streamer.sent_any:
                forward = None
    lap("generate")

    if output is None:
        output = DraftOutput(
            text="", citations=(), confidence=0.0, action=DraftAction.ESCALATE, language=language
        )
        validation = ValidationReport(
            passed=False,
            reasons=(f"the provider's answer was not valid after one repair: {problem}",),
            groundedness=0.0,
            citation_coverage=0.0,
        )
    else:
        validation = await rules.validate_draft(
            # The local model: a reply carries the customer's values, which must not leave.
            output,
            sources=sources,
            redactor=redactor,
            embedder=local_embedder(),
        )
    lap("validate")
    return DraftResult(
        output=output,
        validation=validation,
        sources=tuple(sources),
        question=question,
        provider=provider,
        model=model,
        prompt_version=PROMPT_VERSION,
        pipeline_version=draft.pipeline_version,
        timings_ms=timings,
    )
