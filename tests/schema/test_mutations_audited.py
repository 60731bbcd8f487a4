"""Every root mutation is built by the one pipeline (`schema.mutations.mutation`), which runs
it in the audited transaction named after the field.

Behaviour is tested per domain (the audit rows each mutation writes); this guard makes a new
mutation that bypasses the pipeline, and so the audited transaction, fail CI.
"""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type

from schema import build_schema
from schema.mutations import MUTATION_ACTION
from settings import Settings

# Mutations allowed to bypass the pipeline, by field name. Keep it empty.
EXCEPTIONS: frozenset[str] = frozenset()


def _audited_actions() -> dict[str, str | None]:
    schema = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    actions: dict[str, str | None] = {}
    for name, field in mutation_type.fields.items():
        definition = field.extensions["strawberry-definition"]
        resolver = definition.base_resolver
        wrapped = resolver.wrapped_func if resolver is not None else None
        actions[name] = getattr(wrapped, MUTATION_ACTION, None)
    return actions


def test_every_mutation_is_built_by_the_mutation_pipeline() -> None:
    bypassing = sorted(name for name, action in _audited_actions().items() if action is None)

    assert bypassing == sorted(EXCEPTIONS)


def test_every_mutation_runs_in_an_audited_transaction_named_after_it() -> None:
    misnamed = {
        name: action
        for name, action in _audited_actions().items()
        if action is not None and action != name
    }

    assert misnamed == {}


def test_every_mutation_reports_errors_of_its_domains_error_type() -> None:
    schema = build_schema(Settings(_env_file=None))  # type: ignore[call-arg]
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    untyped = {}
    for name, field in mutation_type.fields.items():
        payload = get_named_type(field.type)
        assert isinstance(payload, GraphQLObjectType)
        error = get_named_type(payload.fields["errors"].type)
        code = error.fields["code"].type if isinstance(error, GraphQLObjectType) else None
        interfaces = [i.name for i in getattr(error, "interfaces", [])]
        code_name = get_named_type(code).name if code is not None else None
        if interfaces != ["UserError"] or code_name != f"{error.name}Code":
            untyped[name] = error.name

    assert untyped == {}
