"""Plain attribute leaves (a scalar or enum field with no resolver, no argument and no
permission class) read straight off their object, past graphql-core's per-field machinery.

graphql-core executes every field alike: it builds a 16-part `info`, asks the middleware
manager for the resolver, calls Strawberry's default-resolver wrapper (three calls to reach
a `getattr`), then dispatches the value through `complete_value`. A 50-ticket inbox has 500
such leaves (number, subject, status, names, message bodies, cursors), and that machinery
was about a fifth of the page's CPU. This execution context answers them with the getter
and the leaf type's own output coercion, which is all the general path does for them. Any
value the general path would turn into an error (null in a non-null field, a value the
type refuses) goes through the general path, so errors read exactly as before; so does
every field when an extension resolves fields itself (middleware).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

__all__ = ["FastLeaf", "fast_leaf_context", "fast_leaves"]

_BACKREF = "strawberry-definition"  # where Strawberry links a GraphQLField to its field


class FastLeaf:
    __slots__ = ("get", "nullable", "type")

    def __init__(self, get: Callable[[Any], Any], leaf: GraphQLLeafType, nullable: bool):
        self.get = get
        self.type = leaf
        self.nullable = nullable


def _getter(field: StrawberryField) -> Callable[[Any], Any]:
    resolve = field.default_resolver
    if resolve is getattr:
        return operator.attrgetter(field.python_name)
    name = field.python_name
    return lambda source: resolve(source, name)


def fast_leaves(schema: GraphQLSchema) -> dict[GraphQLObjectType, dict[str, FastLeaf]]:
    """Per object type, its fields that are plain attribute leaves: still resolved by
    Strawberry's basic resolver (not replaced, e.g. by schema/plain_fields.py), with no
    arguments, no field extensions (permission classes) and a scalar or enum type."""
    found: dict[GraphQLObjectType, dict[str, FastLeaf]] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        leaves: dict[str, FastLeaf] = {}
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(_BACKREF)
            if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
                continue
            if field.args or not getattr(field.resolve, "_is_default", False):
                continue
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type if nullable else field.type.of_type
            if isinstance(leaf, (GraphQLScalarType, GraphQLEnumType)):
                leaves[name] = FastLeaf(_getter(definition), leaf, nullable)
        if leaves:
            found[graphql_type] = leaves
    return found


def fast_leaf_context(
    leaves: dict[GraphQLObjectType, dict[str, FastLeaf]],
) -> type[StrawberryGraphQLCoreExecutionContext]:
    """Strawberry's execution context with the fast path for `leaves`."""

    class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
        ) -> Any:
            by_name = leaves.get(parent_type)
            if by_name is not None:
                leaf = by_name.get(field_details_list[0].node.name.value)
                if leaf is not None and not (self.middleware_manager or _NO_MIDDLEWARE).middlewares:
                    try:
                        value = leaf.get(source)
                        if value is None:
                            if leaf.nullable:
                                return None
                        else:
                            coerced = leaf.type.coerce_output_value(value)
                            if coerced is not None and coerced is not Undefined:
                                return coerced
                    except Exception:  # noqa: BLE001, S110 - the general path reports it
                        pass
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )

    return FastLeafExecutionContext


class _NoMiddleware:
    middlewares: tuple[Any, ...] = ()


_NO_MIDDLEWARE = _NoMiddleware()
