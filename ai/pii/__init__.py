"""Personal data in text bound for LLM providers: found offline with presidio-analyzer,
replaced by typed placeholders consistent within a ticket, restored in replies only with what
the customer gave."""

from __future__ import annotations

from ai.pii.detector import (
    NER_MODEL,
    Detector,
    Found,
    NerModelMissing,
    check_ner_model,
    get_detector,
)
from ai.pii.entities import DEFAULT_THRESHOLDS, NER_KINDS, PATTERN_KINDS, PiiKind, PiiMode
from ai.pii.outbound import Outbound, PiiGuard
from ai.pii.redactor import Redactor, Restored, StreamRestorer, masked

__all__ = [
    "DEFAULT_THRESHOLDS",
    "NER_KINDS",
    "NER_MODEL",
    "PATTERN_KINDS",
    "Detector",
    "Found",
    "NerModelMissing",
    "Outbound",
    "PiiGuard",
    "PiiKind",
    "PiiMode",
    "Redactor",
    "Restored",
    "StreamRestorer",
    "check_ner_model",
    "get_detector",
    "masked",
]
