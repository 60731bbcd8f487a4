"""Login, access tokens, refresh-token rotation and reuse detection, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from auth.tokens import issue_access_token
from db.engine import Database
from db.models import AuditEntry, AuthSession, RefreshToken, User
from tests.auth.support import (
    LOGIN,
    LOGOUT,
    REFRESH,
    UPDATE_PROFILE,
    VIEWER,
    as_bearer,
    audit_rows,
    audit_text,
    count,
    first_error,
    log_in,
    signed_in,
)
from tests.conftest import TEST_PASSWORD, TEST_SECRET, ApiClient, make_user

PROFILE = {"input": {"name": "Renamed"}}


async def sessions_of(db: Database, user: User) -> list[AuthSession]:
    async with db.sessions() as session:
        stmt = select(AuthSession).where(AuthSession.user_id == user.id)
        return list((await session.execute(stmt.order_by(AuthSession.created_at))).scalars())


def error_code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list), body
    assert errors, body
    code: str = errors[0]["extensions"]["code"]
    return code


async def test_login_returns_tokens_that_identify_the_user(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent", email="alan@example.com", name="Alan")

    payload = await log_in(anonymous, "ALAN@example.com ", TEST_PASSWORD)

    assert payload["user"]["email"] == "alan@example.com"
    assert payload["refreshToken"]
    assert payload["accessToken"]
    now = datetime.now(UTC)
    assert datetime.fromisoformat(payload["accessTokenExpiresAt"]) > now
    assert datetime.fromisoformat(payload["refreshTokenExpiresAt"]) > now + timedelta(days=29)
    viewer = await as_bearer(anonymous, payload["accessToken"]).data(VIEWER)
    assert viewer["viewer"]["email"] == "alan@example.com"
    [auth_session] = await sessions_of(db, user)
    assert auth_session.ip == "203.0.113.7"
    assert auth_session.user_agent is not None
    assert "httpx" in auth_session.user_agent


async def test_login_stores_only_a_hash_of_the_refresh_token(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")

    payload = await log_in(anonymous, user.email, TEST_PASSWORD)

    async with db.sessions() as session:
        stored = list((await session.execute(select(RefreshToken.token_hash))).scalars())
    assert len(stored) == 1
    assert payload["refreshToken"] not in stored[0]


async def test_wrong_password_is_refused_and_writes_nothing(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")

    data = await anonymous.data(LOGIN, {"input": {"email": user.email, "password": "nope" * 4}})

    assert data["login"]["accessToken"] is None
    assert first_error(data["login"]) == (None, "INVALID_CREDENTIALS")
    assert await count(db, AuthSession) == 0
    assert await count(db, AuditEntry) == 0


async def test_unknown_email_gets_exactly_the_wrong_password_answer(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")

    wrong_password = await anonymous.data(
        LOGIN, {"input": {"email": user.email, "password": "not the password"}}
    )
    unknown_email = await anonymous.data(
        LOGIN, {"input": {"email": "ghost@example.com", "password": "not the password"}}
    )

    assert unknown_email == wrong_password


async def test_deactivated_user_gets_the_same_invalid_credentials(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))

    data = await anonymous.data(LOGIN, {"input": {"email": user.email, "password": TEST_PASSWORD}})

    assert first_error(data["login"]) == (None, "INVALID_CREDENTIALS")


async def test_expired_access_token_is_unauthenticated_with_a_hint_to_refresh(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    [_] = [await log_in(anonymous, user.email, TEST_PASSWORD)]
    [auth_session] = await sessions_of(db, user)
    expired, _ = issue_access_token(
        user_id=user.id, session_id=auth_session.id, role=user.role, key=TEST_SECRET, minutes=-1
    )

    body = await as_bearer(anonymous, expired).post(UPDATE_PROFILE, PROFILE)

    assert error_code(body) == "UNAUTHENTICATED"
    assert "refreshSession" in body["errors"][0]["message"]
    assert body["data"] is None


async def test_refresh_rotates_both_tokens(anonymous: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")
    first = await log_in(anonymous, user.email, TEST_PASSWORD)

    data = await anonymous.data(REFRESH, {"input": {"refreshToken": first["refreshToken"]}})

    refreshed = data["refreshSession"]
    assert refreshed["errors"] == []
    assert refreshed["refreshToken"] != first["refreshToken"]
    assert refreshed["user"] == {"email": user.email}
    viewer = await as_bearer(anonymous, refreshed["accessToken"]).data(VIEWER)
    assert viewer["viewer"]["email"] == user.email
    # the new refresh token rotates again
    again = await anonymous.data(REFRESH, {"input": {"refreshToken": refreshed["refreshToken"]}})
    assert again["refreshSession"]["errors"] == []
    assert len(await sessions_of(db, user)) == 1


async def test_reusing_a_refresh_token_ends_the_whole_session(
    anonymous: ApiClient, db: Database
) -> None:
    # given a session whose first refresh token was rotated
    user = await make_user(db, role="agent")
    first = await log_in(anonymous, user.email, TEST_PASSWORD)
    rotated = (await anonymous.data(REFRESH, {"input": {"refreshToken": first["refreshToken"]}}))[
        "refreshSession"
    ]

    # when the old refresh token comes back (someone copied it)
    reuse = await anonymous.data(REFRESH, {"input": {"refreshToken": first["refreshToken"]}})

    # then it is refused, and the newer tokens of the family stop working too
    assert first_error(reuse["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    newer = await anonymous.data(REFRESH, {"input": {"refreshToken": rotated["refreshToken"]}})
    assert first_error(newer["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    body = await as_bearer(anonymous, rotated["accessToken"]).post(UPDATE_PROFILE, PROFILE)
    assert error_code(body) == "UNAUTHENTICATED"
    [auth_session] = await sessions_of(db, user)
    assert auth_session.revoked_reason == "refresh_token_reuse"
    [revocation] = [
        row for row in await audit_rows(db, "refreshSession") if "revoked_reason" in row.changes
    ]
    assert revocation.changes["revoked_reason"] == {"before": None, "after": "refresh_token_reuse"}


async def test_expired_refresh_token_is_refused(anonymous: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")
    payload = await log_in(anonymous, user.email, TEST_PASSWORD)
    async with db.transaction() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    data = await anonymous.data(REFRESH, {"input": {"refreshToken": payload["refreshToken"]}})

    assert first_error(data["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    assert await count(db, AuditEntry, AuditEntry.action == "refreshSession") == 0


async def test_unknown_refresh_token_is_refused(anonymous: ApiClient, db: Database) -> None:
    data = await anonymous.data(REFRESH, {"input": {"refreshToken": "made-up"}})

    assert first_error(data["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    assert data["refreshSession"]["accessToken"] is None


async def test_logout_stops_the_access_token_at_once(anonymous: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")
    payload = await log_in(anonymous, user.email, TEST_PASSWORD)
    client = as_bearer(anonymous, payload["accessToken"])

    data = await client.data(LOGOUT)

    assert data["logout"] == {"user": {"email": user.email}, "errors": []}
    body = await client.post(UPDATE_PROFILE, PROFILE)
    assert error_code(body) == "UNAUTHENTICATED"
    assert "ended" in body["errors"][0]["message"]
    refresh = await anonymous.data(REFRESH, {"input": {"refreshToken": payload["refreshToken"]}})
    assert first_error(refresh["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")


async def test_logout_ends_only_this_session_unless_asked_for_everywhere(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    laptop = await signed_in(anonymous, user.email, TEST_PASSWORD)
    phone = await signed_in(anonymous, user.email, TEST_PASSWORD)
    tablet = await signed_in(anonymous, user.email, TEST_PASSWORD)

    await laptop.data(LOGOUT)
    assert (await phone.data(UPDATE_PROFILE, PROFILE))["updateProfile"]["errors"] == []

    await phone.data(LOGOUT, {"input": {"everywhere": True}})
    assert error_code(await tablet.post(UPDATE_PROFILE, PROFILE)) == "UNAUTHENTICATED"
    assert all(s.revoked_at is not None for s in await sessions_of(db, user))


async def test_anonymous_logout_is_unauthenticated(anonymous: ApiClient) -> None:
    body = await anonymous.post(LOGOUT)

    assert error_code(body) == "UNAUTHENTICATED"


async def test_login_refresh_and_logout_each_write_one_audit_row_without_tokens(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    payload = await log_in(anonymous, user.email, TEST_PASSWORD)
    refreshed = (
        await anonymous.data(REFRESH, {"input": {"refreshToken": payload["refreshToken"]}})
    )["refreshSession"]
    await as_bearer(anonymous, refreshed["accessToken"]).data(LOGOUT)

    [auth_session] = await sessions_of(db, user)
    rows = await audit_rows(db)
    assert [(r.action, r.object_type, r.object_id, r.actor_user_id) for r in rows] == [
        ("login", "AuthSession", str(auth_session.id), user.id),
        ("refreshSession", "AuthSession", str(auth_session.id), user.id),
        ("logout", "AuthSession", str(auth_session.id), user.id),
    ]
    assert rows[0].changes == {
        "ip": {"before": None, "after": "203.0.113.7"},
        "user_id": {"before": None, "after": str(user.id)},
    }
    assert rows[1].changes == {"refresh_token": {"before": "**********", "after": "**********"}}
    assert rows[2].changes == {"revoked_reason": {"before": None, "after": "logout"}}
    text = await audit_text(db)
    for secret in (
        payload["refreshToken"],
        refreshed["refreshToken"],
        payload["accessToken"],
        TEST_PASSWORD,
    ):
        assert secret not in text
