"""Read-only records of an entity's columns, loaded as Core rows.

A hot list page (the inbox) shows five entities per row; hydrating them as ORM objects
(identity map, instance state, attribute instrumentation) cost more than the statement
itself. A `RecordShape` selects an entity's loaded columns (deferred ones are left out, as
the ORM leaves them out) under labels of its own, and cuts each result row into one record
per entity: a named tuple with the mapped attribute names, so the code that reads an ORM
row (`Ticket.from_row`, the policy, sort keys) reads a record alike. Records have no
relationships and no session: they are for reading, never for writing back.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ARRAY, ColumnElement, String, inspect, type_coerce
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.types import NullType, TypeDecorator

__all__ = ["RecordShape"]

T = TypeVar("T")


class RecordShape(Generic[T]):
    """The columns of `entity` (an ORM class or an alias of one) and how to cut them
    back out of a row: `shape.columns` go into a select, `shape.take(row, start)` gives the
    record (None when an outer join found nothing: its primary key is null)."""

    def __init__(self, entity: Any, label: str) -> None:
        mapper = inspect(entity).mapper
        keys = [
            prop.key
            for prop in mapper.column_attrs
            if isinstance(prop, ColumnProperty) and not prop.deferred
        ]
        self.columns: list[ColumnElement[Any]] = [
            _as_returned(getattr(entity, key)).label(f"{label}_{key}") for key in keys
        ]
        self.width = len(keys)
        self._key_index = keys.index(mapper.primary_key[0].key)
        self._record: type[tuple[Any, ...]] = namedtuple(  # type: ignore[misc]
            f"{mapper.class_.__name__}Record", keys
        )

    def take(self, values: tuple[Any, ...], start: int) -> T | None:
        """The record at `values[start:]` (a result row as a plain tuple: slicing a tuple
        is cheaper than slicing a Row), or None when its primary key is null."""
        if values[start + self._key_index] is None:
            return None
        # tuple.__new__ straight: a named tuple's own constructor is Python code.
        return cast("T", _new_tuple(self._record, values[start : start + self.width]))


_new_tuple = tuple.__new__


class _AsReturned(TypeDecorator[Any]):
    """A value as the driver returns it, with no result processing: asyncpg returns a
    PostgreSQL array of text as a list already, where SQLAlchemy's ARRAY would copy it
    item by item in Python (a tenth of the inbox page's SQL time)."""

    impl = NullType
    cache_ok = True


def _as_returned(column: Any) -> Any:
    if isinstance(column.type, ARRAY) and isinstance(column.type.item_type, String):
        return type_coerce(column, _AsReturned())
    return column
