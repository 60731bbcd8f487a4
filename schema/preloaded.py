"""Related rows a connection resolver loaded with its page, handed to the objects it builds,
so their fields (customer, assignee, last message …) resolve at once from what is there:
no DataLoader, no coroutine, no asyncio task per row and field. Objects built anywhere else
carry none, and their fields load as before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = ["NOT_LOADED", "preloaded"]

# A relation the page did not load (distinct from a loaded None: "no such row").
NOT_LOADED: Final = object()


def preloaded(obj: object, name: str) -> Any:
    """The row `name` loaded with `obj`'s page (None when there is none), or NOT_LOADED."""
    relations: Mapping[str, Any] | None = getattr(obj, "preloaded", None)
    if not relations:
        return NOT_LOADED
    return relations.get(name, NOT_LOADED)
