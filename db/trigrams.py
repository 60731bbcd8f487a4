"""pg_trgm-style trigrams computed in Python: the embedded server ships without pg_trgm.

A text is lower-cased and split into words of letters and digits; each word is padded as
"  word " and cut into overlapping three-character pieces, duplicates removed. This is
what pg_trgm's `show_trgm` returns, so a later move to pg_trgm keeps the same semantics.

Names are found word by word: every word of a query must find a third of its trigrams in
the name (`WORD_COVERAGE`), which every name within one typo per word does for words of
five letters or more. That only picks candidates through the GIN index; db.typos then
checks each. Whole-string similarity (pg_trgm's `similarity` ≥ 0.3) was not used: it
misses a typo in each word of "Jonh Smiht" (5/17 ≈ 0.29 against "John Smith") and lets
"Smith John" find "Jane Smithson" (6/19 ≈ 0.32).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "MAX_FUZZY_WORDS",
    "WORD_COVERAGE",
    "FuzzyWord",
    "coverage",
    "fuzzy_words",
    "similarity",
    "trigrams",
    "word_trigrams",
    "words",
]

_WORD = re.compile(r"[^\W_]+")

# A word must find at least this share of its trigrams in the name. One typo breaks at
# most four trigrams (swapping two letters), so a word of five letters (six trigrams)
# keeps two of them: "smtih" → "smith" shares "  s" and " sm".
WORD_COVERAGE = Fraction(1, 3)
# Beyond this a query is a sentence, not a name: fuzzy matching is skipped.
MAX_FUZZY_WORDS = 5


def words(text: str) -> list[str]:
    """The lower-cased alphanumeric words of `text`, in order (punctuation is a separator)."""
    return _WORD.findall(text.lower())


def word_trigrams(word: str) -> list[str]:
    padded = f"  {word} "
    return sorted({padded[i : i + 3] for i in range(len(padded) - 2)})


def trigrams(text: str) -> list[str]:
    """The sorted, distinct trigrams of `text` (empty when it has no letters or digits)."""
    found: set[str] = set()
    for word in words(text):
        found.update(word_trigrams(word))
    return sorted(found)


def _rarity(gram: str) -> int:
    """Lower is rarer: inner trigrams, then word ends ("th "), then second letters
    (" jo"), and word starts last ("  j": every name with a word starting with j)."""
    if " " not in gram:
        return 0
    if gram.endswith(" "):
        return 1
    return 3 if gram.startswith("  ") else 2


@dataclass(frozen=True, slots=True)
class FuzzyWord:
    """One query word: its trigrams, how many a name must share, and the index probe.

    The probe holds |trigrams| - needed + 1 of them, the rarest first, so by pigeonhole
    every name that shares `needed` trigrams shares at least one probe trigram: the GIN
    index finds every candidate, and no more of them than it must.
    """

    grams: list[str]
    needed: int
    probe: list[str]


def fuzzy_words(text: str, frequencies: Mapping[str, float] | None = None) -> list[FuzzyWord]:
    """The words of `text` prepared for a fuzzy name match; [] when it is not worth one
    (no word has an inner trigram, i.e. every word is shorter than three characters, or
    the text has more than MAX_FUZZY_WORDS words).

    `frequencies` (share of names holding a trigram, from the planner's statistics) picks
    the rarest trigrams for the probe; without it, the trigram's shape decides.
    """
    freq = frequencies or {}
    distinct = list(dict.fromkeys(words(text)))
    if not distinct or len(distinct) > MAX_FUZZY_WORDS or all(len(w) < 3 for w in distinct):
        return []
    prepared = []
    for word in distinct:
        grams = word_trigrams(word)
        needed = max(1, math.ceil(WORD_COVERAGE * len(grams)))
        by_rarity = sorted(grams, key=lambda g: (freq.get(g, 0.0), _rarity(g), g))
        probe = by_rarity[: len(grams) - needed + 1]
        prepared.append(FuzzyWord(grams=grams, needed=needed, probe=sorted(probe)))
    return prepared


def coverage(word: str, name_grams: Iterable[str]) -> Fraction:
    """Share of `word`'s trigrams found in `name_grams` (what the SQL check computes),
    exact so that comparing it with WORD_COVERAGE is too."""
    grams = word_trigrams(word)
    found = set(name_grams)
    return Fraction(sum(1 for g in grams if g in found), len(grams))


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Shared over all distinct trigrams, as pg_trgm's `similarity` (0.0 when both empty)."""
    set_a, set_b = set(a), set(b)
    union = len(set_a | set_b)
    return len(set_a & set_b) / union if union else 0.0
