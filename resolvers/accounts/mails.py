"""The texts of account e-mails. Plain text: links must survive every mail client."""

from __future__ import annotations

from urllib.parse import quote

from settings import Settings

__all__ = ["invitation_mail", "link", "password_reset_mail", "verification_mail"]


def link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/{path}?token={quote(token, safe='')}"


def verification_mail(settings: Settings, name: str, token: str) -> tuple[str, str]:
    url = link(settings, "verify-email", token)
    hours = settings.verify_token_hours
    return (
        "Confirm your e-mail address",
        f"Hello {name},\n\n"
        f"Please confirm your e-mail address to finish signing up:\n\n{url}\n\n"
        f"The link works once and expires in {hours} hours. "
        "If you did not sign up, ignore this mail.\n",
    )


def password_reset_mail(settings: Settings, name: str, token: str) -> tuple[str, str]:
    url = link(settings, "reset-password", token)
    minutes = settings.reset_token_minutes
    return (
        "Reset your password",
        f"Hello {name},\n\n"
        f"Someone asked to reset the password of your account. To choose a new one, open:\n\n"
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
