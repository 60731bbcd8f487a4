"""The checked-in schema.graphql is what integrators read: it must match the code."""

from __future__ import annotations

from pathlib import Path

from schema import build_schema
from settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_schema_matches_the_code() -> None:
    current = str(build_schema(Settings(_env_file=None))) + "\n"  # type: ignore[call-arg]

    assert SCHEMA_FILE.read_text() == current, (
        "schema.graphql is stale: run `autocrm export-schema` and commit the result."
    )


def test_every_mutation_and_root_field_has_a_description() -> None:
    schema = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    graphql_schema = schema._schema
    missing = []
    for root in (
        graphql_schema.query_type,
        graphql_schema.mutation_type,
        graphql_schema.subscription_type,
    ):
        if root is None:
            continue
        missing += [f"{root.name}.{name}" for name, f in root.fields.items() if not f.description]

    assert missing == []
