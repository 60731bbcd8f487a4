"""Staff invitations: inviteUser mails a link (real SMTP), acceptInvitation sets a password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from app import Runtime
from db.engine import Database
from db.models import AuditEntry, OutboxMail, User
from settings import Settings
from tests.auth.support import LOGIN, audit_rows, audit_text, count, first_error, log_in
from tests.conftest import ApiClient, make_user

INVITE = """
mutation Invite($input: InviteUserInput!) {
  inviteUser(input: $input) {
    user { id email name role emailVerified isActive }
    errors { field code message }
  }
}
"""

ACCEPT = """
mutation Accept($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    user { email name role emailVerified }
    errors { field code message }
  }
}
"""

PASSWORD = "saffron kettle 88 rain"


@pytest.fixture
def settings(settings: Settings, smtp_server: Any) -> Settings:
    return settings.model_copy(update={"smtp_url": SecretStr(smtp_server.url)})


@pytest.fixture
async def runtime(runtime: Runtime) -> AsyncIterator[Runtime]:
    yield runtime
    if runtime.jobs is not None:
        await runtime.jobs.stop()


def invite(
    email: str = "ivy@example.com", name: str = "Ivy", role: str = "AGENT"
) -> dict[str, Any]:
    return {"input": {"email": email, "name": name, "role": role}}


async def test_invited_agent_accepts_through_the_mailed_link_and_logs_in(
    admin: ApiClient, anonymous: ApiClient, smtp_server: Any
) -> None:
    # given an admin invites an agent
    data = await admin.data(INVITE, invite())
    assert data["inviteUser"]["errors"] == []
    assert data["inviteUser"]["user"] == {
        "id": data["inviteUser"]["user"]["id"],
        "email": "ivy@example.com",
        "name": "Ivy",
        "role": "AGENT",
        "emailVerified": False,
        "isActive": True,
    }

    # when the invitation arrives and the invitee chooses a password
    mail = await smtp_server.mailbox.next()
    assert mail.recipients == ["ivy@example.com"]
    assert "Ada Admin invited you" in mail.body
    accepted = await anonymous.data(
        ACCEPT, {"input": {"token": mail.token("accept-invitation"), "password": PASSWORD}}
    )

    # then the account is verified and logs in as an agent
    assert accepted["acceptInvitation"] == {
        "user": {"email": "ivy@example.com", "name": "Ivy", "role": "AGENT", "emailVerified": True},
        "errors": [],
    }
    session = await log_in(anonymous, "ivy@example.com", PASSWORD)
    assert session["user"]["role"] == "AGENT"


async def test_invitee_cannot_log_in_before_accepting(
    admin: ApiClient, anonymous: ApiClient
) -> None:
    await admin.data(INVITE, invite())

    data = await anonymous.data(
        LOGIN, {"input": {"email": "ivy@example.com", "password": PASSWORD}}
    )

    assert first_error(data["login"]) == (None, "INVALID_CREDENTIALS")


async def test_invitation_link_works_once(
    admin: ApiClient, anonymous: ApiClient, smtp_server: Any
) -> None:
    await admin.data(INVITE, invite())
    token = (await smtp_server.mailbox.next()).token("accept-invitation")
    await anonymous.data(ACCEPT, {"input": {"token": token, "password": PASSWORD}})

    again = await anonymous.data(
        ACCEPT, {"input": {"token": token, "password": "hijack attempt 123"}}
    )

    assert first_error(again["acceptInvitation"]) == ("token", "INVALID_TOKEN")
    await log_in(anonymous, "ivy@example.com", PASSWORD)


async def test_weak_password_keeps_the_invitation_usable(
    admin: ApiClient, anonymous: ApiClient, smtp_server: Any
) -> None:
    await admin.data(INVITE, invite())
    token = (await smtp_server.mailbox.next()).token("accept-invitation")

    weak = await anonymous.data(ACCEPT, {"input": {"token": token, "password": "123"}})
    good = await anonymous.data(ACCEPT, {"input": {"token": token, "password": PASSWORD}})

    assert first_error(weak["acceptInvitation"]) == ("password", "WEAK_PASSWORD")
    assert good["acceptInvitation"]["errors"] == []


async def test_inviting_again_sends_a_fresh_link_and_the_old_one_stops_working(
    admin: ApiClient, anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    await admin.data(INVITE, invite())
    old = (await smtp_server.mailbox.next()).token("accept-invitation")

    data = await admin.data(INVITE, invite(name="Ivy Ives", role="REVIEWER"))
    new = (await smtp_server.mailbox.next()).token("accept-invitation")

    assert data["inviteUser"]["user"]["role"] == "REVIEWER"
    assert await count(db, User, User.email == "ivy@example.com") == 1
    stale = await anonymous.data(ACCEPT, {"input": {"token": old, "password": PASSWORD}})
    assert first_error(stale["acceptInvitation"]) == ("token", "INVALID_TOKEN")
    fresh = await anonymous.data(ACCEPT, {"input": {"token": new, "password": PASSWORD}})
    assert fresh["acceptInvitation"]["user"]["name"] == "Ivy Ives"


async def test_inviting_an_existing_account_is_refused_as_unique(
    admin: ApiClient, db: Database
) -> None:
    await make_user(db, role="agent", email="ivy@example.com")
    mails_before = await count(db, OutboxMail)

    data = await admin.data(INVITE, invite(email="IVY@example.com"))

    assert first_error(data["inviteUser"]) == ("email", "UNIQUE")
    assert await count(db, OutboxMail) == mails_before


async def test_invitation_input_is_checked_and_nothing_is_written(
    admin: ApiClient, db: Database
) -> None:
    users_before = await count(db, User)

    data = await admin.data(INVITE, invite(email="ivy@", name="", role="CUSTOMER"))

    assert {(e["field"], e["code"]) for e in data["inviteUser"]["errors"]} == {
        ("email", "INVALID_EMAIL"),
        ("name", "REQUIRED"),
        ("role", "INVALID"),
    }
    assert await count(db, User) == users_before
    assert await count(db, OutboxMail) == 0
    assert await count(db, AuditEntry) == 0


async def test_agent_cannot_invite(agent: ApiClient, db: Database) -> None:
    body = await agent.post(INVITE, invite())

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, OutboxMail) == 0


async def test_anonymous_cannot_invite(anonymous: ApiClient) -> None:
    body = await anonymous.post(INVITE, invite())

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_invite_and_accept_each_write_one_audit_row_without_secrets(
    admin: ApiClient, anonymous: ApiClient, db: Database, smtp_server: Any
) -> None:
    await admin.data(INVITE, invite())
    token = (await smtp_server.mailbox.next()).token("accept-invitation")
    await anonymous.data(ACCEPT, {"input": {"token": token, "password": PASSWORD}})

    assert admin.user is not None
    [invited] = await audit_rows(db, "inviteUser")
    [accepted] = await audit_rows(db, "acceptInvitation")
    assert invited.actor_user_id == admin.user.id
    assert invited.object_type == "User"
    assert invited.changes["role"] == {"before": None, "after": "agent"}
    assert invited.changes["email"] == {"before": None, "after": "ivy@example.com"}
    assert accepted.object_id == invited.object_id
    assert accepted.changes["password_hash"] == {"before": "**********", "after": "**********"}
    assert accepted.changes["email_verified_at"]["before"] is None
    text = await audit_text(db)
    assert token not in text
    assert PASSWORD not in text
