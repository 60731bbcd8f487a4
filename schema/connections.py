"""Builds a Relay connection object from a db.pagination.Page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from strawberry import relay

from db.pagination import Page

__all__ = ["connection_from_page"]

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
        total_count=page.total_count,
    )
