"""Builds a Relay connection object from a db.pagination.Page, and reads what a connection
query selected (so resolvers load only what the page will show)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from db.pagination import Page

__all__ = ["connection_from_page", "selected_paths"]

C = TypeVar("C")


def connection_from_page(
    cls: Callable[..., C], page: Page[Any], to_node: Callable[[Any], Any]
) -> C:
    """`cls(edges, page_info, total_count)` with one edge per row, in page order."""
    return cls(
        edges=[
            relay.Edge(cursor=cursor, node=to_node(row))
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ],
        page_info=relay.PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        # Not counted when not selected: the value is then never read.
        total_count=page.total_count if page.total_count is not None else -1,
    )


def _walk(selections: list[Selection], prefix: str, depth: int, into: set[str]) -> None:
    for node in selections:
        if isinstance(node, SelectedField):
            path = f"{prefix}{node.name}"
            into.add(path)
            if depth > 1:
                _walk(node.selections, path + ".", depth - 1, into)
        elif isinstance(node, (FragmentSpread, InlineFragment)):
            _walk(node.selections, prefix, depth, into)


def selected_paths(info: strawberry.Info[Any], depth: int = 3) -> frozenset[str]:
    """Dotted paths selected under the current field, fragments flattened:
    {"totalCount", "edges", "edges.node", "edges.node.customer", …} (first `depth` levels).
    """
    found: set[str] = set()
    for field in info.selected_fields:
        _walk(field.selections, "", depth, found)
    return frozenset(found)
