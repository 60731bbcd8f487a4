"""Triage by an LLM: the prompt, and the answer checked against the allowed values.

A model may answer with a team, priority or tag that does not exist (Zammad bug #5879): such
a value is rejected — reported in `rejected`, never stored or applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ai.model_json import object_in
from ai.triage.classifier import PRIORITIES

__all__ = ["PROMPT_VERSION", "LlmTriage", "parse_answer", "triage_prompt"]

PROMPT_VERSION = "triage-v1"
SENTIMENTS = ("negative", "neutral", "positive")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def triage_prompt(teams: Sequence[str], tags: Sequence[str]) -> str:
    """The system prompt: the allowed values, and the JSON shape to answer with."""
    return (
        "You triage customer-support tickets. Answer with one JSON object and nothing else:\n"
        '{"priority": one of ' + json.dumps(list(PRIORITIES)) + ",\n"
        ' "team": one of ' + json.dumps(list(teams)) + " or null,\n"
        ' "tags": a list with values from ' + json.dumps(list(tags)) + ",\n"
        ' "language": the ISO 639-1 code of the customer\'s language,\n'
        ' "sentiment": one of ' + json.dumps(list(SENTIMENTS)) + ",\n"
        ' "explanation": one or two sentences on why}\n'
        "Urgent means many users blocked, a security incident or data loss; high means one "
        "customer blocked or money wrong; low means a question or suggestion."
    )


@dataclass
class LlmTriage:
    priority: str | None = None
    team: str | None = None  # the installation's team name, as spelled there
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    sentiment: str | None = None
    explanation: str = ""
    rejected: dict[str, Any] = field(default_factory=dict)


def parse_answer(text: str, teams: Sequence[str], tags: Sequence[str]) -> LlmTriage | None:
    """The validated answer; None when it is not a JSON object, or one that answers neither
    priority nor team (some other kind of answer: the offline model decides instead)."""
    data = object_in(text)
    if data is None or not {"priority", "team"} & data.keys():
        return None
    out = LlmTriage()
    priority = data.get("priority")
    if isinstance(priority, str) and priority.strip().lower() in PRIORITIES:
        out.priority = priority.strip().lower()
    elif priority is not None:
        out.rejected["priority"] = priority
    team = data.get("team")
    by_name = {name.lower(): name for name in teams}
    if isinstance(team, str) and team.strip().lower() in by_name:
        out.team = by_name[team.strip().lower()]
    elif team not in (None, ""):
        out.rejected["team"] = team
    allowed_tags = {t.lower() for t in tags}
    raw_tags = data.get("tags") or []
    if isinstance(raw_tags, list):
        bad = []
        for tag in raw_tags:
            if isinstance(tag, str) and tag.strip().lower() in allowed_tags:
                if tag.strip().lower() not in out.tags:
                    out.tags.append(tag.strip().lower())
            else:
                bad.append(tag)
        if bad:
            out.rejected["tags"] = bad
    else:
        out.rejected["tags"] = raw_tags
    language = data.get("language")
    if isinstance(language, str) and _LANGUAGE.match(language.strip().lower()):
        out.language = language.strip().lower()
    elif language is not None:
        out.rejected["language"] = language
    sentiment = data.get("sentiment")
    if isinstance(sentiment, str) and sentiment.strip().lower() in SENTIMENTS:
        out.sentiment = sentiment.strip().lower()
    elif sentiment is not None:
        out.rejected["sentiment"] = sentiment
    explanation = data.get("explanation")
    if isinstance(explanation, str):
        out.explanation = " ".join(explanation.split())[:1000]
    return out
