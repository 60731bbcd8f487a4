"""The mutation base: how a declaration is checked and how problems become typed errors."""

from __future__ import annotations

import logging

import pytest

from resolvers.error_codes import AccountErrorCode, TeamErrorCode
from resolvers.errors import FieldProblem
from schema.errors import TeamError, user_errors
from schema.mutations import mutation


def test_a_mutation_body_must_take_the_transaction_first() -> None:
    async def create_thing(input: str) -> None:
        return None

    with pytest.raises(TypeError, match="tx: MutationTx"):
        mutation(description="Create a thing.")(create_thing)  # type: ignore[type-var]


def test_problems_become_errors_of_the_domain_type_with_the_same_code() -> None:
    problem = FieldProblem("name", "A team called Billing already exists.", TeamErrorCode.UNIQUE)

    (error,) = user_errors(TeamError, [problem])

    assert (error.field, error.message, error.code) == (
        "name",
        "A team called Billing already exists.",
        TeamErrorCode.UNIQUE,
    )


def test_a_code_missing_from_the_domain_enum_is_logged_and_shown_as_invalid(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problem = FieldProblem(None, "Too many attempts.", AccountErrorCode.RATE_LIMITED)

    with caplog.at_level(logging.ERROR, logger="autocrm.mutations"):
        (error,) = user_errors(TeamError, [problem])

    assert error.code is TeamErrorCode.INVALID
    assert "missing from TeamErrorCode" in caplog.text
