"""changePassword, and the password reset journey through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from db.engine import Database
from db.models import AuditEntry, AuthSession, OutboxMail, User, UserToken
from tests.auth.support import (
    CHANGE_PASSWORD,
    LOGIN,
    REFRESH,
    REQUEST_RESET,
    RESET_PASSWORD,
    UPDATE_PROFILE,
    as_bearer,
    audit_rows,
    audit_text,
    count,
    first_error,
    log_in,
    outbox,
    signed_in,
    user_by_email,
)
from tests.conftest import TEST_PASSWORD, ApiClient, make_user

NEW_PASSWORD = "violet canyon 7 drums"
PROFILE = {"input": {"name": "Still Here"}}


def change(current: str, new: str) -> dict[str, Any]:
    return {"input": {"currentPassword": current, "newPassword": new}}


async def login_error(client: ApiClient, email: str, password: str) -> tuple[str | None, str]:
    data = await client.data(LOGIN, {"input": {"email": email, "password": password}})
    return first_error(data["login"])


def unauthenticated(body: dict[str, Any]) -> bool:
    return bool(body.get("errors")) and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_change_password_keeps_this_session_and_ends_the_others(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    here = await signed_in(anonymous, user.email, TEST_PASSWORD)
    elsewhere = await log_in(anonymous, user.email, TEST_PASSWORD)

    data = await here.data(CHANGE_PASSWORD, change(TEST_PASSWORD, NEW_PASSWORD))

    assert data["changePassword"] == {"user": {"email": user.email}, "errors": []}
    assert (await here.data(UPDATE_PROFILE, PROFILE))["updateProfile"]["errors"] == []
    assert unauthenticated(
        await as_bearer(anonymous, elsewhere["accessToken"]).post(UPDATE_PROFILE, PROFILE)
    )
    refresh = await anonymous.data(REFRESH, {"input": {"refreshToken": elsewhere["refreshToken"]}})
    assert first_error(refresh["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    await log_in(anonymous, user.email, NEW_PASSWORD)
    assert await login_error(anonymous, user.email, TEST_PASSWORD) == (None, "INVALID_CREDENTIALS")


async def test_change_password_with_a_wrong_current_password_changes_nothing(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    client = await signed_in(anonymous, user.email, TEST_PASSWORD)
    audit_before = await count(db, AuditEntry)

    data = await client.data(CHANGE_PASSWORD, change("not my password", NEW_PASSWORD))

    assert first_error(data["changePassword"]) == ("currentPassword", "INVALID_CREDENTIALS")
    assert await count(db, AuditEntry) == audit_before
    await log_in(anonymous, user.email, TEST_PASSWORD)


async def test_change_password_to_a_weak_one_is_refused(anonymous: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")
    client = await signed_in(anonymous, user.email, TEST_PASSWORD)

    short = await client.data(CHANGE_PASSWORD, change(TEST_PASSWORD, "abc123"))
    same = await client.data(CHANGE_PASSWORD, change(TEST_PASSWORD, TEST_PASSWORD))

    assert first_error(short["changePassword"]) == ("newPassword", "WEAK_PASSWORD")
    assert first_error(same["changePassword"]) == ("newPassword", "WEAK_PASSWORD")
    await log_in(anonymous, user.email, TEST_PASSWORD)


async def test_change_password_audit_row_masks_the_password(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    client = await signed_in(anonymous, user.email, TEST_PASSWORD)
    await log_in(anonymous, user.email, TEST_PASSWORD)  # another session, to be ended

    await client.data(CHANGE_PASSWORD, change(TEST_PASSWORD, NEW_PASSWORD))

    [row] = await audit_rows(db, "changePassword")
    assert (row.object_type, row.object_id, row.actor_user_id) == ("User", str(user.id), user.id)
    assert row.changes == {
        "password_hash": {"before": "**********", "after": "**********"},
        "other_sessions": {"before": 1, "after": 0},
    }
    text = await audit_text(db)
    assert NEW_PASSWORD not in text
    assert TEST_PASSWORD not in text


async def test_password_reset_through_real_smtp(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    # given a user with a live session
    user = await make_user(db, role="customer", name="Casey")
    old_session = await log_in(anonymous, user.email, TEST_PASSWORD)

    # when they ask for a reset, read the mail and follow its link with a new password
    asked = await anonymous.data(REQUEST_RESET, {"input": {"email": user.email.upper()}})
    mail = await smtp_server.mailbox.next()
    token = mail.token("reset-password")
    reset = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": token, "newPassword": NEW_PASSWORD}}
    )

    # then the new password works, the old one does not, and old sessions are over
    assert asked["requestPasswordReset"]["errors"] == []
    assert mail.recipients == [user.email]
    assert mail.subject == "Reset your password"
    assert "http://testserver/reset-password?token=" in mail.body
    assert reset["resetPassword"] == {"user": {"email": user.email}, "errors": []}
    await log_in(anonymous, user.email, NEW_PASSWORD)
    assert await login_error(anonymous, user.email, TEST_PASSWORD) == (None, "INVALID_CREDENTIALS")
    assert unauthenticated(
        await as_bearer(anonymous, old_session["accessToken"]).post(UPDATE_PROFILE, PROFILE)
    )
    refresh = await anonymous.data(
        REFRESH, {"input": {"refreshToken": old_session["refreshToken"]}}
    )
    assert first_error(refresh["refreshSession"]) == ("refreshToken", "INVALID_TOKEN")
    # and the link works only once
    again = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": token, "newPassword": "another fine pass 9"}}
    )
    assert first_error(again["resetPassword"]) == ("token", "INVALID_TOKEN")
    await log_in(anonymous, user.email, NEW_PASSWORD)


async def test_reset_moves_sessions_valid_after_and_revokes_every_session(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    user = await make_user(db, role="agent")
    await log_in(anonymous, user.email, TEST_PASSWORD)
    await log_in(anonymous, user.email, TEST_PASSWORD)
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    token = (await smtp_server.mailbox.next()).token("reset-password")

    await anonymous.data(RESET_PASSWORD, {"input": {"token": token, "newPassword": NEW_PASSWORD}})

    after = await user_by_email(db, user.email)
    assert after is not None
    assert after.sessions_valid_after > user.sessions_valid_after
    assert await count(db, AuthSession, AuthSession.revoked_at.is_(None)) == 0
    assert await count(db, AuthSession, AuthSession.revoked_reason == "password_reset") == 2


async def test_expired_reset_link_is_refused(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    user = await make_user(db, role="agent")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    token = (await smtp_server.mailbox.next()).token("reset-password")
    async with db.transaction() as session:
        await session.execute(
            update(UserToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    data = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": token, "newPassword": NEW_PASSWORD}}
    )

    assert first_error(data["resetPassword"]) == ("token", "INVALID_TOKEN")
    await log_in(anonymous, user.email, TEST_PASSWORD)


async def test_unknown_token_is_refused(anonymous: ApiClient, db: Database) -> None:
    data = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": "made-up", "newPassword": NEW_PASSWORD}}
    )

    assert first_error(data["resetPassword"]) == ("token", "INVALID_TOKEN")
    assert await count(db, AuditEntry) == 0


async def test_weak_new_password_keeps_the_reset_link_usable(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    user = await make_user(db, role="agent")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    token = (await smtp_server.mailbox.next()).token("reset-password")

    weak = await anonymous.data(RESET_PASSWORD, {"input": {"token": token, "newPassword": "short"}})
    good = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": token, "newPassword": NEW_PASSWORD}}
    )

    assert first_error(weak["resetPassword"]) == ("newPassword", "WEAK_PASSWORD")
    assert good["resetPassword"]["errors"] == []


async def test_a_second_reset_request_replaces_the_first_link(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    user = await make_user(db, role="agent")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    first = (await smtp_server.mailbox.next()).token("reset-password")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    second = (await smtp_server.mailbox.next()).token("reset-password")

    stale = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": first, "newPassword": NEW_PASSWORD}}
    )
    fresh = await anonymous.data(
        RESET_PASSWORD, {"input": {"token": second, "newPassword": NEW_PASSWORD}}
    )

    assert first_error(stale["resetPassword"]) == ("token", "INVALID_TOKEN")
    assert fresh["resetPassword"]["errors"] == []


async def test_reset_request_for_an_unknown_address_answers_the_same_and_sends_nothing(
    anonymous: ApiClient, db: Database, smtp_server: Any, runtime: Any
) -> None:
    user = await make_user(db, role="agent")

    known = await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    unknown = await anonymous.data(REQUEST_RESET, {"input": {"email": "ghost@example.com"}})

    assert unknown == known == {"requestPasswordReset": {"errors": []}}
    await smtp_server.mailbox.next()  # the known user's mail
    await runtime.jobs.drain()
    assert [m.to_address for m in await outbox(db)] == [user.email]
    assert [m.recipients for m in smtp_server.mailbox.received] == [[user.email]]


async def test_deactivated_user_gets_no_reset_mail(anonymous: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))

    data = await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})

    assert data["requestPasswordReset"]["errors"] == []
    assert await count(db, OutboxMail) == 0


async def test_malformed_address_is_a_typed_error(anonymous: ApiClient, db: Database) -> None:
    data = await anonymous.data(REQUEST_RESET, {"input": {"email": "nope"}})

    assert first_error(data["requestPasswordReset"]) == ("email", "INVALID_EMAIL")
    assert await count(db, AuditEntry) == 0


async def test_reset_writes_one_audit_row_per_step_without_secrets(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    user = await make_user(db, role="agent")
    await anonymous.data(REQUEST_RESET, {"input": {"email": user.email}})
    token = (await smtp_server.mailbox.next()).token("reset-password")
    await anonymous.data(RESET_PASSWORD, {"input": {"token": token, "newPassword": NEW_PASSWORD}})

    [requested] = await audit_rows(db, "requestPasswordReset")
    [reset] = await audit_rows(db, "resetPassword")
    assert (requested.object_type, requested.object_id) == ("User", str(user.id))
    assert requested.changes == {}
    assert (reset.object_type, reset.object_id, reset.actor_user_id) == (
        "User",
        str(user.id),
        user.id,
    )
    assert reset.changes["password_hash"] == {"before": "**********", "after": "**********"}
    assert "sessions_valid_after" in reset.changes
    text = await audit_text(db)
    assert token not in text
    assert NEW_PASSWORD not in text
