"""Plain resolvers never bypass a permission class or an argument."""

from __future__ import annotations

from typing import Any

import pytest

from schema import build_schema
from schema.plain_fields import install_plain_resolvers
from settings import Settings


def _nothing(source: Any, info: Any) -> None:
    return None


@pytest.mark.parametrize(
    "field",
    [
        ("Ticket", "followers"),  # staff only, by permission class
        ("Ticket", "messages"),  # takes arguments
    ],
)
def test_a_guarded_or_argument_taking_field_keeps_strawberrys_resolver(
    settings: Settings, field: tuple[str, str]
) -> None:
    schema = build_schema(settings)

    with pytest.raises(TypeError, match="must keep Strawberry's resolver"):
        install_plain_resolvers(schema, {field: _nothing})

    assert schema._schema.get_type("Ticket").fields[field[1]].resolve is not _nothing  # type: ignore[union-attr]
