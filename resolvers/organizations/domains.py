"""E-mail domains of organizations: normalising them, and the free-mail providers whose
domains say nothing about where someone works (never an organization's domain, never a
suggestion)."""

from __future__ import annotations

import re

__all__ = ["FREE_MAIL_DOMAINS", "email_domain", "is_free_mail", "normalize_domain"]

# The large consumer providers; a short list on purpose (a longer one goes stale): a
# domain missing here can still be refused by simply not adding it to an organization.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "yandex.com",
        "mail.ru",
        "qq.com",
        "163.com",
        "126.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "tutanota.com",
    }
)

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TOP = re.compile(r"^(xn--[a-z0-9-]{1,59}|[a-z]{2,63})$")


def normalize_domain(raw: str) -> str | None:
    """'  @Example.COM. ' → 'example.com'; an internationalised name in its ASCII (IDNA)
    form; None when it is not a domain name (one dot at least, letters in the last label)."""
    value = raw.strip().lower().lstrip("@").rstrip(".")
    if not value or len(value) > 253:
        return None
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = value.split(".")
    if len(labels) < 2 or len(value) > 253:
        return None
    if not all(_LABEL.match(label) for label in labels[:-1]) or not _TOP.match(labels[-1]):
        return None
    return value


def email_domain(email: str) -> str | None:
    """The domain of an address (customers' addresses are stored lower-case)."""
    _, at, domain = email.rpartition("@")
    return domain.lower() if at and domain else None


def is_free_mail(domain: str) -> bool:
    return domain in FREE_MAIL_DOMAINS
