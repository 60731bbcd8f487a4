"""The customer list query: filters, free-text search and sort keys, shared by the
`customers` connection and bench/customers_search.py so both measure the same SQL.

Search is exact first: customers whose name or company has words starting with every
query word, whose e-mail starts with the query, or whose phone digits start with the
query's digits (a union of the three sets). Only when that finds no one does it fall
back to typo-tolerant name matching (each word within a typo of a name word: trigram
candidates from the GIN index, checked by db.typos), so "john" lists the Johns and not
every Johanna, and "Jonh Smiht" finds John Smith.

Free text is never spliced into SQL: words are reduced to letters and digits before they
become a tsquery, e-mail and phone prefixes are quoted as tsquery lexemes, and everything
travels as bind parameters.
"""

from __future__ import annotations

import enum
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    any_,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Customer
from db.pagination import Page, PageRequest, SortKey, fetch_page
from db.trigrams import fuzzy_words, words
from db.typos import typo_match

__all__ = [
    "MAX_SEARCH_LENGTH",
    "CustomerCriteria",
    "CustomerSort",
    "customer_sort",
    "customers_statement",
    "escape_like",
    "exact_condition",
    "fetch_customers",
    "fuzzy_condition",
    "intersect",
    "prefix_tsquery",
    "trigram_frequencies",
    "tsquery_text",
]

MAX_SEARCH_LENGTH = 200
# Fewer digits than this look like part of a name or a street number, not a phone.
MIN_PHONE_DIGITS = 3
# From this length on a search is assumed to match few enough rows to sort them all.
MIN_SELECTIVE_SEARCH = 3
_NON_DIGIT = re.compile(r"\D")


class CustomerSort(enum.Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True, slots=True)
class CustomerCriteria:
    """Which customers a list shows; `only_id` scopes a customer user to their own record."""

    search: str | None = None
    tags: tuple[str, ...] = ()
    company: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_deleted: bool = False
    only_id: uuid.UUID | None = None
    # Lets "415 555" find "+1 415 555 …" when the default region is the US.
    phone_country_code: str | None = None
    # Match the search by shared name trigrams: typo candidates (see fetch_customers).
    fuzzy: bool = False
    organization_id: uuid.UUID | None = None
    # A second search that must also match, exactly (a saved segment's, with the list's).
    also_search: str | None = None
    # Conditions that contradict each other (two different companies): nobody matches.
    nothing: bool = False


def intersect(a: CustomerCriteria, b: CustomerCriteria) -> CustomerCriteria:
    """Customers matching both `a` and `b` (a list's own filter and a saved segment's);
    `a` keeps its search (typo fallback included), `b`'s must match exactly as well."""
    nothing = a.nothing or b.nothing
    company = a.company if a.company is not None else b.company
    if a.company is not None and b.company is not None:
        nothing = nothing or a.company.strip().lower() != b.company.strip().lower()
    organization_id = a.organization_id or b.organization_id
    if a.organization_id and b.organization_id:
        nothing = nothing or a.organization_id != b.organization_id
    after = [t for t in (a.created_after, b.created_after) if t is not None]
    before = [t for t in (a.created_before, b.created_before) if t is not None]
    search, also = (a.search, b.search) if a.search else (b.search, None)
    return replace(
        a,
        search=search,
        also_search=also,
        tags=tuple(dict.fromkeys(a.tags + b.tags)),
        company=company,
        created_after=max(after) if after else None,
        created_before=min(before) if before else None,
        organization_id=organization_id,
        nothing=nothing,
    )


def customer_sort(field: CustomerSort, descending: bool) -> SortKey:
    if field is CustomerSort.NAME:
        return SortKey(Customer.name_key.expression, lambda row: row.name_key, descending)
    if field is CustomerSort.UPDATED_AT:
        return SortKey(Customer.updated_at.expression, lambda row: row.updated_at, descending)
    return SortKey(Customer.created_at.expression, lambda row: row.created_at, descending)


async def fetch_customers(
    session: AsyncSession,
    criteria: CustomerCriteria,
    sort: SortKey,
    request: PageRequest,
    *,
    max_size: int = 100,
    count: bool = True,
) -> Page[Customer]:
    """One page of customers; a search with no exact match is retried typo-tolerantly.

    The retry depends only on whether anything matches exactly (the total, not the
    page), so every page of one search uses the same route and cursors stay valid; a
    search is therefore always counted, a plain list only when `count`.
    """
    search = _clean(criteria.search)
    if len(search) >= MIN_SELECTIVE_SEARCH:
        sort = _sort_after_matching(sort)
    page = await fetch_page(
        session,
        customers_statement(criteria),
        sort,
        Customer.id,
        request,
        max_size=max_size,
        count=count or bool(search),
    )
    if page.total_count or criteria.fuzzy or not search or not fuzzy_words(search):
        return page
    # The index finds candidates sharing enough trigrams; db.typos keeps those a typo away.
    # That is done once, and the page and its count then read the matches by primary key.
    frequencies = await trigram_frequencies(session)
    fuzzy = customers_statement(
        replace(criteria, fuzzy=True), trigram_frequencies=frequencies
    ).with_only_columns(Customer.id, Customer.name)
    ids = [row.id for row in await session.execute(fuzzy) if typo_match(search, row.name)]
    if not ids:
        return page
    matched = select(Customer).where(Customer.id == any_(literal(ids, ARRAY(UUID(as_uuid=True)))))
    return await fetch_page(session, matched, sort, Customer.id, request, max_size=max_size)


def _sort_after_matching(sort: SortKey) -> SortKey:
    """The same order in a form no index provides.

    PostgreSQL cannot estimate prefix matches well and, seeing LIMIT 21, likes to walk
    the sort index backwards testing every row: fine when half the table matches, a full
    scan when three rows do. A search of a few characters matches a bounded set, so the
    plan that reads the matches through the GIN indexes and sorts them is the one wanted.
    """
    return replace(sort, expression=func.coalesce(sort.expression, sort.expression))


def customers_statement(
    criteria: CustomerCriteria, *, trigram_frequencies: Mapping[str, float] | None = None
) -> Select[Any]:
    """`select(Customer)` filtered by `criteria`, ready for db.pagination.fetch_page."""
    stmt = select(Customer)
    if not criteria.include_deleted:
        stmt = stmt.where(Customer.deleted_at.is_(None))
    if criteria.only_id is not None:
        stmt = stmt.where(Customer.id == criteria.only_id)
    if criteria.tags:
        stmt = stmt.where(Customer.tags.contains(cast(list(criteria.tags), Customer.tags.type)))
    if criteria.company is not None:
        stmt = stmt.where(func.lower(Customer.company) == criteria.company.strip().lower())
    if criteria.created_after is not None:
        stmt = stmt.where(Customer.created_at >= criteria.created_after)
    if criteria.created_before is not None:
        stmt = stmt.where(Customer.created_at < criteria.created_before)
    if criteria.organization_id is not None:
        stmt = stmt.where(Customer.organization_id == criteria.organization_id)
    if criteria.nothing:
        stmt = stmt.where(false())
    also = _clean(criteria.also_search)
    if also:
        stmt = stmt.where(exact_condition(also, criteria.phone_country_code))
    search = _clean(criteria.search)
    if search:
        stmt = stmt.where(
            fuzzy_condition(search, trigram_frequencies)
            if criteria.fuzzy
            else exact_condition(search, criteria.phone_country_code)
        )
    return stmt


def _clean(text: str | None) -> str:
    # PostgreSQL text cannot hold NUL; it is no part of any name, address or number.
    return (text or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]


def exact_condition(text: str, phone_country_code: str | None = None) -> ColumnElement[bool]:
    """Word prefixes of name and company, e-mail prefix, phone-digit prefix. All three
    live on the customers row (search_vector, contact_vector), so two GIN indexes answer
    with one bitmap OR. Matches nothing when no route applies (punctuation only, say)."""
    routes: list[ColumnElement[bool]] = []
    query = tsquery_text(text)
    if query is not None:
        routes.append(Customer.search_vector.op("@@")(func.to_tsquery("simple", query)))

    contact_terms = []
    if not any(ch.isspace() for ch in text):
        contact_terms.append("e:" + text.lower())
    digits = _NON_DIGIT.sub("", text)
    international = text.startswith(("+", "00"))
    if text.startswith("00"):
        digits = digits[2:]
    if len(digits) >= MIN_PHONE_DIGITS:
        contact_terms.append("p:" + digits)
        if phone_country_code and not international:
            contact_terms.append("p:" + phone_country_code + digits)
    if contact_terms:
        routes.append(
            Customer.contact_vector.op("@@")(cast(prefix_tsquery(contact_terms), TSQUERY))
        )
    return or_(*routes) if routes else false()


def prefix_tsquery(terms: list[str]) -> str:
    """tsquery input matching lexemes that start with any of `terms`, taken literally:
    each is quoted, with its quotes and backslashes doubled, so none is an operator."""
    quoted = (term.replace("\\", "\\\\").replace("'", "''") for term in terms)
    return " | ".join(f"'{term}':*" for term in quoted)


def fuzzy_condition(
    text: str, frequencies: Mapping[str, float] | None = None
) -> ColumnElement[bool]:
    """Every query word finds at least db.trigrams.WORD_COVERAGE of its trigrams in the
    name. Per word, the GIN index finds the names sharing a probe trigram (every name
    that can qualify); the exact count is then checked for those candidates only."""
    prepared = fuzzy_words(text, frequencies)
    if not prepared:
        return false()
    conditions: list[ColumnElement[bool]] = []
    for word in prepared:
        # Whole arrays as parameters: the SQL text depends only on the number of words, so
        # compiled statements and server-side prepared statements are reused.
        gram = func.unnest(Customer.name_trigrams).table_valued("gram").render_derived()
        shared = (
            select(func.count())
            .select_from(gram)
            .where(gram.c.gram == any_(_text_array(word.grams)))
            .scalar_subquery()
        )
        conditions.append(Customer.name_trigrams.overlap(_text_array(word.probe)))
        conditions.append(shared >= literal(word.needed, Integer))
    return and_(*conditions)


# Per database (URL): when read, and the share of names holding each common trigram.
_FREQUENCIES: dict[str, tuple[float, dict[str, float]]] = {}
_FREQUENCIES_TTL = 600.0


async def trigram_frequencies(session: AsyncSession) -> dict[str, float]:
    """The planner's statistics on name trigrams (ANALYZE keeps them), read at most every
    ten minutes: they steer fuzzy probes away from trigrams half the table shares."""
    key = str(getattr(session.bind, "url", ""))
    cached = _FREQUENCIES.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _FREQUENCIES_TTL:
        return cached[1]
    row = (
        await session.execute(
            sql_text(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'customers' "
                "AND attname = 'name_trigrams'"
            )
        )
    ).one_or_none()
    frequencies: dict[str, float] = {}
    if row is not None and row[0] is not None and row[1] is not None:
        frequencies = dict(zip(row[0], row[1], strict=False))  # freqs end with 3 summaries
    _FREQUENCIES[key] = (now, frequencies)
    return frequencies


def tsquery_text(text: str) -> str | None:
    """'Jo Smi' → 'jo:* & smi:*': every word must start a word of the name or company.

    Words hold only letters and digits, so no tsquery operator can get through.
    """
    found = words(text)
    if not found:
        return None
    return " & ".join(f"{word}:*" for word in found)


def escape_like(value: str) -> str:
    """`value` matched literally by LIKE … ESCAPE '\\' (used by other lists' filters)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_array(values: list[str]) -> ColumnElement[list[str]]:
    return literal(values, ARRAY(Text))  # rendered as $n::TEXT[]
