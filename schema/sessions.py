"""Signing up, verifying an e-mail, logging in and out, refreshing and passwords."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.accounts import passwords, sessions, signup
from resolvers.accounts.sessions import IssuedSession
from resolvers.context import RequestContext
from schema.accounts import User
from schema.errors import UserError, payload_or_errors
from schema.permissions import IsAuthenticated

__all__ = ["SessionsMutation"]


@strawberry.input(description="A new customer account.")
class SignUpInput:
    email: str = strawberry.field(description="Sign-in address; a confirmation link goes here.")
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of signUp.")
class SignUpPayload:
    user: User | None = strawberry.field(
        default=None, description="The new account; it can log in once the e-mail is verified."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.input(description="The token from an e-mail link.")
class VerifyEmailInput:
    token: str = strawberry.field(description="The `token` parameter of the link.")


@strawberry.type(description="The result of verifyEmail.")
class VerifyEmailPayload:
    user: User | None = strawberry.field(default=None, description="The verified account.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.input(description="An e-mail address to send a link to.")
class AccountEmailInput:
    email: str = strawberry.field(description="The account's sign-in address.")


@strawberry.type(
    description="Accepted: a mail goes out if the address has an account that needs it."
)
class AccountEmailPayload:
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.input(description="Credentials.")
class LoginInput:
    email: str = strawberry.field(description="Sign-in address.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="A session's tokens: send the access token as a Bearer token.")
class LoginPayload:
    access_token: str | None = strawberry.field(
        default=None, description="Short-lived token for `Authorization: Bearer …`."
    )
    access_token_expires_at: datetime | None = strawberry.field(
        default=None, description="When to call refreshSession."
    )
    refresh_token: str | None = strawberry.field(
        default=None, description="Single-use token for refreshSession; keep it secret."
    )
    refresh_token_expires_at: datetime | None = strawberry.field(
        default=None, description="When the session ends unless refreshed before."
    )
    user: User | None = strawberry.field(default=None, description="Who is logged in.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")

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
class LogoutPayload:
    user: User | None = strawberry.field(default=None, description="Who was logged out.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.input(description="The current password and the new one.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of changePassword.")
class ChangePasswordPayload:
    user: User | None = strawberry.field(default=None, description="The viewer.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.input(description="The reset link's token and the new password.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The `token` parameter of the reset link.")
    new_password: str = strawberry.field(description="At least 10 characters.")


@strawberry.type(description="The result of resetPassword.")
class ResetPasswordPayload:
    user: User | None = strawberry.field(
        default=None, description="The account; log in with the new password."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="Bad input.")


@strawberry.type
class SessionsMutation:
    @strawberry.mutation(
        description=(
            "Register a customer account. A confirmation link is mailed; login works once "
            "the address is verified."
        )
    )
    async def sign_up(
        self, info: strawberry.Info[RequestContext], input: SignUpInput
    ) -> SignUpPayload:
        async def run() -> SignUpPayload:
            row = await signup.sign_up(
                info.context, email=input.email, name=input.name, password=input.password
            )
            return SignUpPayload(user=User.from_row(row))

        return await payload_or_errors(SignUpPayload, run)

    @strawberry.mutation(description="Confirm an e-mail address with the token from the mail.")
    async def verify_email(
        self, info: strawberry.Info[RequestContext], input: VerifyEmailInput
    ) -> VerifyEmailPayload:
        async def run() -> VerifyEmailPayload:
            row = await signup.verify_email(info.context, token=input.token)
            return VerifyEmailPayload(user=User.from_row(row))

        return await payload_or_errors(VerifyEmailPayload, run)

    @strawberry.mutation(
        description=(
            "Mail a new confirmation link. The answer is the same whether or not the "
            "address has an account."
        )
    )
    async def resend_email_verification(
        self, info: strawberry.Info[RequestContext], input: AccountEmailInput
    ) -> AccountEmailPayload:
        async def run() -> AccountEmailPayload:
            await signup.resend_email_verification(info.context, email=input.email)
            return AccountEmailPayload()

        return await payload_or_errors(AccountEmailPayload, run)

    @strawberry.mutation(description="Log in with e-mail and password; starts a session.")
    async def login(self, info: strawberry.Info[RequestContext], input: LoginInput) -> LoginPayload:
        async def run() -> LoginPayload:
            issued = await sessions.login(info.context, email=input.email, password=input.password)
            return LoginPayload.issued(issued)

        return await payload_or_errors(LoginPayload, run)

    @strawberry.mutation(
        description=(
            "Trade a refresh token for a new access token and a new refresh token. Using a "
            "refresh token twice ends the session."
        )
    )
    async def refresh_session(
        self, info: strawberry.Info[RequestContext], input: RefreshSessionInput
    ) -> LoginPayload:
        async def run() -> LoginPayload:
            issued = await sessions.refresh_session(info.context, refresh_token=input.refresh_token)
            return LoginPayload.issued(issued)

        return await payload_or_errors(LoginPayload, run)

    @strawberry.mutation(
        description="End this session (or all of them): its tokens stop working at once.",
        permission_classes=[IsAuthenticated],
    )
    async def logout(
        self, info: strawberry.Info[RequestContext], input: LogoutInput | None = None
    ) -> LogoutPayload:
        async def run() -> LogoutPayload:
            row = await sessions.logout(
                info.context, everywhere=input.everywhere if input else False
            )
            return LogoutPayload(user=User.from_row(row) if row is not None else None)

        return await payload_or_errors(LogoutPayload, run)

    @strawberry.mutation(
        description="Change your password; your other sessions end.",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(
        self, info: strawberry.Info[RequestContext], input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        async def run() -> ChangePasswordPayload:
            row = await passwords.change_password(
                info.context,
                current_password=input.current_password,
                new_password=input.new_password,
            )
            return ChangePasswordPayload(user=User.from_row(row))

        return await payload_or_errors(ChangePasswordPayload, run)

    @strawberry.mutation(
        description=(
            "Mail a password-reset link. The answer is the same whether or not the address "
            "has an account."
        )
    )
    async def request_password_reset(
        self, info: strawberry.Info[RequestContext], input: AccountEmailInput
    ) -> AccountEmailPayload:
        async def run() -> AccountEmailPayload:
            await passwords.request_password_reset(info.context, email=input.email)
            return AccountEmailPayload()

        return await payload_or_errors(AccountEmailPayload, run)

    @strawberry.mutation(
        description="Set a new password with the token from a reset mail; every session ends."
    )
    async def reset_password(
        self, info: strawberry.Info[RequestContext], input: ResetPasswordInput
    ) -> ResetPasswordPayload:
        async def run() -> ResetPasswordPayload:
            row = await passwords.reset_password(
                info.context, token=input.token, new_password=input.new_password
            )
            return ResetPasswordPayload(user=User.from_row(row))

        return await payload_or_errors(ResetPasswordPayload, run)
