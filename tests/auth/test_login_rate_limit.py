"""Login attempts are limited per (client address, e-mail): guessing passwords is slow."""

from __future__ import annotations

import pytest

from db.engine import Database
from settings import Settings
from tests.auth.support import LOGIN, REQUEST_RESET, first_error
from tests.conftest import TEST_PASSWORD, ApiClient, make_user


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"login_rate_limit": "3/minute"})


async def test_fourth_login_attempt_in_a_minute_is_rate_limited_even_with_the_right_password(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    for _ in range(3):
        data = await anonymous.data(
            LOGIN, {"input": {"email": user.email, "password": "guess" * 3}}
        )
        assert first_error(data["login"]) == (None, "INVALID_CREDENTIALS")

    data = await anonymous.data(LOGIN, {"input": {"email": user.email, "password": TEST_PASSWORD}})

    assert data["login"]["accessToken"] is None
    assert first_error(data["login"]) == (None, "RATE_LIMITED")


async def test_rate_limit_is_per_email_so_other_accounts_still_log_in(
    anonymous: ApiClient, db: Database
) -> None:
    target = await make_user(db, role="agent")
    other = await make_user(db, role="agent")
    for _ in range(4):
        await anonymous.data(LOGIN, {"input": {"email": target.email, "password": "guess" * 3}})

    data = await anonymous.data(LOGIN, {"input": {"email": other.email, "password": TEST_PASSWORD}})

    assert data["login"]["errors"] == []


async def test_password_reset_requests_are_rate_limited_too(anonymous: ApiClient) -> None:
    for _ in range(3):
        data = await anonymous.data(REQUEST_RESET, {"input": {"email": "x@example.com"}})
        assert data["requestPasswordReset"]["errors"] == []

    data = await anonymous.data(REQUEST_RESET, {"input": {"email": "x@example.com"}})

    assert first_error(data["requestPasswordReset"]) == (None, "RATE_LIMITED")
