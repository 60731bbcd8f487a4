"""Usage and cost of AI calls over a period, grouped by day, user, provider, model or
operation: what admins read through `aiUsage`."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, case, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AiCall

__all__ = ["UsageGroup", "UsageGroupBy", "usage_report"]


class UsageGroupBy(enum.Enum):
    DAY = "day"
    USER = "user"
    PROVIDER = "provider"
    MODEL = "model"
    OPERATION = "operation"


@dataclass(frozen=True, slots=True)
class UsageGroup:
    # The group's value: an ISO date (DAY), a user id (USER; None = no user), or a name.
    key: str | None
    calls: int
    cache_hits: int
    failures: int
    tokens_in: int
    tokens_out: int
    cost_usd: Decimal
    unpriced_calls: int


def _key_column(group_by: UsageGroupBy) -> Any:
    if group_by is UsageGroupBy.DAY:
        return cast(func.timezone("UTC", AiCall.created_at), Date)
    return {
        UsageGroupBy.USER: AiCall.user_id,
        UsageGroupBy.PROVIDER: AiCall.provider,
        UsageGroupBy.MODEL: AiCall.model,
        UsageGroupBy.OPERATION: AiCall.operation,
    }[group_by]


async def usage_report(
    session: AsyncSession, since: datetime, until: datetime, group_by: UsageGroupBy
) -> list[UsageGroup]:
    """One row per group with calls in [since, until), largest cost first (days in order)."""
    key = _key_column(group_by).label("key")
    cost = func.coalesce(func.sum(AiCall.cost_usd), literal_column("0")).label("cost")
    query = (
        select(
            key,
            func.count().label("calls"),
            func.count().filter(AiCall.cache_hit).label("cache_hits"),
            func.count().filter(AiCall.outcome != "ok").label("failures"),
            func.coalesce(func.sum(AiCall.tokens_in), 0).label("tokens_in"),
            func.coalesce(func.sum(AiCall.tokens_out), 0).label("tokens_out"),
            cost,
            func.sum(case((AiCall.cost_usd.is_(None), 1), else_=0)).label("unpriced"),
        )
        .where(AiCall.created_at >= since, AiCall.created_at < until)
        .group_by(key)
    )
    if group_by is UsageGroupBy.DAY:
        query = query.order_by(key)
    else:
        query = query.order_by(cost.desc(), func.count().desc(), key)
    rows = (await session.execute(query)).all()
    return [
        UsageGroup(
            key=None if row.key is None else str(row.key),
            calls=row.calls,
            cache_hits=row.cache_hits,
            failures=row.failures,
            tokens_in=int(row.tokens_in),
            tokens_out=int(row.tokens_out),
            cost_usd=Decimal(row.cost),
            unpriced_calls=int(row.unpriced),
        )
        for row in rows
    ]
