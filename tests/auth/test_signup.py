"""Customer sign-up, the verification mail (through real SMTP) and verifyEmail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, Customer, CustomerEmail, OutboxMail, User, UserToken
from tests.auth.support import (
    LOGIN,
    REQUEST_RESET,
    RESEND_VERIFICATION,
    SIGN_UP,
    VERIFY_EMAIL,
    VIEWER,
    as_bearer,
    audit_rows,
    audit_text,
    count,
    first_error,
    log_in,
    outbox,
    user_by_email,
)
from tests.conftest import TEST_PASSWORD, ApiClient, make_user

NEW_PASSWORD = "plum tulip orbit 42"


def sign_up_input(**overrides: Any) -> dict[str, Any]:
    return {
        "input": {
            "email": "Nora@Example.com",
            "name": "Nora North",
            "password": NEW_PASSWORD,
            **overrides,
        }
    }


async def test_sign_up_mails_a_link_that_verifies_the_address_and_then_login_works(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    # given a visitor who signs up
    data = await anonymous.data(SIGN_UP, sign_up_input())
    assert data["signUp"]["errors"] == []
    assert data["signUp"]["user"]["email"] == "nora@example.com"
    assert data["signUp"]["user"]["role"] == "CUSTOMER"
    assert data["signUp"]["user"]["emailVerified"] is False

    # when the verification mail arrives over SMTP and its link is followed
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == ["nora@example.com"]
    assert mail.subject == "Confirm your e-mail address"
    assert "http://testserver/verify-email?token=" in mail.body
    verified = await anonymous.data(VERIFY_EMAIL, {"input": {"token": mail.token("verify-email")}})

    # then the address is verified and login works
    assert verified["verifyEmail"]["errors"] == []
    assert verified["verifyEmail"]["user"] == {"email": "nora@example.com", "emailVerified": True}
    session = await log_in(anonymous, "nora@example.com", NEW_PASSWORD)
    viewer = await as_bearer(anonymous, session["accessToken"]).data(VIEWER)
    assert viewer["viewer"] == {
        "email": "nora@example.com",
        "name": "Nora North",
        "role": "CUSTOMER",
    }


async def test_verification_link_works_only_once(anonymous: ApiClient, smtp_server: Any) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())
    token = (await smtp_server.mailbox.next()).token("verify-email")
    await anonymous.data(VERIFY_EMAIL, {"input": {"token": token}})

    again = await anonymous.data(VERIFY_EMAIL, {"input": {"token": token}})

    assert first_error(again["verifyEmail"]) == ("token", "INVALID_TOKEN")


async def test_unverified_account_cannot_log_in(anonymous: ApiClient, db: Database) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())

    data = await anonymous.data(
        LOGIN, {"input": {"email": "nora@example.com", "password": NEW_PASSWORD}}
    )

    assert data["login"]["accessToken"] is None
    assert first_error(data["login"]) == ("email", "EMAIL_NOT_VERIFIED")


async def test_sign_up_creates_a_customer_record_owning_the_address(
    anonymous: ApiClient, db: Database
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())

    user = await user_by_email(db, "nora@example.com")
    assert user is not None
    assert user.customer_id is not None
    async with db.sessions() as session:
        customer = await session.get(Customer, user.customer_id)
        emails = list(
            (
                await session.execute(
                    select(CustomerEmail.email).where(CustomerEmail.customer_id == user.customer_id)
                )
            ).scalars()
        )
    assert customer is not None
    assert customer.name == "Nora North"
    assert emails == ["nora@example.com"]


async def test_sign_up_joins_the_customer_record_support_already_has_for_the_address(
    anonymous: ApiClient, db: Database
) -> None:
    # given support already knows this address from an earlier conversation
    async with db.transaction() as session:
        known = Customer(name="N. North (from e-mail)")
        session.add(known)
        await session.flush()
        session.add(CustomerEmail(customer_id=known.id, email="nora@example.com"))
    customers_before = await count(db, Customer)

    # when she signs up with that address
    await anonymous.data(SIGN_UP, sign_up_input())

    # then her account belongs to that record, and no new record appears
    user = await user_by_email(db, "nora@example.com")
    assert user is not None
    assert user.customer_id == known.id
    assert await count(db, Customer) == customers_before


def shape(payload: dict[str, Any]) -> dict[str, Any]:
    """What a caller can compare between two sign-ups (the ID is random either way)."""
    user = dict(payload["user"])
    user.pop("id")
    return {"user": user, "errors": payload["errors"]}


async def test_sign_up_with_a_taken_address_answers_like_a_new_one(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    await make_user(db, role="customer", email="nora@example.com")
    fresh = await anonymous.data(SIGN_UP, sign_up_input(email="other@example.com"))
    await smtp_server.mailbox.next()

    taken = await anonymous.data(SIGN_UP, sign_up_input(email="NORA@example.com"))

    assert shape(taken["signUp"]) == shape(fresh["signUp"]) | {
        "user": shape(fresh["signUp"])["user"] | {"email": "nora@example.com"}
    }
    assert taken["signUp"]["errors"] == []


async def test_sign_up_with_a_taken_address_creates_nothing_and_notifies_the_owner(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    owner = await make_user(db, role="customer", email="nora@example.com", name="Nora")
    users_before = await count(db, User)

    await anonymous.data(
        SIGN_UP, sign_up_input(email="nora@example.com", name="Click http://evil.example")
    )

    mail = await smtp_server.mailbox.next()
    assert mail.recipients == ["nora@example.com"]
    assert mail.subject == "Sign-up attempt with your e-mail address"
    assert "already has an account" in mail.body
    assert "reset your password" in mail.body
    assert "evil.example" not in mail.body
    assert await count(db, User) == users_before
    stored = await user_by_email(db, "nora@example.com")
    assert stored is not None
    assert (stored.name, stored.password_hash) == ("Nora", owner.password_hash)
    assert await count(db, UserToken) == 0


async def test_verification_mail_does_not_carry_the_name_given_at_sign_up(
    anonymous: ApiClient, smtp_server: Any
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input(name="Your bank account is locked, call 555"))

    mail = await smtp_server.mailbox.next()

    assert "bank" not in mail.body
    assert "bank" not in mail.subject
    assert mail.body.startswith("Hello,")


async def test_password_reset_mail_to_an_unverified_address_does_not_carry_the_name(
    anonymous: ApiClient, smtp_server: Any
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input(name="Your bank account is locked"))
    await smtp_server.mailbox.next()

    await anonymous.data(REQUEST_RESET, {"input": {"email": "nora@example.com"}})

    mail = await smtp_server.mailbox.next()
    assert mail.subject == "Reset your password"
    assert "bank" not in mail.body


async def test_sign_up_reports_every_bad_field_and_writes_nothing(
    anonymous: ApiClient, db: Database
) -> None:
    data = await anonymous.data(
        SIGN_UP, sign_up_input(email="not-an-address", password="short", name="x" * 201)
    )

    errors = {(e["field"], e["code"]) for e in data["signUp"]["errors"]}
    assert errors == {
        ("email", "INVALID_EMAIL"),
        ("password", "WEAK_PASSWORD"),
        ("name", "TOO_LONG"),
    }
    assert data["signUp"]["user"] is None
    for model in (User, Customer, OutboxMail, AuditEntry, UserToken):
        assert await count(db, model) == 0


async def test_blank_name_is_required(anonymous: ApiClient, db: Database) -> None:
    data = await anonymous.data(SIGN_UP, sign_up_input(name="   "))

    assert first_error(data["signUp"]) == ("name", "REQUIRED")
    assert await count(db, User) == 0


async def test_sign_up_and_verification_each_write_one_audit_row_without_secrets(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())
    token = (await smtp_server.mailbox.next()).token("verify-email")
    await anonymous.data(VERIFY_EMAIL, {"input": {"token": token}})

    user = await user_by_email(db, "nora@example.com")
    assert user is not None
    [signed_up] = await audit_rows(db, "signUp")
    assert (signed_up.object_type, signed_up.object_id) == ("User", str(user.id))
    assert signed_up.actor_user_id == user.id
    assert signed_up.actor_label == "nora@example.com"
    assert signed_up.changes["email"] == {"before": None, "after": "nora@example.com"}
    assert signed_up.changes["role"] == {"before": None, "after": "customer"}
    assert "password_hash" not in signed_up.changes
    [verified] = await audit_rows(db, "verifyEmail")
    assert set(verified.changes) == {"email_verified_at"}
    assert verified.changes["email_verified_at"]["before"] is None
    text = await audit_text(db)
    assert NEW_PASSWORD not in text
    assert token not in text
    assert user.password_hash is not None
    assert user.password_hash not in text


async def test_verification_mail_is_delivered_and_marked_sent(
    anonymous: ApiClient, db: Database, smtp_server: Any, runtime: Any
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())
    await smtp_server.mailbox.next()
    assert runtime.jobs is not None
    await runtime.jobs.drain()

    [mail] = await outbox(db)

    assert (mail.status, mail.attempts, mail.kind) == ("sent", 1, "email_verification")
    assert mail.sent_at is not None


async def test_resending_verification_sends_a_new_link_and_the_old_one_stops_working(
    anonymous: ApiClient, smtp_server: Any
) -> None:
    await anonymous.data(SIGN_UP, sign_up_input())
    old = (await smtp_server.mailbox.next()).token("verify-email")

    data = await anonymous.data(RESEND_VERIFICATION, {"input": {"email": "nora@example.com"}})
    new = (await smtp_server.mailbox.next()).token("verify-email")

    assert data["resendEmailVerification"]["errors"] == []
    stale = await anonymous.data(VERIFY_EMAIL, {"input": {"token": old}})
    assert first_error(stale["verifyEmail"]) == ("token", "INVALID_TOKEN")
    fresh = await anonymous.data(VERIFY_EMAIL, {"input": {"token": new}})
    assert fresh["verifyEmail"]["errors"] == []


async def test_resending_verification_to_an_unknown_address_answers_the_same_and_sends_nothing(
    anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    data = await anonymous.data(RESEND_VERIFICATION, {"input": {"email": "nobody@example.com"}})

    assert data["resendEmailVerification"]["errors"] == []
    assert await count(db, OutboxMail) == 0
    assert smtp_server.mailbox.received == []


async def test_verified_customer_created_by_fixture_logs_in(
    anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="customer")

    session = await log_in(anonymous, user.email, TEST_PASSWORD)

    assert session["user"]["email"] == user.email
