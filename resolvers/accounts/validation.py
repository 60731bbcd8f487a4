"""Checks on account input, collected so one answer lists every problem at once."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from auth.passwords import password_problem
from resolvers.error_codes import AccountErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["MAX_NAME", "InputCheck", "normalise_email"]

MAX_NAME = 200


def normalise_email(value: str) -> str | None:
    """The lower-cased address, or None when it is not an e-mail address."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


class InputCheck:
    """`check.email(...)`, `check.name(...)` … then `check.done()` raises them all."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, field: str | None, message: str, code: AccountErrorCode) -> None:
        self.problems.append(FieldProblem(field, message, code))

    def email(self, value: str, field: str = "email") -> str:
        normalised = normalise_email(value)
        if normalised is None:
            self.fail(
                field,
                "Enter a valid e-mail address, like name@example.com.",
                AccountErrorCode.INVALID_EMAIL,
            )
            return value
        return normalised

    def name(self, value: str, field: str = "name") -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            self.fail(field, "Enter a name.", AccountErrorCode.REQUIRED)
        elif len(cleaned) > MAX_NAME:
            self.fail(field, f"Use at most {MAX_NAME} characters.", AccountErrorCode.TOO_LONG)
        return cleaned

    def new_password(self, value: str, field: str = "password") -> str:
        problem = password_problem(value)
        if problem is not None:
            self.fail(field, problem, AccountErrorCode.WEAK_PASSWORD)
        return value

    def done(self) -> None:
        if self.problems:
            raise ValidationFailed(*self.problems)
