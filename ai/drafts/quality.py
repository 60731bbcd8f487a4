"""One quality score for a reply draft, from what validation measured: how comparisons pick
their best draft and what the quality report can rank by.

    base  = 0.40 · groundedness + 0.25 · citation coverage + 0.20 · confidence + 0.15 · length fit
    score = 0.5 + 0.5 · base      when the draft passed validation
    score = 0.499 · base          when it did not

so a valid draft always outranks an invalid one, and among drafts of the same verdict the
better-grounded, better-cited, more confident one of a sensible length wins. Groundedness
weighs most because an unsupported claim is the costly failure of a support reply; confidence
weighs less because it is the model's own opinion. Length fit is 1 for replies of
MIN_GOOD_CHARS to MAX_GOOD_CHARS characters, rises linearly from 0 below, and falls linearly
to 0 at TOO_LONG_CHARS above (a wall of text is not read). All inputs are clamped to 0..1.
"""

from __future__ import annotations

from ai.drafts.contract import DraftResult

__all__ = [
    "MAX_GOOD_CHARS",
    "MIN_GOOD_CHARS",
    "TOO_LONG_CHARS",
    "WEIGHTS",
    "length_fit",
    "quality_score",
    "score_result",
]

MIN_GOOD_CHARS = 80
MAX_GOOD_CHARS = 1200
TOO_LONG_CHARS = 4000
WEIGHTS = {"groundedness": 0.40, "citation_coverage": 0.25, "confidence": 0.20, "length": 0.15}


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))


def length_fit(chars: int) -> float:
    if chars <= 0:
        return 0.0
    if chars < MIN_GOOD_CHARS:
        return chars / MIN_GOOD_CHARS
    if chars <= MAX_GOOD_CHARS:
        return 1.0
    return _unit(1.0 - (chars - MAX_GOOD_CHARS) / (TOO_LONG_CHARS - MAX_GOOD_CHARS))


def quality_score(
    *,
    groundedness: float,
    citation_coverage: float,
    confidence: float,
    valid: bool,
    length: int,
) -> float:
    """The formula above; `length` is the reply's length in characters."""
    base = (
        WEIGHTS["groundedness"] * _unit(groundedness)
        + WEIGHTS["citation_coverage"] * _unit(citation_coverage)
        + WEIGHTS["confidence"] * _unit(confidence)
        + WEIGHTS["length"] * length_fit(length)
    )
    return round(0.5 + 0.5 * base if valid else 0.499 * base, 6)


def score_result(result: DraftResult) -> float:
    return quality_score(
        groundedness=result.validation.groundedness,
        citation_coverage=result.validation.citation_coverage,
        confidence=result.output.confidence,
        valid=result.validation.passed,
        length=len(result.output.text),
    )
