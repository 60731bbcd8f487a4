"""The offline intent rule: pick the read-only tool whose manifest's example phrases best
match a customer's question, and pull the obvious arguments out of the question.

Deterministic (token overlap, ties by name) so the draft pipeline's tool path runs with no
LLM; an argument is taken only when the input schema gives it a `pattern` that occurs in
the text (e.g. an order number `^[A-Z]-\\d+$`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ai.tools.manifest import ToolManifest

__all__ = ["IntentMatch", "match_intent"]

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "my",
        "me",
        "i",
        "of",
        "to",
        "for",
        "and",
        "or",
        "it",
        "in",
        "on",
        "at",
        "be",
        "was",
        "are",
        "do",
        "does",
    ]
)


@dataclass(frozen=True, slots=True)
class IntentMatch:
    tool: ToolManifest
    score: float  # 0..1: the share of the best example's words found in the question
    arguments: dict[str, Any]
    missing: tuple[str, ...]  # required arguments the question did not give


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _arguments(tool: ToolManifest, question: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    properties = tool.input_schema.get("properties", {})
    found: dict[str, Any] = {}
    for name, spec in properties.items():
        pattern = spec.get("pattern") if isinstance(spec, dict) else None
        if not isinstance(pattern, str):
            continue
        bare = pattern.removeprefix("^").removesuffix("$")
        try:
            hit = re.search(rf"(?<![\w-])(?:{bare})(?![\w-])", question)
        except re.error:
            continue
        if hit:
            found[name] = hit.group(0)
    required = tool.input_schema.get("required", [])
    return found, tuple(r for r in required if r not in found)


def match_intent(
    question: str, tools: Iterable[ToolManifest], *, threshold: float = 0.5
) -> IntentMatch | None:
    """The best read-only tool for `question`, or None below `threshold`."""
    asked = _words(question)
    best: tuple[float, str, ToolManifest] | None = None
    for tool in tools:
        if tool.needs_approval or not tool.examples:
            continue
        score = max(
            (len(asked & ex) / len(ex) for ex in map(_words, tool.examples) if ex), default=0.0
        )
        if score >= threshold and (best is None or (score, best[1]) > (best[0], tool.name)):
            best = (score, tool.name, tool)
    if best is None:
        return None
    arguments, missing = _arguments(best[2], question)
    return IntentMatch(best[2], best[0], arguments, missing)
