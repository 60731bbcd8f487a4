"""The customer list query: filters, free-text search and sort keys, shared by the
`customers` connection and bench/customers_search.py so both measure the same SQL.

Free text is never spliced into SQL: words are reduced to letters and digits before they
become a tsquery, LIKE patterns are escaped, and everything travels as bind parameters.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    any_,
    cast,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import ARRAY

from db.models import Customer, CustomerEmail, CustomerPhone
from db.pagination import SortKey
from db.trigrams import SIMILARITY_THRESHOLD, probe_trigrams, trigrams, words

__all__ = [
    "MAX_SEARCH_LENGTH",
    "CustomerCriteria",
    "CustomerSort",
    "customer_sort",
    "customers_statement",
    "escape_like",
    "search_condition",
    "tsquery_text",
]

MAX_SEARCH_LENGTH = 200
# Fewer digits than this look like part of a name or a street number, not a phone.
MIN_PHONE_DIGITS = 3
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


def customer_sort(field: CustomerSort, descending: bool) -> SortKey:
    if field is CustomerSort.NAME:
        return SortKey(Customer.name_key.expression, lambda row: row.name_key, descending)
    if field is CustomerSort.UPDATED_AT:
        return SortKey(Customer.updated_at.expression, lambda row: row.updated_at, descending)
    return SortKey(Customer.created_at.expression, lambda row: row.created_at, descending)


def customers_statement(criteria: CustomerCriteria) -> Select[tuple[Customer]]:
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
    if criteria.search is not None and criteria.search.strip():
        stmt = stmt.where(search_condition(criteria.search, criteria.phone_country_code))
    return stmt


def search_condition(text: str, phone_country_code: str | None = None) -> ColumnElement[bool]:
    """Customers matching `text` by any route: word prefix of name or company, e-mail
    prefix, phone-digit prefix, or a typo-tolerant name match. Matches nothing when no
    route applies (punctuation only, say)."""
    text = text.strip()[:MAX_SEARCH_LENGTH]
    parts: list[Select[Any]] = []

    on_customer: list[ColumnElement[bool]] = []
    query = tsquery_text(text)
    if query is not None:
        on_customer.append(Customer.search_vector.op("@@")(func.to_tsquery("simple", query)))
    fuzzy = _fuzzy_name_condition(text)
    if fuzzy is not None:
        on_customer.append(fuzzy)
    if on_customer:
        parts.append(select(Customer.id).where(or_(*on_customer)))

    if text and not any(ch.isspace() for ch in text):
        pattern = escape_like(text.lower()) + "%"
        parts.append(
            select(CustomerEmail.customer_id).where(CustomerEmail.email.like(pattern, escape="\\"))
        )

    digits = _NON_DIGIT.sub("", text)
    international = text.startswith(("+", "00"))
    if text.startswith("00"):
        digits = digits[2:]
    if len(digits) >= MIN_PHONE_DIGITS:
        prefixes = [digits]
        if phone_country_code and not international:
            prefixes.append(phone_country_code + digits)
        parts.append(
            select(CustomerPhone.customer_id).where(
                or_(*(CustomerPhone.digits.like(p + "%") for p in prefixes))
            )
        )

    if not parts:
        return false()
    if len(parts) == 1:
        return Customer.id.in_(parts[0])
    return Customer.id.in_(union(*parts))


def tsquery_text(text: str) -> str | None:
    """'Jo Smi' → 'jo:* & smi:*': every word must start a word of the name or company.

    Words hold only letters and digits, so no tsquery operator can get through.
    """
    found = words(text)
    if not found:
        return None
    return " & ".join(f"{word}:*" for word in found)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fuzzy_name_condition(text: str) -> ColumnElement[bool] | None:
    """Similarity |A∩B| / |A∪B| ≥ threshold between the query's and the name's trigrams.

    The GIN index finds names sharing an inner trigram; the exact ratio is then checked
    for those candidates only, in integers: with threshold p/q, (p+q)·|A∩B| ≥ p·(|A|+|B|).
    """
    wanted = trigrams(text)
    probe = probe_trigrams(wanted)
    if not probe:
        return None
    p, q = SIMILARITY_THRESHOLD.numerator, SIMILARITY_THRESHOLD.denominator
    wanted_array = cast(literal(wanted, ARRAY(Text)), ARRAY(Text))
    probe_array = cast(literal(probe, ARRAY(Text)), ARRAY(Text))
    gram = func.unnest(Customer.name_trigrams).table_valued("gram").render_derived()
    common = (
        select(func.count())
        .select_from(gram)
        .where(gram.c.gram == any_(wanted_array))
        .scalar_subquery()
    )
    size = func.cardinality(Customer.name_trigrams) + literal_column(str(len(wanted)))
    return Customer.name_trigrams.overlap(probe_array) & (
        literal_column(str(p + q)) * common >= literal_column(str(p)) * size
    )
