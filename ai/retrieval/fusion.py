"""Fusing vector and full-text candidates into one ranking.

- convex (default): w * v + (1 - w) * t over min-max normalised scores. Bruch et al. (ACM TOIS
  2023) found a tuned convex combination beats reciprocal rank fusion in and out of
  domain; w (KB_FUSION_VECTOR_WEIGHT) is tuned on the relevance set in tests/ai/retrieval.
- rrf: the sum of 1/(k + rank), the rank in each list the candidate appears in.
- vector / text: one list alone (for evaluation and comparison).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Candidate", "FusionMethod", "fuse"]

FusionMethod = Literal["convex", "rrf", "vector", "text"]


@dataclass(frozen=True, slots=True)
class Candidate:
    key: object
    vector_score: float | None  # cosine similarity; None when the chunk has no usable vector
    text_score: float  # ts_rank; 0 when no query word matches
    in_vector: bool  # among the nearest neighbours
    in_text: bool  # among the full-text matches


def _min_max(values: Sequence[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        return [1.0 if high > 0 else 0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def fuse(
    candidates: Sequence[Candidate],
    method: FusionMethod,
    *,
    vector_weight: float = 0.7,
    rrf_k: int = 60,
) -> list[tuple[Candidate, float]]:
    """Candidates with their fused score, best first."""
    if method == "vector":
        pool = [c for c in candidates if c.in_vector and c.vector_score is not None]
        scored = [(c, c.vector_score or 0.0) for c in pool]
    elif method == "text":
        scored = [(c, c.text_score) for c in candidates if c.in_text]
    elif method == "rrf":
        by_vector = sorted(
            (c for c in candidates if c.in_vector and c.vector_score is not None),
            key=lambda c: -(c.vector_score or 0.0),
        )
        by_text = sorted((c for c in candidates if c.in_text), key=lambda c: -c.text_score)
        fused: dict[int, float] = {}
        for ranking in (by_vector, by_text):
            for rank, c in enumerate(ranking, 1):
                fused[id(c)] = fused.get(id(c), 0.0) + 1.0 / (rrf_k + rank)
        scored = [(c, fused[id(c)]) for c in candidates if id(c) in fused]
    else:
        if not candidates:
            return []
        present = [c.vector_score for c in candidates if c.vector_score is not None]
        floor = min(present) if present else 0.0
        vectors = _min_max(
            [c.vector_score if c.vector_score is not None else floor for c in candidates]
        )
        texts = _min_max([c.text_score for c in candidates])
        scored = [
            (c, vector_weight * v + (1.0 - vector_weight) * t)
            for c, v, t in zip(candidates, vectors, texts, strict=True)
        ]
    return sorted(scored, key=lambda pair: -pair[1])
