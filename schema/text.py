"""Input text, checked and normalised in one place: the String, ID and JSON scalars.

Every string a client sends passes through here before any resolver sees it: control
characters (C0 but tab, newline and carriage return; DEL and C1) and lone surrogates are
refused — PostgreSQL refuses NUL, and the others have no business in CRM text — text is
normalised to NFC (so "é" typed as e + U+0301 and as U+00E9 are one name), and no string is
longer than `MAX_TEXT_LENGTH`. Resolvers still apply their own, tighter lengths.

graphql-core 3.3 forbids redefining the standard `String` and `ID` scalars, so their input
coercion is replaced on graphql-core's own scalar objects (`install_text_coercion`, called
when the schema is built); their serialisation is unchanged. `JSON` is ours to override.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import strawberry
from graphql import ConstValueNode, GraphQLID, GraphQLString, ValueNode, value_from_ast_untyped
from graphql.type.scalars import coerce_id, coerce_string, parse_id_literal, parse_string_literal
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

__all__ = [
    "JSON_SCALAR",
    "MAX_TEXT_LENGTH",
    "SCALAR_OVERRIDES",
    "TextRefused",
    "clean_json",
    "clean_text",
    "install_text_coercion",
]

# Above every field's own limit (the largest: a message body, 100 KB), so those answer first
# with their precise UserError; this only keeps unbounded text away from the database.
MAX_TEXT_LENGTH = 200_000

# C0 controls but \t \n \r, DEL, C1 controls, and UTF-16 surrogates (only lone ones can
# reach a Python str: JSON's "\ud800" escape decodes to one).
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class TextRefused(ValueError):
    """Input text that cannot be stored; becomes a `BAD_USER_INPUT` error naming the field."""


def clean_text(value: str) -> str:
    """`value` in NFC, or `TextRefused` for a control character, lone surrogate or excess."""
    if len(value) > MAX_TEXT_LENGTH:
        raise TextRefused(f"Text is longer than {MAX_TEXT_LENGTH} characters.")
    bad = _REFUSED.search(value)
    if bad is not None:
        raise TextRefused(
            f"Text contains the control character U+{ord(bad.group()):04X}, which is not allowed."
        )
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def clean_json(value: Any) -> Any:
    """A JSON value with every string (keys included) passed through `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value


def _coerce_string(value: Any) -> str:
    return clean_text(coerce_string(value))


def _coerce_string_literal(node: ConstValueNode) -> str:
    return clean_text(parse_string_literal(node))


def _coerce_id(value: Any) -> str:
    return clean_text(coerce_id(value))


def _coerce_id_literal(node: ConstValueNode) -> str:
    return clean_text(parse_id_literal(node))


def _parse_json_literal(node: ValueNode, variables: Any = None) -> Any:
    return clean_json(value_from_ast_untyped(node, variables))


def install_text_coercion() -> None:
    """Make graphql-core's String and ID scalars coerce input through `clean_text`
    (idempotent; affects every schema in the process, which has exactly one)."""
    GraphQLString.coerce_input_value = _coerce_string
    GraphQLString.coerce_input_literal = _coerce_string_literal
    GraphQLID.coerce_input_value = _coerce_id
    GraphQLID.coerce_input_literal = _coerce_id_literal


# strawberry's JSON scalar, with every string inside the value checked like a String.
JSON_SCALAR: ScalarDefinition = strawberry.scalar(
    name="JSON",
    description=(
        "A JSON value (ECMA-404). Strings inside it follow the String input rules: no control "
        "characters, NFC."
    ),
    specified_by_url=(
        "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
    ),
    serialize=lambda v: v,
    parse_value=clean_json,
    parse_literal=_parse_json_literal,
)

SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {JSON: JSON_SCALAR}
