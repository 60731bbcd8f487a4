"""`produce_draft`: thread → question → KB sources (+ tool sources) → generate → validate.

First cut: the question is the customer's latest messages, generation is the gateway's plain
completion with the sources as numbered context, citations are the `[n]` markers the
extractive responder writes. The validation here is minimal; ai/validation replaces it.
"""

from __future__ import annotations

import re
import time

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
from ai.embeddings.base import Embedder
from ai.gateway import Gateway
from ai.providers.extractive import NO_ANSWER
from ai.requests import Caller, CompletionRequest
from ai.retrieval.search import SearchFilter, search_kb
from db.engine import Database
from settings import Settings

__all__ = ["PROMPT_VERSION", "produce_draft"]

PROMPT_VERSION = "draft-prompt-v1"
_MARKER = re.compile(r"\s*\[(\d+)\]")


def _question(draft: DraftInput) -> str:
    latest: list[str] = []
    for message in reversed(draft.thread):
        if not message.from_customer:
            break
        latest.append(message.text)
    text = " ".join(reversed(latest)) or draft.subject
    return text.strip()[:2000]


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
    started = time.perf_counter()
    question = _question(draft)
    result = await search_kb(
        db,
        question,
        embedder=embedder,
        audiences=draft.audiences,
        search_filter=SearchFilter(locale=draft.locale),
        first=5,
        record_miss_as="ai",
    )
    sources: list[Source] = [
        Source(
            id=str(hit.chunk_id),
            kind="kb_chunk",
            title=hit.title,
            text=hit.text,
            score=hit.score,
            article_id=hit.article_id,
            version_id=hit.version_id,
        )
        for hit in result.hits
    ]
    if tools is not None:
        sources.extend(await tools(question, draft))
    retrieved = time.perf_counter()
    request = CompletionRequest.ask(
        question,
        operation="draft_reply",
        context=tuple(s.text for s in sources)
        if result.answered or len(sources) > len(result.hits)
        else (),
        prompt_version=PROMPT_VERSION,
        caller=Caller(user_id=draft.requested_by, job_id=draft.job_id, ticket_id=draft.ticket_id),
    )
    text = ""
    async for delta in gateway.stream(request):
        text += delta
        if on_token is not None:
            await on_token(delta)
    cited = tuple(
        dict.fromkeys(
            sources[int(n) - 1].id for n in _MARKER.findall(text) if 0 < int(n) <= len(sources)
        )
    )
    reply = _MARKER.sub("", text).strip()
    escalate = not cited or reply == NO_ANSWER
    output = DraftOutput(
        text=reply,
        citations=cited,
        confidence=0.0 if escalate else min(1.0, max(s.score for s in sources)),
        action=DraftAction.ESCALATE if escalate else DraftAction.REPLY,
        language=draft.locale or "en",
    )
    validation = ValidationReport(
        passed=bool(reply) and not escalate,
        reasons=() if reply and not escalate else ("no source answers the question",),
        groundedness=1.0 if cited else 0.0,
        citation_coverage=1.0 if cited else 0.0,
    )
    done = time.perf_counter()
    return DraftResult(
        output=output,
        validation=validation,
        sources=tuple(sources),
        question=question,
        provider=gateway.providers[0].name,
        model=gateway.providers[0].model,
        prompt_version=PROMPT_VERSION,
        pipeline_version=draft.pipeline_version,
        timings_ms={
            "retrieve": int((retrieved - started) * 1000),
            "generate": int((done - retrieved) * 1000),
        },
    )
