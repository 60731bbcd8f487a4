"""Recall and precision per kind of the PII detector over the shipped labelled set
(tests/ai/pii_labelled.jsonl): support-message texts with their personal data, and hard
negatives (order, invoice, tracking numbers, dates, versions) that must stay untouched."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ai.pii import Detector, PiiKind

__all__ = ["LABELLED", "Labelled", "Scores", "labelled_set", "score"]

LABELLED = Path(__file__).with_name("pii_labelled.jsonl")


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    # (kind, start, end) of every value a redactor must hide.
    spans: tuple[tuple[PiiKind, int, int], ...]


@dataclass(frozen=True, slots=True)
class Scores:
    kind: PiiKind
    gold: int
    found: int  # gold values wholly covered by detections of their kind
    detected: int
    correct: int  # detections overlapping a gold value of their kind

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.detected if self.detected else 1.0

    def line(self) -> str:
        return (
            f"{self.kind.value:<9} recall {self.recall:.3f} ({self.found}/{self.gold})  "
            f"precision {self.precision:.3f} ({self.correct}/{self.detected})"
        )


def labelled_set() -> list[Labelled]:
    items = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row["text"]
        spans = []
        for entity in row["entities"]:
            start = text.index(entity["value"])
            spans.append((PiiKind(entity["kind"]), start, start + len(entity["value"])))
        items.append(Labelled(text, tuple(spans)))
    return items


def score(detector: Detector, items: list[Labelled]) -> dict[PiiKind, Scores]:
    """Per kind the detector reports: recall (is each value wholly hidden?) and precision."""
    gold: Counter[PiiKind] = Counter()
    found: Counter[PiiKind] = Counter()
    detected: Counter[PiiKind] = Counter()
    correct: Counter[PiiKind] = Counter()
    for item in items:
        hits = detector.find(item.text)
        for kind, start, end in item.spans:
            if kind not in detector.kinds:
                continue
            gold[kind] += 1
            covered = {i for h in hits if h.kind is kind for i in range(h.start, h.end)}
            found[kind] += all(i in covered for i in range(start, end))
        for hit in hits:
            detected[hit.kind] += 1
            correct[hit.kind] += any(
                kind is hit.kind and hit.start < end and start < hit.end
                for kind, start, end in item.spans
            )
    return {
        kind: Scores(kind, gold[kind], found[kind], detected[kind], correct[kind])
        for kind in detector.kinds
    }
