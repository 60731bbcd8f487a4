"""Ticket triage: the offline classifier (shipped examples + local embeddings), text
signals (urgency cues, language, sentiment) and the LLM prompt with validated output."""

from __future__ import annotations

from ai.triage.classifier import (
    PRIORITIES,
    Example,
    Fitted,
    Prediction,
    shipped_examples,
    shipped_tags,
    train,
)
from ai.triage.llm import PROMPT_VERSION, LlmTriage, parse_answer, triage_prompt
from ai.triage.signals import Sentiment, sentiment, urgency_cues

__all__ = [
    "PRIORITIES",
    "PROMPT_VERSION",
    "Example",
    "Fitted",
    "LlmTriage",
    "Prediction",
    "Sentiment",
    "parse_answer",
    "sentiment",
    "shipped_examples",
    "shipped_tags",
    "train",
    "triage_prompt",
    "urgency_cues",
]
