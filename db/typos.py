"""The last step of a typo-tolerant name search, run in Python on the few names the
trigram index let through: every query word must be a typo away from a word of the name.

"A typo away" is an optimal-string-alignment edit distance (insert, delete, replace or
swap two neighbouring letters) of at most one for words up to seven letters and two for
longer ones; a query word may also be the start of a name word ("Jonh Smi"). Trigrams
alone cannot tell "Brwon" → "Brown" from "Brwon" → "Bradley" (both share "  b", " br"),
which is why this check exists.
"""

from __future__ import annotations

from db.trigrams import words

__all__ = ["allowed_edits", "edit_distance", "typo_match"]

# Words this short are only matched as the start of a name word: one edit is a third of them.
_MIN_TYPO_LENGTH = 4


def allowed_edits(word: str) -> int:
    if len(word) < _MIN_TYPO_LENGTH:
        return 0
    return 1 if len(word) <= 7 else 2


def typo_match(query: str, name: str) -> bool:
    name_words = words(name)
    return all(
        any(
            candidate.startswith(word)
            or edit_distance(word, candidate, allowed_edits(word)) <= allowed_edits(word)
            for candidate in name_words
        )
        for word in dict.fromkeys(words(query))
    )


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or limit + 1 as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        # a swap reaches back two rows, so both must be out of reach
        if min(current) > limit and min(previous) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)
