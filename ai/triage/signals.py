"""Cheap text signals that need no model: urgency cues, the language and the sentiment.

Urgency cues feed the priority classifier as extra features (the embedding says what a
ticket is about far better than how urgent it is). Language is guessed from function words
of a few European languages; sentiment from a small lexicon. Both are honest heuristics:
good enough to route and to flag an angry customer, not a linguistic analysis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CUE_FEATURES",
    "Sentiment",
    "cue_vector",
    "sentiment",
    "urgency_cues",
]

_WORD = re.compile(r"[a-zà-öø-ÿß']+", re.IGNORECASE)

# Phrases, lower case; a multi-word cue matches as a substring of the normalised text.
_URGENT = (
    "urgent",
    "emergency",
    "immediately",
    "right now",
    "right away",
    "asap",
    "outage",
    "is down",
    "platform is down",
    "site is down",
    "nobody can",
    "none of our",
    "no one can",
    "entire company",
    "everyone",
    "all users",
    "all our customers",
    "all customers",
    "whole team",
    "production",
    "hacked",
    "breach",
    "fraud",
    "data loss",
    "lost all",
    "disappeared",
    "security risk",
    "losing",
    "patients",
    "tomorrow",
    "tonight",
    "next hour",
    "in an hour",
    "today",
    "critical",
)
_HIGH = (
    "not working",
    "doesn't work",
    "does not work",
    "cannot",
    "can't",
    "can not",
    "unable",
    "broken",
    "crash",
    "fails",
    "failed",
    "failing",
    "error",
    "locked",
    "wrong",
    "never",
    "still",
    "missing",
    "damaged",
    "lost",
    "stuck",
    "deadline",
    "charged",
    "double",
    "ruined",
    "blocked",
    "not arrived",
    "has not",
    "money back",
)
_LOW = (
    "just curious",
    "curious",
    "wondering",
    "no rush",
    "no hurry",
    "not urgent",
    "sometime",
    "some day",
    "someday",
    "at some point",
    "suggestion",
    "feature idea",
    "would be nice",
    "would be lovely",
    "just asking",
    "next year",
    "planning",
    "interested in",
    "is there a way",
    "do you offer",
    "do you have",
    "are you planning",
    "what are your",
    "what is the",
    "feedback",
    "idea",
)
CUE_FEATURES = 3


def _words(text: str) -> list[str]:
    return text.split()


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def urgency_cues(text: str) -> dict[str, list[str]]:
    """The cue phrases found, per level (`urgent`, `high`, `low`)."""
    body = f" {_normal(text)} "
    found: dict[str, list[str]] = {}
    for level, phrases in (("urgent", _URGENT), ("high", _HIGH), ("low", _LOW)):
        hits = [p for p in phrases if re.search(rf"(?<![a-z]){re.escape(p)}(?![a-z])", body)]
        if hits:
            found[level] = hits
    if text.count("!") >= 1:
        found.setdefault("urgent", []).append("!")
    return found


def cue_vector(text: str) -> NDArray[np.float32]:
    """(urgent, high, low) cue strengths in 0..1, appended to the embedding."""
    cues = urgency_cues(text)
    return np.array(
        [min(1.0, len(cues.get(level, ())) / 2.0) for level in ("urgent", "high", "low")],
        dtype=np.float32,
    )


_NEGATIVE = frozenset(
    _words(
        "angry annoyed awful bad broken complain complaining crash crashes disappointed "
        "disappointing disgusting frustrated frustrating furious horrible lost losing "
        "never ridiculous ruined terrible unacceptable useless worst wrong damaged fail "
        "failed failing fails error hacked fraud fraudulent stuck missing "
    )
)
_POSITIVE = frozenset(
    _words(
        "great thanks thank love lovely excellent awesome amazing happy pleased "
        "appreciate wonderful nice good helpful perfect glad "
    )
)


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str  # negative | neutral | positive
    score: float  # -1 .. 1


def sentiment(text: str) -> Sentiment:
    words = [w.lower() for w in _WORD.findall(text)]
    neg = sum(w in _NEGATIVE for w in words) + text.count("!") * 0.5
    pos = sum(w in _POSITIVE for w in words)
    total = neg + pos
    score = 0.0 if total == 0 else (pos - neg) / total
    if total and score <= -0.34:
        return Sentiment("negative", round(score, 3))
    if total and score >= 0.34:
        return Sentiment("positive", round(score, 3))
    return Sentiment("neutral", round(score, 3))
