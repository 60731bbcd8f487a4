"""The offline triage classifier: softmax regression over the local embedder's 384-d
vectors (plus urgency cue strengths for priority), and tags from the nearest examples.

Trained from the examples that ship with AutoCRM (`examples.jsonl`) and the installation's
own solved tickets; the weights serialise to one `.npz` blob that the database keeps, so
every process classifies with the same model.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ai.triage.signals import CUE_FEATURES, cue_vector

__all__ = [
    "PRIORITIES",
    "Example",
    "Fitted",
    "Prediction",
    "features",
    "shipped_examples",
    "shipped_tags",
    "train",
]

PRIORITIES = ("low", "normal", "high", "urgent")
# The embedding is unit length; scaling it lets modest weights make confident logits.
_EMBED_SCALE = 4.0
_CUE_SCALE = 2.0
_STEPS = 400
_RATE = 0.5
_L2 = 1e-3
# Tags: taken when at least this many of the nearest examples carry them.
_TAG_NEIGHBOURS = 5
_TAG_VOTES = 2
_TAG_MIN_SIMILARITY = 0.45


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    team: str | None
    priority: str | None
    tags: tuple[str, ...] = ()


def shipped_examples() -> list[Example]:
    """The labelled examples that ship with the product (generic helpdesk teams)."""
    raw = resources.files("ai.triage").joinpath("examples.jsonl").read_text("utf-8")
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return [
        Example(r["text"], r.get("team"), r.get("priority"), tuple(r.get("tags", ()))) for r in rows
    ]


def shipped_tags() -> list[str]:
    return sorted({tag for example in shipped_examples() for tag in example.tags})


def features(vectors: NDArray[np.float32], texts: Sequence[str]) -> NDArray[np.float32]:
    """Embedding, cue strengths and a bias column: the priority head's inputs."""
    cues = np.stack([cue_vector(t) for t in texts]) if texts else np.zeros((0, CUE_FEATURES))
    ones = np.ones((len(texts), 1), dtype=np.float32)
    joined: NDArray[np.float32] = np.hstack(
        [vectors * _EMBED_SCALE, cues * _CUE_SCALE, ones]
    ).astype(np.float32)
    return joined


def _topic_features(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    ones = np.ones((len(vectors), 1), dtype=np.float32)
    joined: NDArray[np.float32] = np.hstack([vectors * _EMBED_SCALE, ones]).astype(np.float32)
    return joined


def _softmax(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: NDArray[np.float32] = e / e.sum(axis=1, keepdims=True)
    return out


def _fit(x: NDArray[np.float32], y: NDArray[np.int64], classes: int) -> NDArray[np.float32]:
    """Multinomial logistic regression by full-batch gradient descent, classes balanced."""
    n, d = x.shape
    w = np.zeros((d, classes), dtype=np.float32)
    onehot = np.zeros((n, classes), dtype=np.float32)
    onehot[np.arange(n), y] = 1.0
    counts = np.bincount(y, minlength=classes).astype(np.float32)
    weight = (n / (classes * np.clip(counts, 1, None)))[y][:, None]
    for _ in range(_STEPS):
        p = _softmax(x @ w)
        grad = x.T @ ((p - onehot) * weight) / n + _L2 * w
        w -= _RATE * grad
    return w


@dataclass(frozen=True, slots=True)
class Prediction:
    priority: dict[str, float]
    team: dict[str, float]
    tags: list[str]
    cues: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Fitted:
    priority_labels: list[str]
    team_labels: list[str]
    priority_w: NDArray[np.float32]
    team_w: NDArray[np.float32]
    # The examples' vectors (float16) and tags, for tag votes.
    tag_vectors: NDArray[np.float16]
    tag_lists: list[list[str]]

    def predict(self, vectors: NDArray[np.float32], texts: Sequence[str]) -> list[Prediction]:
        from ai.triage.signals import urgency_cues

        pri = _softmax(features(vectors, texts) @ self.priority_w)
        team = _softmax(_topic_features(vectors) @ self.team_w) if self.team_labels else None
        sims = vectors @ self.tag_vectors.astype(np.float32).T if len(self.tag_lists) else None
        out: list[Prediction] = []
        for i, text in enumerate(texts):
            tags: list[str] = []
            if sims is not None:
                nearest = np.argsort(-sims[i])[:_TAG_NEIGHBOURS]
                votes = Counter(
                    tag
                    for j in nearest
                    if sims[i, j] >= _TAG_MIN_SIMILARITY
                    for tag in self.tag_lists[int(j)]
                )
                tags = sorted(tag for tag, n in votes.items() if n >= _TAG_VOTES)
            out.append(
                Prediction(
                    priority={
                        label: round(float(p), 4)
                        for label, p in zip(self.priority_labels, pri[i], strict=True)
                    },
                    team={}
                    if team is None
                    else {
                        label: round(float(p), 4)
                        for label, p in zip(self.team_labels, team[i], strict=True)
                    },
                    tags=tags,
                    cues=urgency_cues(text),
                )
            )
        return out

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            priority_w=self.priority_w,
            team_w=self.team_w,
            tag_vectors=self.tag_vectors,
        )
        return buffer.getvalue()

    def labels(self) -> dict[str, Any]:
        return {
            "priority": self.priority_labels,
            "team": self.team_labels,
            "tags": self.tag_lists,
        }

    @classmethod
    def from_stored(cls, labels: dict[str, Any], blob: bytes) -> Fitted:
        with np.load(io.BytesIO(blob)) as arrays:
            return cls(
                priority_labels=list(labels["priority"]),
                team_labels=list(labels["team"]),
                priority_w=arrays["priority_w"],
                team_w=arrays["team_w"],
                tag_vectors=arrays["tag_vectors"],
                tag_lists=[list(t) for t in labels["tags"]],
            )


def _head(
    x: NDArray[np.float32], labels: Sequence[str | None]
) -> tuple[list[str], NDArray[np.float32], float]:
    known = [i for i, label in enumerate(labels) if label]
    names = sorted({str(labels[i]) for i in known})
    if len(names) < 2:
        return names, np.zeros((x.shape[1], len(names)), dtype=np.float32), 1.0
    index = {name: k for k, name in enumerate(names)}
    y = np.array([index[str(labels[i])] for i in known], dtype=np.int64)
    w = _fit(x[known], y, len(names))
    fit = float(((x[known] @ w).argmax(axis=1) == y).mean())
    return names, w, fit


def train(
    examples: Sequence[Example], vectors: NDArray[np.float32]
) -> tuple[Fitted, dict[str, float]]:
    """Fit both heads; returns the model and its accuracy on its own training set."""
    texts = [e.text for e in examples]
    priority_labels, priority_w, priority_fit = _head(
        features(vectors, texts),
        [e.priority if e.priority in PRIORITIES else None for e in examples],
    )
    team_labels, team_w, team_fit = _head(_topic_features(vectors), [e.team for e in examples])
    tagged = [i for i, e in enumerate(examples) if e.tags]
    fitted = Fitted(
        priority_labels=priority_labels,
        team_labels=team_labels,
        priority_w=priority_w,
        team_w=team_w,
        tag_vectors=vectors[tagged].astype(np.float16),
        tag_lists=[list(examples[i].tags) for i in tagged],
    )
    return fitted, {"priority": round(priority_fit, 4), "team": round(team_fit, 4)}
