"""Differences between two versions' plain text: hunks of lines (difflib), and for lines
that were changed rather than added or removed, the words that differ within them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

__all__ = ["DiffHunk", "DiffLine", "DiffSegment", "TextDiff", "diff_text"]

_WORDS = re.compile(r"\s+|[^\s]+")
CONTEXT_LINES = 3


@dataclass(frozen=True, slots=True)
class DiffSegment:
    kind: str  # equal / added / removed
    text: str


@dataclass(slots=True)
class DiffLine:
    kind: str  # context / added / removed
    text: str
    from_number: int | None
    to_number: int | None
    # Word-level changes within a changed line (empty for context and whole-line edits).
    segments: list[DiffSegment] = field(default_factory=list)


@dataclass(slots=True)
class DiffHunk:
    from_start: int
    from_count: int
    to_start: int
    to_count: int
    lines: list[DiffLine] = field(default_factory=list)


@dataclass(slots=True)
class TextDiff:
    hunks: list[DiffHunk]
    added_lines: int
    removed_lines: int

    @property
    def unified(self) -> str:
        out: list[str] = []
        for hunk in self.hunks:
            out.append(
                f"@@ -{hunk.from_start},{hunk.from_count} +{hunk.to_start},{hunk.to_count} @@"
            )
            sign = {"context": " ", "added": "+", "removed": "-"}
            out.extend(sign[line.kind] + line.text for line in hunk.lines)
        return "\n".join(out)


def _word_segments(old: str, new: str) -> tuple[list[DiffSegment], list[DiffSegment]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[DiffSegment] = []
    right: list[DiffSegment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(DiffSegment("equal", "".join(a[i1:i2])))
            right.append(DiffSegment("equal", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(DiffSegment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(DiffSegment("added", "".join(b[j1:j2])))
    return left, right


def diff_text(old: str, new: str, *, context: int = CONTEXT_LINES) -> TextDiff:
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks: list[DiffHunk] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        hunk = DiffHunk(
            from_start=first[1] + 1,
            from_count=last[2] - first[1],
            to_start=first[3] + 1,
            to_count=last[4] - first[3],
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk.lines.extend(
                    DiffLine("context", a[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)
                )
                continue
            olds = [DiffLine("removed", a[i], i + 1, None) for i in range(i1, i2)]
            news = [DiffLine("added", b[j], None, j + 1) for j in range(j1, j2)]
            if tag == "replace":
                for old_line, new_line in zip(olds, news, strict=False):
                    old_line.segments, new_line.segments = _word_segments(
                        old_line.text, new_line.text
                    )
            removed += len(olds)
            added += len(news)
            hunk.lines.extend(olds)
            hunk.lines.extend(news)
        hunks.append(hunk)
    return TextDiff(hunks=hunks, added_lines=added, removed_lines=removed)
