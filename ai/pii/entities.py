"""The kinds of personal data AutoCRM finds, their placeholder names and default score cuts."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DEFAULT_THRESHOLDS",
    "NER_KINDS",
    "PATTERN_KINDS",
    "PRESIDIO_ENTITY",
    "PiiKind",
    "PiiMode",
]


class PiiMode(StrEnum):
    """`off` sends text as it is; `patterns` finds structured identifiers with no model;
    `ner` adds names and places from the optional spaCy model (the `pii-ner` extra)."""

    OFF = "off"
    PATTERNS = "patterns"
    NER = "ner"


class PiiKind(StrEnum):
    """The name a placeholder carries: `<EMAIL_1>`, `<PHONE_2>` …"""

    EMAIL = "EMAIL"
    PHONE = "PHONE"
    CARD = "CARD"
    IBAN = "IBAN"
    IP = "IP"
    URL = "URL"
    CRYPTO = "CRYPTO"
    PERSON = "PERSON"
    LOCATION = "LOCATION"


PATTERN_KINDS = (
    PiiKind.EMAIL,
    PiiKind.PHONE,
    PiiKind.CARD,
    PiiKind.IBAN,
    PiiKind.IP,
    PiiKind.URL,
    PiiKind.CRYPTO,
)
NER_KINDS = (PiiKind.PERSON, PiiKind.LOCATION)

# Our kind -> presidio's entity name.
PRESIDIO_ENTITY: dict[PiiKind, str] = {
    PiiKind.EMAIL: "EMAIL_ADDRESS",
    PiiKind.PHONE: "PHONE_NUMBER",
    PiiKind.CARD: "CREDIT_CARD",
    PiiKind.IBAN: "IBAN_CODE",
    PiiKind.IP: "IP_ADDRESS",
    PiiKind.URL: "URL",
    PiiKind.CRYPTO: "CRYPTO",
    PiiKind.PERSON: "PERSON",
    PiiKind.LOCATION: "LOCATION",
}

# Scores below these are not personal data. Phone numbers score 0.4 without a context word
# ("phone", "call" …) and 0.75 with one, so their cut stays at 0.4: identifiers that look like
# numbers (INV-2024-000123) are refused by the phone recognizer itself, not by the cut.
# Checksummed kinds (card: Luhn, IBAN: mod 97, crypto: base58/bech32) score 1.0.
DEFAULT_THRESHOLDS: dict[PiiKind, float] = {
    PiiKind.EMAIL: 0.5,
    PiiKind.PHONE: 0.4,
    PiiKind.CARD: 0.5,
    PiiKind.IBAN: 0.5,
    PiiKind.IP: 0.5,
    PiiKind.URL: 0.5,
    PiiKind.CRYPTO: 0.5,
    PiiKind.PERSON: 0.5,
    PiiKind.LOCATION: 0.5,
}
