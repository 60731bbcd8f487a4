"""Keyset (cursor) pagination for Relay connections: stable under inserts, index-friendly."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Row, Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

__all__ = [
    "InvalidPageRequest",
    "Page",
    "PageRequest",
    "PageStatements",
    "SortKey",
    "cursor_for",
    "decode_cursor",
    "encode_cursor",
    "fetch_page",
    "is_first_page",
    "page_statements",
    "run_page",
]

T = TypeVar("T")
# A mapped attribute (Customer.name) or any SQL expression (func.lower(Customer.name)).
Column = ColumnElement[Any] | InstrumentedAttribute[Any]


class InvalidPageRequest(ValueError):
    """A malformed cursor or an out-of-range page size; the message says which."""


@dataclass(frozen=True, slots=True)
class SortKey:
    """What a connection is ordered by: the SQL expression, the same value read off a row
    (it goes into the cursor), and the direction."""

    expression: Column
    value: Callable[[Any], Any]
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def size(self, default: int, maximum: int) -> int:
        if self.first is not None and self.last is not None:
            raise InvalidPageRequest("Pass either `first` or `last`, not both.")
        size = self.first if self.first is not None else self.last
        if size is None:
            return default
        if not 0 <= size <= maximum:
            name = "first" if self.first is not None else "last"
            raise InvalidPageRequest(f"`{name}` must be between 0 and {maximum}.")
        return size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    # None when the caller did not ask for it (no `count(*)` was run).
    total_count: int | None
    # Per row, the extra entities `fetch_page(prepare=…)` added to the page statement.
    related: list[tuple[Any, ...]] = field(default_factory=list)


def _encode(values: Sequence[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return {"t": value.isoformat()}
        if isinstance(value, uuid.UUID):
            return {"u": str(value)}
        return value

    # orjson: compact like json.dumps(separators=(",", ":")), but UTF-8 where json escapes;
    # either decodes alike, so cursors issued before stay valid.
    raw = orjson.dumps([plain(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_for(sort: SortKey, row: Any) -> str:
    """The cursor `fetch_page` gives `row` in a list ordered by `sort` (a page assembled
    another way, e.g. by a DataLoader, continues with fetch_page from it)."""
    return _encode([sort.value(row), row.id])


def is_first_page(request: PageRequest) -> bool:
    """A forward page from the start: no cursor, no `last`."""
    return request.after is None and request.before is None and request.last is None


def _decode(cursor: str, count: int) -> list[Any]:
    def typed(value: Any) -> Any:
        if isinstance(value, dict) and "t" in value:
            return datetime.fromisoformat(value["t"])
        if isinstance(value, dict) and "u" in value:
            return uuid.UUID(value["u"])
        return value

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != count:
            raise ValueError("wrong shape")
        return [typed(v) for v in values]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidPageRequest(
            "This cursor is not valid here: use a cursor from the same list and ordering."
        ) from exc


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor of keyset values (datetimes, UUIDs, strings, numbers)."""
    return _encode(values)


def decode_cursor(cursor: str, count: int) -> list[Any]:
    """The `count` values of a cursor from `encode_cursor`; InvalidPageRequest if not."""
    return _decode(cursor, count)


@dataclass(frozen=True, slots=True)
class PageStatements:
    """A page's statements, built once and reusable by any request of the same shape: a
    cursor's values are bound when it runs (`run_page`), so a caller may keep these (SQL
    constructs are immutable, and SQLAlchemy keys its compiled-SQL cache off the object,
    which is most of the cost of running a freshly built statement)."""

    page: Select[Any]
    count: Select[Any] | None
    sort: SortKey
    size: int
    backwards: bool
    prepared: bool
    # The count rides along as the page statement's last column (see page_statements).
    count_inline: bool = False


def page_statements(
    stmt: Select[Any],
    sort: SortKey,
    id_column: Column,
    request: PageRequest,
    *,
    default_size: int = 20,
    max_size: int = 100,
    count: bool = True,
    prepare: Callable[[Select[Any]], Select[Any]] | None = None,
    count_inline: bool = False,
) -> PageStatements:
    """The statements `fetch_page` runs for `request`; only whether it has an `after` or a
    `before` cursor matters, not the cursor itself.

    `count_inline` (with `prepare`): the count becomes the page statement's last column,
    an uncorrelated scalar subquery PostgreSQL runs once, so a counted page is one
    statement; only an empty page runs the count on its own."""
    size = request.size(default_size, max_size)
    backwards = request.last is not None or (request.before is not None and request.first is None)
    key = tuple_(sort.expression, id_column)
    page_stmt = stmt
    if request.after is not None:
        after = _bound_key("after", sort, id_column)
        page_stmt = page_stmt.where(key < after if sort.descending else key > after)
    if request.before is not None:
        before = _bound_key("before", sort, id_column)
        page_stmt = page_stmt.where(key > before if sort.descending else key < before)
    forward_desc = sort.descending != backwards
    order = (
        (sort.expression.desc(), id_column.desc())
        if forward_desc
        else (sort.expression.asc(), id_column.asc())
    )
    page_stmt = page_stmt.order_by(*order).limit(size + 1)
    if prepare is not None:
        page_stmt = prepare(page_stmt)
    count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery()) if count else None
    inline = False
    if count_inline and count_stmt is not None and prepare is not None:
        page_stmt = page_stmt.add_columns(count_stmt.scalar_subquery().label("page_total"))
        inline = True
    return PageStatements(
        page=page_stmt,
        count=count_stmt,
        sort=sort,
        size=size,
        backwards=backwards,
        prepared=prepare is not None,
        count_inline=inline,
    )


def _bound_key(name: str, sort: SortKey, id_column: Column) -> Any:
    return tuple_(
        bindparam(f"{name}_sort", type_=sort.expression.type),
        bindparam(f"{name}_id", type_=id_column.type),
    )


async def run_page(
    session: AsyncSession,
    statements: PageStatements,
    request: PageRequest,
    *,
    unpack: Callable[[Row[Any]], tuple[Any, tuple[Any, ...]]] | None = None,
) -> Page[Any]:
    """One page by `statements` (from `page_statements` for a request of this shape), the
    cursors of `request` bound; InvalidPageRequest for a malformed cursor."""
    params: dict[str, Any] = {}
    for name, cursor in (("after", request.after), ("before", request.before)):
        if cursor is not None:
            params[f"{name}_sort"], params[f"{name}_id"] = _decode(cursor, 2)
    size, backwards, sort = statements.size, statements.backwards, statements.sort
    related: list[tuple[Any, ...]] = []
    result = await session.execute(statements.page, params)
    total: int | None = None
    if not statements.prepared:
        rows = list(result.scalars())
    else:
        records = result.all()
        if statements.count_inline and records:
            total = records[0][-1]
        if unpack is None:
            end = -1 if statements.count_inline else None  # the count is no related row
            rows = [record[0] for record in records]
            related = [tuple(record[1:end]) for record in records]
        else:
            pairs = [unpack(record) for record in records]
            rows = [row for row, _ in pairs]
            related = [extras for _, extras in pairs]
    has_more = len(rows) > size
    rows = rows[:size]
    related = related[:size]
    if backwards:
        rows.reverse()
        related.reverse()
    if total is None and statements.count is not None:
        total = (await session.execute(statements.count)).scalar_one()
    cursors = [_encode([sort.value(row), row.id]) for row in rows]
    return Page(
        rows=rows,
        cursors=cursors,
        has_next_page=has_more if not backwards else request.before is not None,
        has_previous_page=has_more if backwards else request.after is not None,
        total_count=total,
        related=related,
    )


async def fetch_page(
    session: AsyncSession,
    stmt: Select[Any],
    sort: SortKey,
    id_column: Column,
    request: PageRequest,
    *,
    default_size: int = 20,
    max_size: int = 100,
    count: bool = True,
    prepare: Callable[[Select[Any]], Select[Any]] | None = None,
) -> Page[Any]:
    """Run `stmt` (already filtered) for one page, plus a count of all matching rows when
    `count` (a connection's `totalCount` costs a second statement only when selected).

    `prepare` may add columns and outer joins to the page statement only (related rows the
    page will show, loaded with it); they come back per row in `Page.related`. A caller
    that keeps statements, or cuts rows itself, uses `page_statements` and `run_page`.
    """
    statements = page_statements(
        stmt,
        sort,
        id_column,
        request,
        default_size=default_size,
        max_size=max_size,
        count=count,
        prepare=prepare,
    )
    return await run_page(session, statements, request)
