"""A knowledge-base article drafted from a solved ticket's public thread: title, problem,
solution. Personal data is masked before anything is composed (nothing personal enters the
KB), and the result is masked again. With an LLM provider configured the article is written
by the model from the masked thread; offline (or when the model gives nothing usable) it is
composed extractively — the subject as title, the customer's first message as the problem,
the support team's public replies as the solution — with no invented text."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from ai.gateway import Gateway, GatewayError
from ai.model_json import unfenced
from ai.pii import Detector, Redactor, masked
from ai.pii.entities import PiiKind
from ai.quotas import QuotaExceeded
from ai.requests import Caller, ChatMessage, Completion, CompletionRequest

__all__ = [
    "ARTICLE_PROMPT_VERSION",
    "ArticleDraft",
    "ThreadPost",
    "compose_article",
    "extractive_article",
    "scrub",
]

ARTICLE_PROMPT_VERSION = "kb-from-ticket-v1"
OFFLINE_PROVIDER = "offline"
_MAX_POST_CHARS = 4000
_MAX_POSTS = 40
_PLACEHOLDER = re.compile(r"<(" + "|".join(k.value for k in PiiKind) + r")_\d+>")

ARTICLE_SYSTEM = (
    "You turn a solved customer-support conversation into a knowledge-base article for other "
    "customers. Use only what the conversation says; do not invent steps, facts, names or "
    "numbers. Personal data has been removed and appears as [… removed]: never try to fill it "
    "in, and leave anything specific to this one customer out. Answer with one JSON object "
    'and nothing else: {"title": "<short question-style title>", "problem": "<the problem in '
    'general terms>", "solution": "<the steps that solved it, one per line>"}.'
)


@dataclass(frozen=True, slots=True)
class ThreadPost:
    """One public message of the ticket, as plain text."""

    text: str
    from_customer: bool


@dataclass(frozen=True, slots=True)
class ArticleDraft:
    title: str
    problem: str
    solution: tuple[str, ...]
    # "llm:<provider>/<model>" or "extractive"; why extractive when the model was skipped.
    composed_by: str
    note: str = ""


def scrub(detector: Detector | None, text: str) -> str:
    """`text` with every personal value replaced by `[email removed]`-style text."""
    redactor = Redactor(detector)
    redacted = redactor.redact(text)
    return _PLACEHOLDER.sub(lambda m: masked(PiiKind(m[1])), redacted)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def extractive_article(subject: str, posts: list[ThreadPost], note: str = "") -> ArticleDraft:
    """Posts must already be scrubbed. The problem is the customer's first message (the
    subject when the customer wrote none); the solution is every support reply, in order."""
    first = next((p.text for p in posts if p.from_customer), subject)
    solution = tuple(para for p in posts if not p.from_customer for para in _paragraphs(p.text))
    return ArticleDraft(
        title=" ".join(subject.split()),
        problem="\n\n".join(_paragraphs(first)) or subject,
        solution=solution,
        composed_by="extractive",
        note=note,
    )


def _parse(answer: str) -> tuple[str, str, tuple[str, ...]] | None:
    try:
        data = json.loads(unfenced(answer))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    title, problem, solution = data.get("title"), data.get("problem"), data.get("solution")
    if isinstance(solution, list):
        solution = "\n".join(str(s) for s in solution)
    if not (
        isinstance(title, str)
        and isinstance(problem, str)
        and isinstance(solution, str)
        and title.strip()
        and problem.strip()
        and solution.strip()
    ):
        return None
    steps = tuple(line.strip() for line in solution.splitlines() if line.strip())
    return " ".join(title.split()), problem.strip(), steps


async def compose_article(
    subject: str,
    posts: list[ThreadPost],
    *,
    gateway: Gateway | None,
    detector: Detector | None,
    caller: Caller | None = None,
) -> ArticleDraft:
    """The article from the ticket's public posts (raw text: scrubbed here)."""
    # Detection is CPU work (presidio): off the event loop.
    subject, clean = await asyncio.to_thread(_scrub_thread, detector, subject, posts)
    llms = [p.name for p in (gateway.providers if gateway else ()) if p.name != OFFLINE_PROVIDER]
    if gateway is None or not llms:
        return extractive_article(subject, clean)
    conversation = tuple(f"{'Customer' if p.from_customer else 'Support'}: {p.text}" for p in clean)
    request = CompletionRequest(
        messages=(ChatMessage("user", "Write the article from this conversation, as JSON."),),
        operation="kb_article_from_ticket",
        system=ARTICLE_SYSTEM,
        context=(f"Subject: {subject}", *conversation),
        prompt_version=ARTICLE_PROMPT_VERSION,
        caller=caller or Caller(),
    )
    try:
        completion = await _ask_models(gateway, llms, request)
    except (GatewayError, QuotaExceeded) as exc:
        return extractive_article(subject, clean, note=f"the AI provider gave no answer: {exc}")
    parsed = _parse(completion.text)
    if parsed is None:
        return extractive_article(
            subject, clean, note="the AI provider's answer was not the article asked for"
        )
    title, problem, steps = parsed
    # The model may have written personal data of its own: mask it too.
    title, problem, *solution = await asyncio.to_thread(
        lambda: [scrub(detector, t) for t in (title, problem, *steps)]
    )
    return ArticleDraft(
        title=title,
        problem=problem,
        solution=tuple(solution),
        composed_by=f"llm:{completion.provider}/{completion.model}",
    )


async def _ask_models(gateway: Gateway, names: list[str], request: CompletionRequest) -> Completion:
    """The chain's models in order, skipping the offline responder (it cannot write an
    article: the fallback for that is the extractive composition)."""
    problems: list[str] = []
    for name in names:
        try:
            return await gateway.only(name).complete(request)
        except GatewayError as exc:
            problems.append(str(exc))
    raise GatewayError("; ".join(problems))


def _scrub_thread(
    detector: Detector | None, subject: str, posts: list[ThreadPost]
) -> tuple[str, list[ThreadPost]]:
    return scrub(detector, subject), [
        ThreadPost(scrub(detector, p.text[:_MAX_POST_CHARS]), p.from_customer)
        for p in posts[:_MAX_POSTS]
    ]
