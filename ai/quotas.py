"""AI quotas: requests per minute and tokens per day, per user, per API key and for the whole
installation, counted with the `limits` library (Redis when configured, memory otherwise).

Limits come from settings; an admin's override (table ai_quota_limits) wins per scope.
A token budget is checked before a call and charged after it, with the tokens it really
used, so one call may overshoot the day's budget; the next one is refused.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ai.requests import Caller
from db.engine import Database
from db.models import AiQuotaLimit
from settings import Settings

__all__ = [
    "SCOPES",
    "QuotaExceeded",
    "QuotaLimits",
    "Quotas",
    "read_limits",
    "save_limits",
]

_log = logging.getLogger("autocrm.ai")

SCOPES = ("user", "api_key", "installation")
LIMITS_REFRESH_SECONDS = 5.0


class QuotaExceeded(Exception):
    """Over an AI quota: nothing was called or enqueued; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class QuotaLimits:
    """One scope's limits; 0 means unlimited."""

    scope: str
    requests_per_minute: int
    tokens_per_day: int


class Quotas:
    def __init__(self, storage: Storage, settings: Settings, db: Database) -> None:
        self._requests = MovingWindowRateLimiter(storage)
        # A counter, not a log of every token: fixed daily windows.
        self._tokens = FixedWindowRateLimiter(storage)
        self._settings = settings
        self._db = db
        self._cached: tuple[float, dict[str, QuotaLimits]] | None = None

    async def limits(self) -> dict[str, QuotaLimits]:
        """The limits in force, re-read from the database at most every few seconds (an
        admin's change reaches every process that soon, without a query per AI call)."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > LIMITS_REFRESH_SECONDS:
            async with self._db.sessions() as session:
                self._cached = (now, await read_limits(session, self._settings))
        return self._cached[1]

    async def check(self, caller: Caller) -> None:
        """Raise QuotaExceeded when the caller is over a limit now; counts nothing. For work
        queued to call the AI later (the call itself is admitted and counted then)."""
        limits = await self.limits()
        try:
            await self._check(limits, _subjects(caller))
        except (RedisError, OSError) as exc:
            _log.warning("AI quota store unavailable; request not limited: %s", exc)

    async def _check(self, limits: dict[str, QuotaLimits], subjects: list[tuple[str, str]]) -> None:
        for scope, who in subjects:
            tokens = limits[scope].tokens_per_day
            if tokens and not await self._tokens.test(_per_day(tokens), "ai-tok", scope, who):
                raise await self._exceeded(self._tokens, _per_day(tokens), scope, who, "tokens")
        for scope, who in subjects:
            rpm = limits[scope].requests_per_minute
            item = RateLimitItemPerMinute(rpm)
            if rpm and not await self._requests.test(item, "ai-req", scope, who):
                raise await self._exceeded(self._requests, item, scope, who, "requests")

    async def admit(self, caller: Caller) -> None:
        """Count one request, or raise QuotaExceeded (and count nothing) when over a limit."""
        limits = await self.limits()
        subjects = _subjects(caller)
        try:
            await self._check(limits, subjects)
            for scope, who in subjects:
                rpm = limits[scope].requests_per_minute
                if rpm:
                    await self._requests.hit(RateLimitItemPerMinute(rpm), "ai-req", scope, who)
        except (RedisError, OSError) as exc:
            _log.warning("AI quota store unavailable; call not limited: %s", exc)

    async def charge(self, caller: Caller, tokens: int) -> None:
        """Add the tokens a call used to every budget it counts against."""
        if tokens <= 0:
            return
        limits = await self.limits()
        try:
            for scope, who in _subjects(caller):
                per_day = limits[scope].tokens_per_day
                if per_day:
                    await self._tokens.hit(_per_day(per_day), "ai-tok", scope, who, cost=tokens)
        except (RedisError, OSError) as exc:
            _log.warning("AI quota store unavailable; tokens not counted: %s", exc)

    @staticmethod
    async def _exceeded(
        limiter: MovingWindowRateLimiter | FixedWindowRateLimiter,
        item: RateLimitItem,
        scope: str,
        who: str,
        what: str,
    ) -> QuotaExceeded:
        stats = await limiter.get_window_stats(item, f"ai-{what[:3]}", scope, who)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        whose = {"installation": "the installation's", "user": "your", "api_key": "this API key's"}
        return QuotaExceeded(
            f"AI quota reached: {whose[scope]} limit of {item.amount} {what} per "
            f"{'minute' if what == 'requests' else 'day'}. Retry in {retry_after} s.",
            retry_after,
        )


async def read_limits(session: AsyncSession, settings: Settings) -> dict[str, QuotaLimits]:
    """The limits in force per scope: settings, overridden by what an admin set."""
    s = settings
    configured = {
        "user": (s.ai_user_requests_per_minute, s.ai_user_tokens_per_day),
        "api_key": (s.ai_api_key_requests_per_minute, s.ai_api_key_tokens_per_day),
        "installation": (s.ai_installation_requests_per_minute, s.ai_installation_tokens_per_day),
    }
    rows = (await session.execute(select(AiQuotaLimit))).scalars().all()
    overrides = {row.scope: row for row in rows}
    result = {}
    for scope, (rpm, tpd) in configured.items():
        row = overrides.get(scope)
        if row is not None:
            rpm = row.requests_per_minute if row.requests_per_minute is not None else rpm
            tpd = row.tokens_per_day if row.tokens_per_day is not None else tpd
        result[scope] = QuotaLimits(scope, rpm, tpd)
    return result


async def save_limits(
    session: AsyncSession, scope: str, requests_per_minute: int | None, tokens_per_day: int | None
) -> None:
    """Store an admin's override for one scope (None = back to the configured value)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown quota scope {scope!r}")
    values = {"requests_per_minute": requests_per_minute, "tokens_per_day": tokens_per_day}
    await session.execute(
        insert(AiQuotaLimit)
        .values(scope=scope, **values)
        .on_conflict_do_update(index_elements=["scope"], set_=values)
    )


def _per_day(tokens: int) -> RateLimitItem:
    return RateLimitItemPerDay(tokens)


def _subjects(caller: Caller) -> list[tuple[str, str]]:
    subjects = [("installation", "all")]
    if caller.user_id is not None:
        subjects.append(("user", str(caller.user_id)))
    if caller.api_key_id is not None:
        subjects.append(("api_key", str(caller.api_key_id)))
    return subjects
