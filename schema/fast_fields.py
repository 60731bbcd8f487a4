"""Hot fields executed past graphql-core's per-field machinery, with the same results and
the same errors.

graphql-core executes every field alike: it builds a 16-part `info`, asks the middleware
manager for the resolver, calls it (for a field without a resolver, Strawberry's wrapper:
three calls to reach a `getattr`), then dispatches the value through `complete_value`. A
50-ticket inbox runs that 900 times, and it was the larger part of the page's CPU. Two
kinds of field take a shorter path here:

- plain attributes (Strawberry's basic resolver: no resolver, no argument, no permission
  class) of a scalar, enum or object type: read with a getter;
- plain resolvers (schema/plain_fields.py) of such a type: called with a small info that
  has what their contract allows (`context`, `parent_type`).

A leaf is then coerced by its type, an object's sub-fields are executed directly. Any value
the general path would turn into an error (null in a non-null field, a value the type
refuses, an object of the wrong type) and any awaitable is completed by graphql-core's own
code with a real info, so errors read exactly as before; every field takes the general
path when an extension resolves fields itself (middleware). Lists always do.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, cast

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

__all__ = ["PLAIN_MARK", "FastField", "PlainInfo", "fast_field_context", "fast_fields"]

_BACKREF = "strawberry-definition"  # where Strawberry links a GraphQLField to its field
# Set by schema/plain_fields.py on the fields it gave a plain resolver.
PLAIN_MARK = "autocrm-plain-resolver"


class PlainInfo:
    """What a plain resolver may read of its info on the short path."""

    __slots__ = ("context", "parent_type")

    def __init__(self, context: Any, parent_type: GraphQLObjectType) -> None:
        self.context = context
        self.parent_type = parent_type


class FastField:
    __slots__ = ("field", "get", "is_type_of", "leaf", "nullable", "object_type", "plain")

    def __init__(
        self,
        field: GraphQLField,
        get: Callable[[Any], Any] | None,
        plain: Callable[[Any, PlainInfo], Any] | None,
    ) -> None:
        self.field = field
        self.get = get
        self.plain = plain
        field_type = field.type
        self.nullable = not isinstance(field_type, GraphQLNonNull)
        named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        self.leaf = named if isinstance(named, (GraphQLScalarType, GraphQLEnumType)) else None
        self.object_type = named if isinstance(named, GraphQLObjectType) else None
        self.is_type_of = self.object_type.is_type_of if self.object_type else None


def _getter(field: StrawberryField) -> Callable[[Any], Any]:
    resolve = field.default_resolver
    if resolve is getattr:
        return operator.attrgetter(field.python_name)
    name = field.python_name
    return lambda source: resolve(source, name)


def _fast_field(field: GraphQLField) -> FastField | None:
    if field.args:
        return None
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(named, (GraphQLScalarType, GraphQLEnumType, GraphQLObjectType)):
        return None  # lists, interfaces, unions
    extensions = field.extensions or {}
    if extensions.get(PLAIN_MARK):
        return FastField(field, None, field.resolve)
    definition = extensions.get(_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    if not getattr(field.resolve, "_is_default", False):
        return None
    return FastField(field, _getter(definition), None)


def fast_fields(schema: GraphQLSchema) -> dict[GraphQLObjectType, dict[str, FastField]]:
    """Per object type, its fields that may take the short path."""
    found: dict[GraphQLObjectType, dict[str, FastField]] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        fields = {name: _fast_field(field) for name, field in graphql_type.fields.items()}
        short = {name: fast for name, fast in fields.items() if fast is not None}
        if short:
            found[graphql_type] = short
    return found


# Strawberry's generated is_type_of is an isinstance check that ignores its info (none of
# our types defines its own).
_NO_INFO = cast("GraphQLResolveInfo[Any]", None)


class _NoMiddleware:
    middlewares: tuple[Any, ...] = ()


_NO_MIDDLEWARE = _NoMiddleware()


def fast_field_context(
    fields: dict[GraphQLObjectType, dict[str, FastField]],
) -> type[StrawberryGraphQLCoreExecutionContext]:
    """Strawberry's execution context with the short path for `fields`."""

    class FastFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def execute_field(
            self,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
        ) -> Any:
            by_name = fields.get(parent_type)
            fast = by_name.get(field_details_list[0].node.name.value) if by_name else None
            if fast is None or (self.middleware_manager or _NO_MIDDLEWARE).middlewares:
                return super().execute_field(
                    parent_type, source, field_details_list, path, position_context
                )
            try:
                if fast.plain is not None:
                    value = fast.plain(source, PlainInfo(self.context_value, parent_type))
                else:
                    value = fast.get(source)  # type: ignore[misc]
            except Exception as raw_error:
                self.handle_field_error(raw_error, fast.field.type, field_details_list, path)
                return None
            if value is None:
                if fast.nullable:
                    return None
            elif fast.leaf is not None:
                try:
                    coerced = fast.leaf.coerce_output_value(value)
                except Exception:  # completed below, by the general path, which reports it
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
            elif (
                fast.object_type is not None
                and not self.is_awaitable(value)
                and (fast.is_type_of is None or fast.is_type_of(value, _NO_INFO))
            ):
                return self._settled(
                    fast.field,
                    field_details_list,
                    path,
                    lambda: self.collect_and_execute_subfields(
                        fast.object_type,  # type: ignore[arg-type]
                        field_details_list,
                        path,
                        value,
                        position_context,
                    ),
                )
            return self._complete_resolved(
                fast.field, parent_type, field_details_list, path, position_context, value
            )

        def _complete_resolved(
            self,
            field: GraphQLField,
            parent_type: GraphQLObjectType,
            field_details_list: FieldDetailsList,
            path: Path,
            position_context: Any,
            result: Any,
        ) -> Any:
            """What graphql-core's execute_field does once the resolver has answered."""
            info = self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    field.type, field_details_list, info, path, result, position_context
                )
            return self._settled(
                field,
                field_details_list,
                path,
                lambda: self.complete_value(
                    field.type, field_details_list, info, path, result, position_context
                ),
            )

        def _settled(
            self,
            field: GraphQLField,
            field_details_list: FieldDetailsList,
            path: Path,
            complete: Callable[[], Any],
        ) -> Any:
            """`complete()`, with a field error handled as graphql-core handles it."""
            try:
                completed = complete()
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field_details_list, path)
                return None
            if not self.is_awaitable(completed):
                return completed

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, field.type, field_details_list, path)
                    return None

            return await_completed()

    return FastFieldExecutionContext
