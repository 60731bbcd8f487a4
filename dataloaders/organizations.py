"""Loaders for organizations, their member customers and tickets, and customer segments.

A list of organizations each showing its first page of customers or tickets costs one
statement for all of them: a window function numbers each organization's rows and keeps
the first `size + 1` (the extra one says whether there is a next page). Later pages
(with a cursor) are one organization's business and go through db.pagination instead.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, cast, func, select

from dataloaders.batch import by_key
from db.engine import Database
from db.models import Customer, CustomerSegment, Organization, Ticket

__all__ = [
    "FirstPage",
    "MemberSort",
    "PageIds",
    "load_member_counts",
    "load_member_pages",
    "load_organizations_by_domain",
    "load_organizations_by_id",
    "load_segments_by_id",
    "load_ticket_counts",
    "load_ticket_pages",
    "member_sort_expression",
    "ticket_sort_expression",
]


class MemberSort(enum.StrEnum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True, slots=True)
class FirstPage:
    """The first page of one organization's customers or tickets, in one order."""

    organization_id: uuid.UUID
    size: int
    sort: MemberSort
    descending: bool


@dataclass(frozen=True, slots=True)
class PageIds:
    ids: list[uuid.UUID]
    has_next_page: bool


async def load_organizations_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[Organization | None]:
    return await by_key(db, Organization, Organization.id, keys)


async def load_segments_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[CustomerSegment | None]:
    return await by_key(db, CustomerSegment, CustomerSegment.id, keys)


async def load_organizations_by_domain(
    db: Database, keys: Sequence[str]
) -> list[Organization | None]:
    """The live organization holding each domain (domains are unique among live ones)."""
    wanted = sorted(set(keys))
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(Organization)
                .where(
                    Organization.deleted_at.is_(None),
                    Organization.domains.overlap(cast(wanted, Organization.domains.type)),
                )
                .order_by(Organization.created_at, Organization.id)
            )
        ).scalars()
        found: dict[str, Organization] = {}
        for row in rows:
            for domain in row.domains:
                found.setdefault(domain, row)
    return [found.get(key) for key in keys]


def member_sort_expression(sort: MemberSort) -> Any:
    if sort is MemberSort.NAME:
        return Customer.name_key.expression
    return Customer.updated_at if sort is MemberSort.UPDATED_AT else Customer.created_at


def ticket_sort_expression(sort: MemberSort) -> Any:
    return Ticket.updated_at if sort is MemberSort.UPDATED_AT else Ticket.created_at


async def _first_pages(
    db: Database,
    keys: Sequence[FirstPage],
    statement: Any,
) -> list[PageIds]:
    """`statement(parents, key)` → select(id, parent, row_number) for one order."""
    groups: dict[tuple[int, MemberSort, bool], list[uuid.UUID]] = defaultdict(list)
    for key in keys:
        groups[(key.size, key.sort, key.descending)].append(key.organization_id)
    found: dict[tuple[uuid.UUID, int, MemberSort, bool], PageIds] = {}
    async with db.sessions() as session:
        for (size, sort, descending), parents in groups.items():
            inner = statement(sorted(set(parents)), sort, descending).subquery()
            rows = await session.execute(
                select(inner.c.id, inner.c.parent)
                .where(inner.c.rn <= size + 1)
                .order_by(inner.c.parent, inner.c.rn)
            )
            ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
            for row_id, parent in rows:
                ids[parent].append(row_id)
            for parent in parents:
                page = ids.get(parent, [])
                found[(parent, size, sort, descending)] = PageIds(page[:size], len(page) > size)
    return [found[(k.organization_id, k.size, k.sort, k.descending)] for k in keys]


def _numbered(expression: Any, id_column: Any, parent: Any, descending: bool) -> Any:
    order = (
        (expression.desc(), id_column.desc()) if descending else (expression.asc(), id_column.asc())
    )
    return func.row_number().over(partition_by=parent, order_by=order).label("rn")


def _members(parents: list[uuid.UUID], sort: MemberSort, descending: bool) -> Select[Any]:
    return select(
        Customer.id,
        Customer.organization_id.label("parent"),
        _numbered(member_sort_expression(sort), Customer.id, Customer.organization_id, descending),
    ).where(Customer.organization_id.in_(parents), Customer.deleted_at.is_(None))


def _tickets(parents: list[uuid.UUID], sort: MemberSort, descending: bool) -> Select[Any]:
    return (
        select(
            Ticket.id,
            Customer.organization_id.label("parent"),
            _numbered(
                ticket_sort_expression(sort), Ticket.id, Customer.organization_id, descending
            ),
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Customer.organization_id.in_(parents))
    )


async def load_member_pages(db: Database, keys: Sequence[FirstPage]) -> list[PageIds]:
    return await _first_pages(db, keys, _members)


async def load_ticket_pages(db: Database, keys: Sequence[FirstPage]) -> list[PageIds]:
    return await _first_pages(db, keys, _tickets)


async def _counts(db: Database, stmt: Any, keys: Sequence[uuid.UUID]) -> list[int]:
    async with db.sessions() as session:
        found = {parent: int(n) for parent, n in await session.execute(stmt)}
    return [found.get(key, 0) for key in keys]


async def load_member_counts(db: Database, keys: Sequence[uuid.UUID]) -> list[int]:
    stmt = (
        select(Customer.organization_id, func.count())
        .where(Customer.organization_id.in_(set(keys)), Customer.deleted_at.is_(None))
        .group_by(Customer.organization_id)
    )
    return await _counts(db, stmt, keys)


async def load_ticket_counts(db: Database, keys: Sequence[uuid.UUID]) -> list[int]:
    stmt = (
        select(Customer.organization_id, func.count(Ticket.id))
        .join(Customer, and_(Customer.id == Ticket.customer_id))
        .where(Customer.organization_id.in_(set(keys)))
        .group_by(Customer.organization_id)
    )
    return await _counts(db, stmt, keys)
