"""Reading the JSON object a model was asked to answer with.

Models wrap it in a Markdown code fence, or in a sentence of prose, often enough that every
reader of a model's JSON must expect it: one place strips the fence (`unfenced`), and the
lenient readers take the object out of whatever surrounds it (`object_in`). A strict
reader (the drafts' schema check) parses `unfenced(text)` itself, to report exactly what
is wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["object_in", "unfenced"]

# One fence around the whole answer (```json … ```); a missing closing fence is tolerated.
_FENCE = re.compile(r"^```[A-Za-z]*\s*(.*?)\s*(?:```)?$", re.DOTALL)


def unfenced(text: str) -> str:
    """`text` stripped, without one Markdown code fence around it."""
    body = text.strip()
    fenced = _FENCE.match(body)
    return fenced.group(1) if fenced else body


def object_in(text: str) -> dict[str, Any] | None:
    """The JSON object in `text` — fenced, or with prose around it (from its first `{` to
    its last `}`) — or None when there is none."""
    body = unfenced(text)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(body[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
