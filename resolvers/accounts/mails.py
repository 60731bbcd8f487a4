"""The texts of account e-mails. Plain text: links must survive every mail client.

A mail to an address nobody has verified yet carries no text chosen by whoever asked for
it (sign-up is anonymous: a name there could be any message, sent to any address).
"""

from __future__ import annotations

from urllib.parse import quote

from settings import Settings

__all__ = [
    "invitation_mail",
    "link",
    "password_reset_mail",
    "sign_up_attempt_mail",
    "verification_mail",
]


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}?token={quote(token, safe='')}"


def verification_mail(settings: Settings, token: str) -> tuple[str, str]:
    url = link(settings, "verify-email", token)
    hours = settings.verify_token_hours
    return (
        "Confirm your e-mail address",
        "Hello,\n\n"
        f"Please confirm your e-mail address to finish signing up:\n\n{url}\n\n"
        f"The link works once and expires in {hours} hours. "
        "If you did not sign up, ignore this mail.\n",
    )


def sign_up_attempt_mail(settings: Settings) -> tuple[str, str]:
    """To the owner of an address someone tried to sign up with again."""
    base = settings.public_url.rstrip("/")
    return (
        "Sign-up attempt with your e-mail address",
        "Hello,\n\n"
        "Someone tried to sign up with your e-mail address, which already has an account. "
        "If it was you, log in, or reset your password if you forgot it:\n\n"
        f"{base}\n\n"
        "If it was not you, ignore this mail: nothing about your account changed.\n",
    )


def password_reset_mail(settings: Settings, name: str | None, token: str) -> tuple[str, str]:
    """`name` only for a verified account (it was chosen at an anonymous sign-up)."""
    url = link(settings, "reset-password", token)
    minutes = settings.reset_token_minutes
    greeting = f"Hello {name},\n\n" if name else "Hello,\n\n"
    return (
        "Reset your password",
        greeting
        + f"Someone asked to reset the password of your account. To choose a new one, open:\n\n"
        f"{url}\n\n"
        f"The link works once and expires in {minutes} minutes. "
        "If you did not ask for this, ignore this mail: your password stays as it is.\n",
    )


def invitation_mail(
    settings: Settings, name: str, inviter: str, role: str, token: str
) -> tuple[str, str]:
    url = link(settings, "accept-invitation", token)
    days = settings.invite_token_days
    return (
        "You are invited to AutoCRM",
        f"Hello {name},\n\n"
        f"{inviter} invited you to join the support team as {role}. "
        f"Choose your password here:\n\n{url}\n\n"
        f"The link works once and expires in {days} days.\n",
    )
