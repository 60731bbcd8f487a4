"""The exceptions use cases raise; schema/ turns them into UserErrors or GraphQL errors."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.error_codes import CommonErrorCode, ErrorCode

__all__ = [
    "FieldProblem",
    "Forbidden",
    "NotFound",
    "RefusedAfterCommit",
    "Unauthenticated",
    "ValidationFailed",
]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str | None
    message: str
    code: ErrorCode


class ValidationFailed(Exception):
    """Bad input: reported as `errors` in the mutation payload, nothing written."""

    def __init__(self, *problems: FieldProblem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, field: str | None, message: str, code: ErrorCode) -> ValidationFailed:
        return cls(FieldProblem(field, message, code))


class RefusedAfterCommit(ValidationFailed):
    """Bad input whose consequence must stick (a reused refresh token revokes its session):
    the mutation transaction commits what was written, then reports these problems."""


class Unauthenticated(Exception):
    """No valid credentials; becomes a GraphQL error with code UNAUTHENTICATED."""


class Forbidden(Exception):
    """Credentials are fine but the role or scope is not; code FORBIDDEN."""


class NotFound(ValidationFailed):
    """An ID that does not exist, or that the caller may not see (the two look the same)."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(FieldProblem(field, f"No {what} with this ID.", CommonErrorCode.NOT_FOUND))
