"""pg_trgm-style trigrams computed in Python: the embedded server ships without pg_trgm.

A text is lower-cased and split into words of letters and digits; each word is padded as
"  word " and cut into overlapping three-character pieces, duplicates removed. This is
what pg_trgm's `show_trgm` returns, so a later move to pg_trgm keeps the same semantics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction

__all__ = ["SIMILARITY_THRESHOLD", "probe_trigrams", "similarity", "trigrams", "words"]

_WORD = re.compile(r"[^\W_]+")

# pg_trgm's default is 0.3, but a typo in every word of a two-word name scores just under
# it ("jonh smiht" vs "john smith" is 5/17 ≈ 0.294), and that is the search support staff
# most need. A quarter still rejects names that merely share an initial.
SIMILARITY_THRESHOLD = Fraction(1, 4)


def words(text: str) -> list[str]:
    """The lower-cased alphanumeric words of `text`, in order (punctuation is a separator)."""
    return _WORD.findall(text.lower())


def trigrams(text: str) -> list[str]:
    """The sorted, distinct trigrams of `text` (empty when it has no letters or digits)."""
    found: set[str] = set()
    for word in words(text):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return sorted(found)


def probe_trigrams(query_trigrams: Iterable[str]) -> list[str]:
    """The trigrams worth looking up in the index: those inside a word.

    Edge trigrams ("  j", " jo") are shared by every name starting the same way, so an
    index probe on them returns a large part of the table for little gain. Fewer than two
    inner trigrams mean the query is too short to be a typo worth chasing: [] then.
    """
    inner = [t for t in query_trigrams if " " not in t]
    return inner if len(inner) >= 2 else []


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """|A ∩ B| / |A ∪ B| of two trigram sets (0.0 when both are empty)."""
    set_a, set_b = set(a), set(b)
    union = len(set_a | set_b)
    return len(set_a & set_b) / union if union else 0.0
