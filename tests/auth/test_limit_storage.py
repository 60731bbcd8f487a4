"""The in-process rate-limit storage: exact budgets for many users at once."""

from __future__ import annotations

import asyncio

from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter

from auth.limit_storage import SweptMemoryStorage, limit_storage


async def test_without_redis_the_limits_live_in_this_process() -> None:
    assert isinstance(limit_storage(None), SweptMemoryStorage)


async def test_hundreds_of_users_each_keep_their_own_exact_budget() -> None:
    limiter = MovingWindowRateLimiter(SweptMemoryStorage())
    budget = parse("2/minute")
    users = [f"user-{n}" for n in range(300)]

    first = [await limiter.hit(budget, "graphql", user) for user in users for _ in range(2)]
    await asyncio.sleep(0)  # let a sweep run between the hits
    third = [await limiter.hit(budget, "graphql", user) for user in users]

    assert all(first)
    assert not any(third)
    assert [await limiter.hit(parse("5/minute"), "graphql", user) for user in users[:3]] == [
        True,
        True,
        True,
    ]
