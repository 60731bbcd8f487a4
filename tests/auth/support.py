"""Query texts and database readers shared by the account tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, OutboxMail, User
from tests.conftest import ApiClient

SIGN_UP = """
mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    user { id email name role emailVerified isActive }
    errors { field code message }
  }
}
"""

VERIFY_EMAIL = """
mutation Verify($input: VerifyEmailInput!) {
  verifyEmail(input: $input) {
    user { email emailVerified }
    errors { field code message }
  }
}
"""

RESEND_VERIFICATION = """
mutation Resend($input: AccountEmailInput!) {
  resendEmailVerification(input: $input) { errors { field code message } }
}
"""

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt
    user { id email role }
    errors { field code message }
  }
}
"""

REFRESH = """
mutation Refresh($input: RefreshSessionInput!) {
  refreshSession(input: $input) {
    accessToken refreshToken
    user { email }
    errors { field code message }
  }
}
"""

LOGOUT = """
mutation Logout($input: LogoutInput) {
  logout(input: $input) { user { email } errors { field code message } }
}
"""

CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { email } errors { field code message } }
}
"""

REQUEST_RESET = """
mutation RequestReset($input: AccountEmailInput!) {
  requestPasswordReset(input: $input) { errors { field code message } }
}
"""

RESET_PASSWORD = """
mutation Reset($input: ResetPasswordInput!) {
  resetPassword(input: $input) { user { email } errors { field code message } }
}
"""

VIEWER = "query { viewer { email name role } }"
# A field that needs a signed-in user, to see how credentials are judged.
UPDATE_PROFILE = """
mutation Profile($input: UpdateProfileInput!) {
  updateProfile(input: $input) { user { name } errors { field code message } }
}
"""


async def log_in(client: ApiClient, email: str, password: str) -> dict[str, Any]:
    """The login payload; asserts it succeeded."""
    data = await client.data(LOGIN, {"input": {"email": email, "password": password}})
    payload: dict[str, Any] = data["login"]
    assert payload["errors"] == []
    return payload


def as_bearer(client: ApiClient, token: str | None) -> ApiClient:
    return ApiClient(http=client.http, token=token)


async def signed_in(client: ApiClient, email: str, password: str) -> ApiClient:
    """A client carrying the access token of a fresh login."""
    return as_bearer(client, (await log_in(client, email, password))["accessToken"])


async def audit_rows(db: Database, action: str | None = None) -> list[AuditEntry]:
    async with db.sessions() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list((await session.execute(stmt)).scalars())


async def audit_text(db: Database) -> str:
    """Every audit row's changes and labels as one string, to search for leaked secrets."""
    rows = await audit_rows(db)
    return json.dumps([[r.changes, r.actor_label, r.object_id] for r in rows])


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.sessions() as session:
        stmt = select(func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int((await session.execute(stmt)).scalar_one())


async def user_by_email(db: Database, email: str) -> User | None:
    async with db.sessions() as session:
        return await session.scalar(select(User).where(User.email == email))


async def outbox(db: Database) -> list[OutboxMail]:
    async with db.sessions() as session:
        stmt = select(OutboxMail).order_by(OutboxMail.created_at)
        return list((await session.execute(stmt)).scalars())


def first_error(payload: dict[str, Any]) -> tuple[str | None, str]:
    errors = payload["errors"]
    assert errors, payload
    return errors[0]["field"], errors[0]["code"]
