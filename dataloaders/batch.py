"""The two loader shapes: one row per key, and a list of rows per foreign key."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from db.engine import Database

__all__ = ["by_key", "lists_by_key"]

T = TypeVar("T")


async def by_key(
    db: Database, model: type[T], column: InstrumentedAttribute[Any], keys: Sequence[uuid.UUID]
) -> list[T | None]:
    """One `select … where column in (…)`, mapped back to key order (None where missing)."""
    async with db.reads() as session:
        rows = (await session.execute(select(model).where(column.in_(set(keys))))).scalars().all()
    found = {getattr(row, column.key): row for row in rows}
    return [found.get(key) for key in keys]


async def lists_by_key(
    db: Database,
    model: type[T],
    column: InstrumentedAttribute[Any],
    keys: Sequence[uuid.UUID],
    *order_by: Any,
) -> list[list[T]]:
    async with db.reads() as session:
        stmt = select(model).where(column.in_(set(keys))).order_by(*order_by)
        rows = (await session.execute(stmt)).scalars().all()
    grouped: dict[Any, list[T]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, column.key)].append(row)
    return [grouped.get(key, []) for key in keys]
