"""The quality score of a reply draft, and how a comparison picks its best draft."""

from __future__ import annotations

import uuid

from ai.drafts import DraftAction, DraftOutput, DraftResult, ValidationReport
from ai.drafts.quality import length_fit, quality_score
from workers.jobs.ai_compare import pick_best

GOOD_TEXT = "Open Settings, choose Reset, and sign in again with the new password. " * 2


def _result(
    *, valid: bool, groundedness: float, coverage: float, confidence: float, text: str
) -> DraftResult:
    return DraftResult(
        output=DraftOutput(
            text=text,
            citations=(str(uuid.uuid4()),) if valid else (),
            confidence=confidence,
            action=DraftAction.REPLY if valid else DraftAction.ESCALATE,
            language="en",
        ),
        validation=ValidationReport(
            passed=valid,
            reasons=() if valid else ("no source answers the question",),
            groundedness=groundedness,
            citation_coverage=coverage,
        ),
        sources=(),
        question="How do I reset my password?",
        provider="offline",
        model="extractive",
        prompt_version="p1",
        pipeline_version="draft-v1",
    )


def test_a_perfect_draft_scores_one_and_an_empty_invalid_one_zero() -> None:
    assert (
        quality_score(
            groundedness=1, citation_coverage=1, confidence=1, valid=True, length=len(GOOD_TEXT)
        )
        == 1.0
    )
    assert (
        quality_score(groundedness=0, citation_coverage=0, confidence=0, valid=False, length=0)
        == 0.0
    )


def test_any_valid_draft_outranks_any_invalid_one() -> None:
    weakest_valid = quality_score(
        groundedness=0, citation_coverage=0, confidence=0, valid=True, length=0
    )
    strongest_invalid = quality_score(
        groundedness=1, citation_coverage=1, confidence=1, valid=False, length=len(GOOD_TEXT)
    )
    assert strongest_invalid < 0.5 <= weakest_valid


def test_groundedness_weighs_more_than_confidence() -> None:
    grounded = quality_score(
        groundedness=1, citation_coverage=0.5, confidence=0.2, valid=True, length=200
    )
    confident = quality_score(
        groundedness=0.2, citation_coverage=0.5, confidence=1, valid=True, length=200
    )
    assert grounded > confident


def test_very_short_and_very_long_replies_lose_points() -> None:
    assert length_fit(0) == 0.0
    assert length_fit(40) == 0.5
    assert length_fit(500) == 1.0
    assert length_fit(2600) == 0.5
    assert length_fit(10_000) == 0.0


def test_best_draft_is_the_highest_scoring_valid_one() -> None:
    results = [
        _result(valid=False, groundedness=1, coverage=1, confidence=1, text=GOOD_TEXT),
        _result(valid=True, groundedness=0.5, coverage=0.5, confidence=0.5, text=GOOD_TEXT),
        _result(valid=True, groundedness=0.9, coverage=0.8, confidence=0.6, text=GOOD_TEXT),
    ]
    assert pick_best(results) == 2


def test_no_draft_is_best_when_none_passed_validation() -> None:
    results = [_result(valid=False, groundedness=0, coverage=0, confidence=0, text="")]
    assert pick_best(results) is None
