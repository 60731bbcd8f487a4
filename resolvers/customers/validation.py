"""Customer input: the draft a mutation receives and the rules that turn it into clean values.

Every problem is collected before anything is reported, so one round trip shows the caller
all that is wrong; `field` is the camelCase input path ("emails.1").
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, fields
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from resolvers.error_codes import CustomerErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = [
    "KEEP",
    "MAX_COMPANY",
    "MAX_CUSTOM_FIELDS_BYTES",
    "MAX_CUSTOM_FIELDS_DEPTH",
    "MAX_CUSTOM_FIELD_KEY",
    "MAX_EMAILS",
    "MAX_NAME",
    "MAX_NOTES",
    "MAX_PHONES",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "CleanCustomer",
    "CustomerDraft",
    "Keep",
    "Phone",
    "normalize_tags",
    "validate_draft",
]

MAX_NAME = 200
MAX_COMPANY = 200
MAX_EMAILS = 10
MAX_PHONES = 10
MAX_TAGS = 50
MAX_TAG_LENGTH = 50
MAX_CUSTOM_FIELDS_BYTES = 16 * 1024
MAX_CUSTOM_FIELD_KEY = 64
MAX_CUSTOM_FIELDS_DEPTH = 16
MAX_NOTES = 10_000
# phonenumbers gives up on long input anyway; this keeps junk out of error messages.
_MAX_PHONE_INPUT = 40


class Keep(enum.Enum):
    """An input field that was left out: keep what is stored (null means "clear")."""

    KEEP = "keep"


KEEP = Keep.KEEP

# Input field → its camelCase name in the GraphQL input, for `field` in errors.
_CAMEL = {"custom_fields": "customFields"}


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    name: str | Keep | None = KEEP
    emails: list[str] | Keep | None = KEEP
    phones: list[str] | Keep | None = KEEP
    company: str | Keep | None = KEEP
    tags: list[str] | Keep | None = KEEP
    custom_fields: Any = KEEP
    notes: str | Keep | None = KEEP

    def given(self) -> list[str]:
        """The camelCase names of the fields the caller set."""
        return [
            _CAMEL.get(f.name, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP
        ]


@dataclass(frozen=True, slots=True)
class Phone:
    e164: str
    digits: str


@dataclass(slots=True)
class CleanCustomer:
    """Validated values; `columns` holds only the customers-row fields that were given,
    and emails / phones are None when they were left out."""

    columns: dict[str, Any]
    emails: list[str] | None
    phones: list[Phone] | None
    # The legacy `notes` string (None: not given, "": clear it); stored as a note entry.
    notes: str | None = None


def validate_draft(draft: CustomerDraft, *, phone_region: str) -> CleanCustomer:
    problems: list[FieldProblem] = []
    columns: dict[str, Any] = {}

    if draft.name is not KEEP:
        columns["name"] = _name(draft.name, problems)
    if draft.company is not KEEP:
        columns["company"] = _optional_text(draft.company, "company", MAX_COMPANY, problems)
    notes = None
    if draft.notes is not KEEP:
        notes = _optional_text(draft.notes, "notes", MAX_NOTES, problems) or ""
    if draft.tags is not KEEP:
        columns["tags"] = _tags(draft.tags or [], problems)
    if draft.custom_fields is not KEEP:
        columns["custom_fields"] = _custom_fields(draft.custom_fields, problems)
    emails = None if draft.emails is KEEP else _emails(draft.emails or [], problems)
    phones = None if draft.phones is KEEP else _phones(draft.phones or [], phone_region, problems)

    if problems:
        raise ValidationFailed(*problems)
    return CleanCustomer(columns=columns, emails=emails, phones=phones, notes=notes)


def normalize_tags(values: list[str]) -> list[str]:
    """Trimmed, lower-cased, first occurrence kept; blanks dropped (filters use this)."""
    return list(dict.fromkeys(t.strip().lower() for t in values if t.strip()))


_NUL = "\x00"


def _nul(field: str) -> FieldProblem:
    """PostgreSQL text cannot store NUL; refusing it beats a failed write."""
    return FieldProblem(
        field, "Remove the NUL character (\\0) from this text.", CustomerErrorCode.INVALID
    )


def _name(value: str | None, problems: list[FieldProblem]) -> str:
    name = (value or "").strip()
    if _NUL in name:
        problems.append(_nul("name"))
    elif not name:
        problems.append(
            FieldProblem("name", "Enter the customer's name.", CustomerErrorCode.REQUIRED)
        )
    elif len(name) > MAX_NAME:
        problems.append(
            FieldProblem("name", f"Use at most {MAX_NAME} characters.", CustomerErrorCode.TOO_LONG)
        )
    return name


def _optional_text(
    value: str | None, field: str, limit: int, problems: list[FieldProblem]
) -> str | None:
    text = (value or "").strip()
    if _NUL in text:
        problems.append(_nul(field))
    elif len(text) > limit:
        problems.append(
            FieldProblem(field, f"Use at most {limit:,} characters.", CustomerErrorCode.TOO_LONG)
        )
    return text or None


def _tags(values: list[str], problems: list[FieldProblem]) -> list[str]:
    for index, raw in enumerate(values):
        tag = raw.strip()
        if _NUL in tag:
            problems.append(_nul(f"tags.{index}"))
        elif not tag:
            problems.append(
                FieldProblem(f"tags.{index}", "A tag cannot be empty.", CustomerErrorCode.TOO_SHORT)
            )
        elif len(tag) > MAX_TAG_LENGTH:
            problems.append(
                FieldProblem(
                    f"tags.{index}",
                    f"Use at most {MAX_TAG_LENGTH} characters.",
                    CustomerErrorCode.TOO_LONG,
                )
            )
    tags = normalize_tags(values)
    if len(tags) > MAX_TAGS:
        problems.append(
            FieldProblem("tags", f"Use at most {MAX_TAGS} tags.", CustomerErrorCode.TOO_LONG)
        )
    return tags


def _custom_fields(value: Any, problems: list[FieldProblem]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(
            FieldProblem(
                "customFields", "Custom fields must be a JSON object.", CustomerErrorCode.INVALID
            )
        )
        return {}
    if _too_deep(value, MAX_CUSTOM_FIELDS_DEPTH):
        problems.append(
            FieldProblem(
                "customFields",
                f"Custom fields nest more than {MAX_CUSTOM_FIELDS_DEPTH} levels deep.",
                CustomerErrorCode.INVALID,
            )
        )
        return {}
    for key in value:
        if len(key) > MAX_CUSTOM_FIELD_KEY:
            problems.append(
                FieldProblem(
                    "customFields",
                    f"Key {key[:20]!r}… is too long: use at most {MAX_CUSTOM_FIELD_KEY} "
                    "characters.",
                    CustomerErrorCode.TOO_LONG,
                )
            )
    serialised = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    size = len(serialised.encode())
    if _has_nul(value):
        problems.append(_nul("customFields"))
    elif size > MAX_CUSTOM_FIELDS_BYTES:
        problems.append(
            FieldProblem(
                "customFields",
                f"Custom fields take {size:,} bytes as JSON; the limit is "
                f"{MAX_CUSTOM_FIELDS_BYTES:,}.",
                CustomerErrorCode.TOO_LONG,
            )
        )
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Checked without recursion, before anything recursive walks the value."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, (dict, list))
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return any(isinstance(item, (dict, list)) for item in level)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _NUL in value
    if isinstance(value, dict):
        return any(_NUL in k or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _emails(values: list[str], problems: list[FieldProblem]) -> list[str]:
    clean: list[str] = []
    for index, raw in enumerate(values):
        try:
            address = validate_email(raw.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            problems.append(
                FieldProblem(f"emails.{index}", str(exc), CustomerErrorCode.INVALID_EMAIL)
            )
            continue
        clean.append(address.lower())
    clean = list(dict.fromkeys(clean))
    if len(clean) > MAX_EMAILS:
        problems.append(
            FieldProblem(
                "emails", f"Use at most {MAX_EMAILS} e-mail addresses.", CustomerErrorCode.TOO_LONG
            )
        )
    return clean


def _phones(values: list[str], region: str, problems: list[FieldProblem]) -> list[Phone]:
    clean: dict[str, Phone] = {}
    for index, raw in enumerate(values):
        phone = _phone(raw, region)
        if phone is None:
            problems.append(
                FieldProblem(
                    f"phones.{index}",
                    f"Not a valid phone number: use +<country code><number>, or a {region} number.",
                    CustomerErrorCode.INVALID_PHONE,
                )
            )
        else:
            clean.setdefault(phone.e164, phone)
    if len(clean) > MAX_PHONES:
        problems.append(
            FieldProblem(
                "phones", f"Use at most {MAX_PHONES} phone numbers.", CustomerErrorCode.TOO_LONG
            )
        )
    return list(clean.values())


def _phone(raw: str, region: str) -> Phone | None:
    text = raw.strip()
    if not text or len(text) > _MAX_PHONE_INPUT:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, digits=e164.lstrip("+"))
