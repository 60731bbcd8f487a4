"""Input text rules, for every text argument in the schema: a control character anywhere is
`BAD_USER_INPUT` naming where it was (never a server error), and text is stored in NFC."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
    get_named_type,
    is_non_null_type,
)

from schema import build_schema
from settings import Settings
from tests.conftest import ApiClient

NUL = "bad\u0000text"
TEXT_SCALARS = frozenset({"String", "ID", "JSON"})
DUMMY = {
    "String": "x",
    "ID": "x",
    "JSON": {},
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2026-01-01T00:00:00+00:00",
    "Upload": None,
}

CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { name customFields } errors { field code } }
}
"""

TEAMS_LITERAL = 'query { teams(search: "a\\u0000") { totalCount } }'


@dataclass(frozen=True)
class TextPosition:
    """One place a client can send text: `field(arg)` and the path inside the argument."""

    operation: str  # "query" / "mutation"
    field: str
    field_args: dict[str, GraphQLArgument]
    arg: str
    path: tuple[str | int, ...]
    composite: bool  # the field's result needs a selection

    @property
    def document(self) -> str:
        """The operation, with one variable per argument sent (the probed and required ones)."""
        names = self.sent_args
        header = ", ".join(f"${n}: {self.field_args[n].type}" for n in names)
        args = ", ".join(f"{n}: ${n}" for n in names)
        selection = " { __typename }" if self.composite else ""
        return f"{self.operation} Probe({header}) {{ {self.field}({args}){selection} }}"

    @property
    def sent_args(self) -> list[str]:
        return [
            name
            for name, arg in self.field_args.items()
            if name == self.arg or (is_non_null_type(arg.type) and arg.default_value is Undefined)
        ]

    def variables(self) -> dict[str, Any]:
        return {
            name: _with_bad_text(self.field_args[name].type, self.path)
            if name == self.arg
            else _minimal(self.field_args[name].type)
            for name in self.sent_args
        }

    @property
    def printed_path(self) -> str:
        """As graphql-core names it in "Variable '$input' has invalid value at .name"."""
        if not self.path:
            return ""
        return " at " + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)


def _positions(
    type_: GraphQLInputType, path: tuple[str | int, ...], seen: frozenset[str]
) -> list[tuple[str | int, ...]]:
    """Every path to a String/ID/JSON leaf inside a value of `type_`."""
    if isinstance(type_, GraphQLNonNull):
        return _positions(type_.of_type, path, seen)
    if isinstance(type_, GraphQLList):
        return _positions(type_.of_type, (*path, 0), seen)
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return []
        found: list[tuple[str | int, ...]] = []
        for name, field in type_.fields.items():
            found += _positions(field.type, (*path, name), seen | {type_.name})
        return found
    if isinstance(type_, GraphQLScalarType) and type_.name in TEXT_SCALARS:
        return [path]
    return []


def _minimal(type_: GraphQLInputType) -> Any:
    """A valid value for a required position (nullable ones stay out)."""
    if isinstance(type_, GraphQLNonNull):
        return _minimal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_minimal(type_.of_type)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _minimal(field.type)
            for name, field in type_.fields.items()
            if is_non_null_type(field.type) and field.default_value is Undefined
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    return DUMMY[type_.name]


def _with_bad_text(type_: GraphQLInputType, path: tuple[str | int, ...]) -> Any:
    """The minimal value of `type_` with NUL-carrying text at `path`."""
    if isinstance(type_, GraphQLNonNull):
        return _with_bad_text(type_.of_type, path)
    if not path:
        named = get_named_type(type_)
        return {"key": NUL} if named.name == "JSON" else NUL
    if isinstance(type_, GraphQLList):
        return [_with_bad_text(type_.of_type, path[1:])]
    assert isinstance(type_, GraphQLInputObjectType)
    value = _minimal(type_)
    name = path[0]
    assert isinstance(name, str)
    value[name] = _with_bad_text(type_.fields[name].type, path[1:])
    return value


def all_text_positions() -> list[TextPosition]:
    schema = build_schema(Settings(_env_file=None))._schema  # type: ignore[call-arg]
    found: list[TextPosition] = []
    roots: list[tuple[str, GraphQLObjectType | None]] = [
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
    ]
    for operation, root in roots:
        assert root is not None
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                assert isinstance(arg, GraphQLArgument)
                composite = not isinstance(get_named_type(field.type), GraphQLScalarType)
                for path in _positions(arg.type, (), frozenset()):
                    found.append(
                        TextPosition(operation, field_name, field.args, arg_name, path, composite)
                    )
    return found


def test_the_schema_has_text_arguments_to_probe() -> None:
    positions = all_text_positions()

    assert len(positions) > 50
    assert any(p.field == "login" and p.path == ("email",) for p in positions)
    assert any(p.field == "teams" and p.arg == "search" for p in positions)


async def test_control_characters_in_any_text_argument_are_bad_user_input(
    admin: ApiClient, anonymous: ApiClient
) -> None:
    failures: list[str] = []
    for position in all_text_positions():
        variables = position.variables()
        for who, client in (("admin", admin), ("anonymous", anonymous)):
            body = await client.post(position.document, variables)
            errors = body.get("errors") or []
            where = f"{who} {position.field}({position.arg}){position.printed_path}"
            codes = {e.get("extensions", {}).get("code") for e in errors}
            if "INTERNAL_SERVER_ERROR" in codes or codes != {"BAD_USER_INPUT"}:
                failures.append(f"{where}: {errors}")
            elif not any(
                f"'${position.arg}' has invalid value{position.printed_path}:" in e["message"]
                and "U+0000" in e["message"]
                for e in errors
            ):
                failures.append(f"{where}: error does not name the path: {errors}")

    assert failures == []


async def test_control_character_in_a_literal_is_bad_user_input(admin: ApiClient) -> None:
    body = await admin.post(TEAMS_LITERAL)

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "U+0000" in body["errors"][0]["message"]


async def test_other_control_characters_are_refused(admin: ApiClient) -> None:
    for char in ("\x07", "\x1b", "\x7f", "\x85", "\u009b"):
        body = await admin.post(CREATE_CUSTOMER, {"input": {"name": f"Ada{char}"}})

        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", repr(char)
        assert f"U+{ord(char):04X}" in body["errors"][0]["message"]


async def test_lone_surrogate_is_refused(admin: ApiClient) -> None:
    raw = json.dumps({"query": CREATE_CUSTOMER, "variables": {"input": {"name": "Ada\ud800"}}})

    response = await admin.http.post(
        "/graphql",
        content=raw.encode("ascii"),
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "U+D800" in error["message"]


async def test_tabs_and_newlines_are_kept(admin: ApiClient) -> None:
    data = await admin.data(
        CREATE_CUSTOMER, {"input": {"name": "Ada", "customFields": {"note": "a\tb\r\nc"}}}
    )

    assert data["createCustomer"]["errors"] == []
    assert data["createCustomer"]["customer"]["customFields"] == {"note": "a\tb\r\nc"}


async def test_overlong_text_is_refused_before_the_resolver(admin: ApiClient) -> None:
    body = await admin.post(CREATE_CUSTOMER, {"input": {"name": "a" * 200_001}})

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "longer than 200000" in body["errors"][0]["message"]


async def test_decomposed_accents_are_stored_composed(admin: ApiClient) -> None:
    data = await admin.data(
        CREATE_CUSTOMER,
        {"input": {"name": "Rene\u0301e", "customFields": {"cafe\u0301": "bre\u0301sil"}}},
    )

    customer = data["createCustomer"]["customer"]
    assert customer["name"] == "Ren\u00e9e"
    assert customer["customFields"] == {"caf\u00e9": "br\u00e9sil"}
