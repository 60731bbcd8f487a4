"""UserError, the error codes, and the one place exceptions become GraphQL answers."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["ErrorCode", "UserError", "payload_or_errors"]


@strawberry.enum(description="Why a piece of input was refused.")
class ErrorCode(enum.Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    INVALID_TOKEN = "invalid_token"
    WEAK_PASSWORD = "weak_password"
    INVALID_STATE = "invalid_state"
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    TOO_LARGE = "too_large"
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_TYPE = "unsupported_type"


@strawberry.type(description="A problem with the input of a mutation; nothing was written.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase path), or null for the whole input."
    )
    message: str = strawberry.field(description="What is wrong and what to do about it.")
    code: ErrorCode = strawberry.field(description="A stable code for programs to branch on.")

    @classmethod
    def from_problem(cls, problem: FieldProblem) -> UserError:
        return cls(field=problem.field, message=problem.message, code=ErrorCode(problem.code))


P = TypeVar("P")


async def payload_or_errors(make: Callable[..., P], run: Callable[[], Awaitable[P]]) -> P:
    """Run a mutation; bad input becomes `make(errors=[…])`, anything else propagates."""
    try:
        return await run()
    except ValidationFailed as exc:
        errors: Any = [UserError.from_problem(p) for p in exc.problems]
        return make(errors=errors)
