"""Checking an organization's input: name, domains (valid, lower-case, no free-mail
provider), tags, custom fields and notes, all problems reported at once."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from resolvers.customers.validation import KEEP, Keep, _custom_fields, _tags
from resolvers.error_codes import OrganizationErrorCode
from resolvers.errors import FieldProblem, ValidationFailed
from resolvers.organizations.domains import is_free_mail, normalize_domain

__all__ = ["MAX_DOMAINS", "MAX_NAME", "MAX_NOTES", "OrganizationDraft", "validate_organization"]

MAX_NAME = 200
MAX_DOMAINS = 50
MAX_NOTES = 10_000
_NUL = "\x00"


@dataclass(slots=True)
class OrganizationDraft:
    """Input fields; KEEP = not given (an update leaves the column alone)."""

    name: str | Keep | None = KEEP
    domains: list[str] | Keep | None = KEEP
    tags: list[str] | Keep | None = KEEP
    custom_fields: Any = KEEP
    notes: str | Keep | None = KEEP

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not KEEP]


def validate_organization(draft: OrganizationDraft, *, creating: bool) -> dict[str, Any]:
    """The columns to write (only given ones), or ValidationFailed with every problem."""
    problems: list[FieldProblem] = []
    columns: dict[str, Any] = {}
    if not isinstance(draft.name, Keep) or creating:
        columns["name"] = _name(None if isinstance(draft.name, Keep) else draft.name, problems)
    if not isinstance(draft.domains, Keep):
        columns["domains"] = _domains(draft.domains or [], problems)
    if not isinstance(draft.tags, Keep):
        columns["tags"] = _tags(draft.tags or [], problems)
    if draft.custom_fields is not KEEP:
        columns["custom_fields"] = _custom_fields(draft.custom_fields, problems)
    if not isinstance(draft.notes, Keep):
        columns["notes"] = _notes(draft.notes or "", problems)
    if problems:
        raise ValidationFailed(*problems)
    return columns


def _name(value: str | None, problems: list[FieldProblem]) -> str:
    name = " ".join((value or "").split())
    if _NUL in name:
        problems.append(_nul("name"))
    elif not name:
        problems.append(
            FieldProblem("name", "Give the organization a name.", OrganizationErrorCode.REQUIRED)
        )
    elif len(name) > MAX_NAME:
        problems.append(
            FieldProblem(
                "name", f"Use at most {MAX_NAME} characters.", OrganizationErrorCode.TOO_LONG
            )
        )
    return name


def _domains(values: list[str], problems: list[FieldProblem]) -> list[str]:
    clean: list[str] = []
    for index, raw in enumerate(values):
        field = f"domains.{index}"
        domain = normalize_domain(raw)
        if domain is None:
            problems.append(
                FieldProblem(
                    field,
                    f"{raw.strip()[:60]!r} is not a domain name like example.com.",
                    OrganizationErrorCode.INVALID_DOMAIN,
                )
            )
        elif is_free_mail(domain):
            problems.append(
                FieldProblem(
                    field,
                    f"{domain} is a free e-mail provider: its addresses belong to anyone.",
                    OrganizationErrorCode.FREE_MAIL_DOMAIN,
                )
            )
        elif domain not in clean:
            clean.append(domain)
    if len(clean) > MAX_DOMAINS:
        problems.append(
            FieldProblem(
                "domains", f"Use at most {MAX_DOMAINS} domains.", OrganizationErrorCode.TOO_LONG
            )
        )
    return clean


def _notes(value: str, problems: list[FieldProblem]) -> str:
    notes = value.strip()
    if _NUL in notes:
        problems.append(_nul("notes"))
    elif len(notes) > MAX_NOTES:
        problems.append(
            FieldProblem(
                "notes", f"Use at most {MAX_NOTES:,} characters.", OrganizationErrorCode.TOO_LONG
            )
        )
    return notes


def _nul(field: str) -> FieldProblem:
    return FieldProblem(
        field, "Remove the NUL character (\\0) from this text.", OrganizationErrorCode.INVALID
    )
