"""Signing up, verifying an e-mail, logging in and out, refreshing and passwords."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.accounts import passwords, sessions, signup
from resolvers.accounts.sessions import IssuedSession
from resolvers.audit import MutationTx
from schema.accounts import User
from schema.errors import AccountError
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAuthenticated

__all__ = ["SessionsMutation"]


@strawberry.input(description="A new customer account.")
class SignUpInput:
    email: str = strawberry.field(description="Sign-in address; a confirmation link goes here.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of signUp.")
class SignUpPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(
        default=None,
        description=(
            "The new account; it can log in once the e-mail is verified. (For an address that "
            "already has an account, an unsaved look-alike: the answer does not tell.)"
        ),
    )


@strawberry.input(description="The token from an e-mail link.")
class VerifyEmailInput:
    token: str = strawberry.field(description="The `token` parameter of the link.")


@strawberry.type(description="The result of verifyEmail.")
class VerifyEmailPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The verified account.")


@strawberry.input(description="An e-mail address to send a link to.")
class AccountEmailInput:
    email: str = strawberry.field(description="The account's sign-in address.")


@strawberry.type(
    description="Accepted: a mail goes out if the address has an account that needs it."
)
class AccountEmailPayload(MutationPayload[AccountError]):
    pass


@strawberry.input(description="Credentials.")
class LoginInput:
    email: str = strawberry.field(description="Sign-in address.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="A session's tokens: send the access token as a Bearer token.")
class LoginPayload(MutationPayload[AccountError]):
    access_token: str | None = strawberry.field(
        default=None,
        description="Short-lived token for `Authorization: Bearer …`."
        " Plain text: escape before rendering as HTML.",
    )
    access_token_expires_at: datetime | None = strawberry.field(
        default=None, description="When to call refreshSession."
    )
    refresh_token: str | None = strawberry.field(
        default=None,
        description="Single-use token for refreshSession; keep it secret."
        " Plain text: escape before rendering as HTML.",
    )
    refresh_token_expires_at: datetime | None = strawberry.field(
        default=None, description="When the session ends unless refreshed before."
    )
    user: User | None = strawberry.field(default=None, description="Who is logged in.")

    @classmethod
    def issued(cls, issued: IssuedSession) -> LoginPayload:
        return cls(
            access_token=issued.access_token,
            access_token_expires_at=issued.access_token_expires_at,
            refresh_token=issued.refresh_token,
            refresh_token_expires_at=issued.refresh_token_expires_at,
            user=User.from_row(issued.user),
        )


@strawberry.input(description="The refresh token from login or the last refreshSession.")
class RefreshSessionInput:
    refresh_token: str = strawberry.field(description="Used once: the answer has a new one.")


@strawberry.input(description="Which sessions to end.")
class LogoutInput:
    everywhere: bool = strawberry.field(
        default=False, description="End every session of this user, not only this one."
    )


@strawberry.type(description="The result of logout.")
class LogoutPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="Who was logged out.")


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of changePassword.")
class ChangePasswordPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(default=None, description="The viewer.")


@strawberry.input(description="The reset link's token and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` parameter of the reset link.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of resetPassword.")
class ResetPasswordPayload(MutationPayload[AccountError]):
    user: User | None = strawberry.field(
        default=None, description="The account; log in with the new password."
    )


@strawberry.type
class SessionsMutation:
    @mutation(
        description=(
            "Register a customer account. A confirmation link is mailed; login works once "
            "the address is verified. The answer is the same when the address already has an "
            "account: nothing is created and its owner is mailed a notice instead."
        )
    )
    async def sign_up(tx: MutationTx, input: SignUpInput) -> SignUpPayload:
        row = await signup.sign_up(tx, email=input.email, name=input.name, password=input.password)
        return SignUpPayload(user=User.from_row(row))

    @mutation(description="Confirm an e-mail address with the token from the mail.")
    async def verify_email(tx: MutationTx, input: VerifyEmailInput) -> VerifyEmailPayload:
        row = await signup.verify_email(tx, token=input.token)
        return VerifyEmailPayload(user=User.from_row(row))

    @mutation(
        description=(
            "Mail a new confirmation link. The answer is the same whether or not the "
            "address has an account."
        )
    )
    async def resend_email_verification(
        tx: MutationTx, input: AccountEmailInput
    ) -> AccountEmailPayload:
        await signup.resend_email_verification(tx, email=input.email)
        return AccountEmailPayload()

    @mutation(description="Log in with e-mail and password; starts a session.")
    async def login(tx: MutationTx, input: LoginInput) -> LoginPayload:
        issued = await sessions.login(tx, email=input.email, password=input.password)
        return LoginPayload.issued(issued)

    @mutation(
        description=(
            "Trade a refresh token for a new access token and a new refresh token. Using a "
            "refresh token twice ends the session."
        )
    )
    async def refresh_session(tx: MutationTx, input: RefreshSessionInput) -> LoginPayload:
        issued = await sessions.refresh_session(tx, refresh_token=input.refresh_token)
        return LoginPayload.issued(issued)

    @mutation(
        description="End this session (or all of them): its tokens stop working at once.",
        permission_classes=[IsAuthenticated],
    )
    async def logout(tx: MutationTx, input: LogoutInput | None = None) -> LogoutPayload:
        row = await sessions.logout(tx, everywhere=input.everywhere if input else False)
        return LogoutPayload(user=User.from_row(row) if row is not None else None)

    @mutation(
        description="Change your password; your other sessions end.",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(tx: MutationTx, input: ChangePasswordInput) -> ChangePasswordPayload:
        row = await passwords.change_password(
            tx,
            current_password=input.current_password,
            new_password=input.new_password,
        )
        return ChangePasswordPayload(user=User.from_row(row))

    @mutation(
        description=(
            "Mail a password-reset link. The answer is the same whether or not the address "
            "has an account."
        )
    )
    async def request_password_reset(
        tx: MutationTx, input: AccountEmailInput
    ) -> AccountEmailPayload:
        await passwords.request_password_reset(tx, email=input.email)
        return AccountEmailPayload()

    @mutation(
        description="Set a new password with the token from a reset mail; every session ends."
    )
    async def reset_password(tx: MutationTx, input: ResetPasswordInput) -> ResetPasswordPayload:
        row = await passwords.reset_password(tx, token=input.token, new_password=input.new_password)
        return ResetPasswordPayload(user=User.from_row(row))
