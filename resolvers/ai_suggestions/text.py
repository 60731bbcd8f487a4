"""Text helpers of suggestions: the diff between versions, the edit distance of what was
sent from what the AI wrote, and a draft's plain text as message HTML."""

from __future__ import annotations

import difflib
import html

__all__ = ["edit_distance", "plain_to_html", "unified_diff"]

# Above this many cells the exact distance costs too much; difflib's opcodes then give an
# upper bound that is exact for the usual case (a few contiguous edits).
_EXACT_CELLS = 4_000_000


def unified_diff(before: str, after: str, from_version: int, to_version: int) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"version {from_version}",
        tofile=f"version {to_version}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over characters."""
    if a == b:
        return 0
    if len(a) * len(b) > _EXACT_CELLS:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        return sum(
            max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
        )
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def plain_to_html(text: str) -> str:
    """Paragraphs at blank lines, line breaks kept, everything escaped."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p
    )
