"""What triage concludes about one ticket, before anything is written: priority, team, tags,
language, sentiment and PII kinds, from the LLM when a provider other than the offline one is
configured (its answer validated against the allowed values), else from the offline model."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from ai.gateway import Gateway, GatewayError
from ai.language import detect_language
from ai.pii.detector import get_detector
from ai.pii.entities import PiiKind, PiiMode
from ai.requests import Caller, ChatMessage, CompletionRequest
from ai.triage import (
    PRIORITIES,
    PROMPT_VERSION,
    parse_answer,
    sentiment,
    shipped_tags,
    triage_prompt,
    urgency_cues,
)
from db.engine import Database
from resolvers.triage.model_store import current_model, embed, ticket_text
from settings import Settings

__all__ = ["Decision", "TriageInput", "decide", "pii_kinds", "uses_llm"]

_log = logging.getLogger("autocrm.triage")


@dataclass(frozen=True, slots=True)
class TriageInput:
    ticket_id: uuid.UUID
    subject: str
    body: str | None
    # The installation's teams: lower-cased name -> (id, name as spelled).
    teams: dict[str, tuple[uuid.UUID, str]]
    job_id: uuid.UUID | None = None

    @property
    def text(self) -> str:
        return ticket_text(self.subject, self.body)


@dataclass
class Decision:
    source: str  # offline | llm
    model_version: str
    language: str
    sentiment: str
    sentiment_score: float
    pii_kinds: list[str]
    priority: str | None
    team_label: str | None
    team_id: uuid.UUID | None
    tags: list[str]
    scores: dict[str, Any] = field(default_factory=dict)
    rejected: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def uses_llm(settings: Settings) -> bool:
    return any(name != "offline" for name in settings.ai_providers)


def _pii_mode(settings: Settings) -> PiiMode:
    mode = PiiMode(settings.pii_mode)
    return PiiMode.PATTERNS if mode is PiiMode.OFF else mode


async def pii_kinds(settings: Settings, text: str) -> list[str]:
    """The kinds of personal data in the text (flagged whatever PII_MODE redacts)."""
    thresholds = tuple(sorted((PiiKind(k), v) for k, v in settings.pii_thresholds.items()))
    detector = get_detector(_pii_mode(settings), thresholds)
    found = await asyncio.to_thread(detector.find, text)
    return sorted({f.kind.value for f in found})


async def decide(
    db: Database, settings: Settings, gateway: Gateway | None, given: TriageInput
) -> Decision:
    text = given.text
    feeling = sentiment(text)
    kinds = await pii_kinds(settings, text)
    decision: Decision | None = None
    if gateway is not None and uses_llm(settings):
        decision = await _by_llm(settings, gateway, given)
    if decision is None:
        decision = await _offline(db, settings, given)
    if decision.language == "":
        # "und" (undetermined) when too few words decide.
        decision.language = detect_language(text, default="und")
    if decision.sentiment == "":
        decision.sentiment, decision.sentiment_score = feeling.label, feeling.score
    decision.pii_kinds = kinds
    return decision


async def _offline(db: Database, settings: Settings, given: TriageInput) -> Decision:
    model = await current_model(db, settings)
    text = given.text
    vectors = await embed(settings, [text])
    (prediction,) = model.fitted.predict(vectors, [text])
    priority = max(prediction.priority, key=lambda k: prediction.priority[k])
    # Only labels naming one of this installation's teams count; the rest are skipped.
    usable = {label: p for label, p in prediction.team.items() if label.lower() in given.teams}
    team_id: uuid.UUID | None = None
    team_label: str | None = None
    reasons = [
        f"Priority {priority} (probability {prediction.priority[priority]:.2f}"
        + (
            "; urgency cues: " + ", ".join(sorted({c for v in prediction.cues.values() for c in v}))
            if prediction.cues
            else ""
        )
        + ")."
    ]
    if usable:
        total = sum(usable.values()) or 1.0
        best = max(usable, key=lambda k: usable[k])
        confidence = usable[best] / total
        if confidence >= settings.ai_triage_min_confidence:
            team_id, team_label = given.teams[best.lower()]
            reasons.append(f"Team {team_label} (probability {confidence:.2f}).")
        else:
            reasons.append(
                f"No team: the best match, {best}, is below the confidence threshold "
                f"({confidence:.2f})."
            )
    else:
        reasons.append("No team: none of the model's teams exists in this installation.")
    return Decision(
        source="offline",
        model_version=model.name,
        language="",
        sentiment="",
        sentiment_score=0.0,
        pii_kinds=[],
        priority=priority,
        team_label=team_label,
        team_id=team_id,
        tags=list(prediction.tags),
        scores={
            "priority": prediction.priority,
            "team": prediction.team,
            "urgency_cues": prediction.cues,
        },
        reasons=reasons,
    )


async def _by_llm(settings: Settings, gateway: Gateway, given: TriageInput) -> Decision | None:
    """The LLM's validated answer; None (offline instead) when no answer could be parsed."""
    team_names = sorted(name for _id, name in given.teams.values())
    tags = sorted(set(shipped_tags()) | {t.lower() for t in settings.ai_triage_tags})
    request = CompletionRequest(
        messages=(ChatMessage("user", given.text),),
        operation="triage",
        prompt_version=PROMPT_VERSION,
        system=triage_prompt(team_names, tags),
        max_tokens=400,
        caller=Caller(job_id=given.job_id, ticket_id=given.ticket_id),
    )
    try:
        completion = await gateway.complete(request)
    except GatewayError as exc:
        _log.warning("LLM triage failed, using the offline model: %s", exc)
        return None
    answer = parse_answer(completion.text, team_names, tags)
    if answer is None:
        _log.warning("LLM triage answer from %s is not JSON", completion.provider)
        return None
    team_id = given.teams[answer.team.lower()][0] if answer.team else None
    reasons = [answer.explanation] if answer.explanation else []
    if answer.rejected:
        reasons.append(
            "Rejected values not allowed here: "
            + "; ".join(f"{k} {v!r}" for k, v in sorted(answer.rejected.items()))
            + "."
        )
    cues = urgency_cues(given.text)
    return Decision(
        source="llm",
        model_version=f"{completion.provider}:{completion.model} {PROMPT_VERSION}",
        language=answer.language or "",
        sentiment=answer.sentiment or "",
        sentiment_score=0.0,
        pii_kinds=[],
        priority=answer.priority if answer.priority in PRIORITIES else None,
        team_label=answer.team,
        team_id=team_id,
        tags=answer.tags,
        scores={"urgency_cues": cues},
        rejected=answer.rejected,
        reasons=reasons,
    )
