"""What admins do with the AI gateway: read usage and cost, read and set AI quotas."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from ai.quotas import QuotaLimits, read_limits, save_limits
from ai.usage import UsageGroup, UsageGroupBy, usage_report
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import AiErrorCode, CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["ai_quota_limits", "ai_usage", "set_ai_quota_limits"]

# Stored as a 32-bit integer.
MAX_LIMIT = 2_000_000_000


def _aware(value: datetime) -> datetime:
    """A time without an offset is taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def ai_usage(
    ctx: RequestContext, since: datetime, until: datetime, group_by: UsageGroupBy
) -> list[UsageGroup]:
    ctx.require_admin()
    since, until = _aware(since), _aware(until)
    if until <= since:
        raise ValidationFailed.one(
            "range.to", "The end of the range must be after its start.", CommonErrorCode.INVALID
        )
    async with ctx.db.sessions() as session:
        return await usage_report(session, since, until, group_by)


async def ai_quota_limits(ctx: RequestContext) -> list[QuotaLimits]:
    ctx.require_admin()
    async with ctx.db.sessions() as session:
        return list((await read_limits(session, ctx.settings)).values())


async def set_ai_quota_limits(
    tx: MutationTx, scope: str, requests_per_minute: int | None, tokens_per_day: int | None
) -> QuotaLimits:
    """Override one scope's limits (null = back to the configured value, 0 = unlimited)."""
    ctx = tx.ctx
    ctx.require_admin()
    problems = [
        FieldProblem(
            name, f"Give a number between 0 (unlimited) and {MAX_LIMIT}.", AiErrorCode.INVALID
        )
        for name, value in (
            ("requestsPerMinute", requests_per_minute),
            ("tokensPerDay", tokens_per_day),
        )
        if value is not None and not 0 <= value <= MAX_LIMIT
    ]
    if problems:
        raise ValidationFailed(*problems)
    before = (await read_limits(tx.session, ctx.settings))[scope]
    await save_limits(tx.session, scope, requests_per_minute, tokens_per_day)
    after = (await read_limits(tx.session, ctx.settings))[scope]
    tx.audit("AiQuotaLimit", scope, diff(asdict(before), asdict(after)))
    return after
