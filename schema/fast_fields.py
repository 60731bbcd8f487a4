"""Hot fields executed past graphql-core's per-field machinery, with the same results and
the same errors.

graphql-core executes every field alike: it builds a 16-part `info`, asks the middleware
manager for the resolver, calls it (for a field without a resolver, Strawberry's wrapper:
three calls to reach a `getattr`), then dispatches the value through `complete_value`. A
50-ticket inbox runs that 900 times, and it was the larger part of the page's CPU. Two
kinds of field take a shorter path here:

- plain attributes (Strawberry's basic resolver: no resolver, no argument, no permission
  class) of a scalar, enum or object type, or a list of those: read with a getter;
- plain resolvers (schema/plain_fields.py) of such a type: called with a small info that
  has what their contract allows (`context`, `parent_type`).

Each selection set is looked up once per operation (a plan: which fields are short), and
the short fields run inline in the loop over the set: a leaf is coerced by its type (the
common values by a type check or a dict), an object's sub-fields and a list's items are
executed directly. Any value the general path would turn into an error (null in a non-null
field or item, a value the type refuses, an object of the wrong type) and any awaitable is
completed by graphql-core's own code with a real info, so errors read exactly as before;
every field takes the general path when an extension resolves fields itself (middleware).
"""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, gather_with_cancel
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
    __slots__ = (
        "coerce",
        "field",
        "get",
        "is_type_of",
        "item_coerce",
        "item_nullable",
        "item_object",
        "item_type",
        "item_type_of",
        "leaf",
        "nullable",
        "object_type",
        "plain",
    )

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
        self.coerce = (
            _coercer(named) if isinstance(named, (GraphQLScalarType, GraphQLEnumType)) else None
        )
        # A leaf read by a getter (not a plain resolver): executed inline by execute_fields.
        self.leaf = (get, self.coerce) if get is not None and self.coerce is not None else None
        self.object_type = named if isinstance(named, GraphQLObjectType) else None
        self.is_type_of = self.object_type.is_type_of if self.object_type else None
        # A list of leaves or of objects: [T], [T!], [T]!, [T!]!.
        self.item_type: GraphQLOutputType | None = None
        self.item_coerce: Callable[[Any], Any] | None = None
        self.item_object: GraphQLObjectType | None = None
        self.item_type_of: Callable[[Any, Any], Any] | None = None
        self.item_nullable = True
        if isinstance(named, GraphQLList):
            item_type = named.of_type
            item = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
            self.item_type = item_type
            self.item_nullable = not isinstance(item_type, GraphQLNonNull)
            if isinstance(item, (GraphQLScalarType, GraphQLEnumType)):
                self.item_coerce = _coercer(item)
            elif isinstance(item, GraphQLObjectType):
                self.item_object = item
                self.item_type_of = item.is_type_of


def _coercer(leaf: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    """`leaf.coerce_output_value`, shortened for the values the hot fields carry: a `str`
    for String, a `bool` for Boolean, a member of a Strawberry enum (by a dict, where
    Strawberry scans the enum's values). Anything else takes the type's own coercion."""
    general = leaf.coerce_output_value
    if leaf is GraphQLString:
        return lambda value: value if type(value) is str else general(value)
    if leaf is GraphQLBoolean:
        return lambda value: value if type(value) is bool else general(value)
    wrapped = getattr(leaf, "wrapped_cls", None)
    if isinstance(leaf, GraphQLEnumType) and isinstance(wrapped, type):
        names = {value.value: name for name, value in leaf.values.items()}

        def enum_name(value: Any) -> Any:
            if type(value) is wrapped:
                return names[cast("Any", value).value]
            return general(value)

        return enum_name
    return general


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
    if isinstance(named, GraphQLList):
        item = named.of_type
        named = item.of_type if isinstance(item, GraphQLNonNull) else item
    if not isinstance(named, (GraphQLScalarType, GraphQLEnumType, GraphQLObjectType)):
        return None  # interfaces, unions, lists of lists
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


_FALLBACK: Any = object()  # "complete this value by graphql-core's general path"


def fast_field_context(
    fields: dict[GraphQLObjectType, dict[str, FastField]],
) -> type[StrawberryGraphQLCoreExecutionContext]:
    """Strawberry's execution context with the short path for `fields`."""

    class FastFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._plans: dict[tuple[GraphQLObjectType, int], Any] = {}
            self._plain_infos: dict[GraphQLObjectType, PlainInfo] = {}

        def execute_fields(
            self,
            parent_type: GraphQLObjectType,
            source_value: Any,
            path: Path | None,
            grouped_field_set: GroupedFieldSet,
            position_context: Any,
        ) -> Any:
            """graphql-core's execute_fields, with each field of the set looked up once
            per operation (a plan) and the short fields executed inline."""
            if (self.middleware_manager or _NO_MIDDLEWARE).middlewares:
                return super().execute_fields(
                    parent_type, source_value, path, grouped_field_set, position_context
                )
            plan = self._plan(parent_type, grouped_field_set)
            results: dict[str, Any] = {}
            is_awaitable = self.is_awaitable
            awaitable_fields: list[str] = []
            try:
                for response_name, field_details_list, fast in plan:
                    leaf = fast.leaf if fast is not None else None
                    if leaf is not None:
                        # The commonest field: an attribute read and coerced. A getter is
                        # a plain attribute read, so anything odd (an error, null, a value
                        # refused) is simply redone by _execute_fast below.
                        try:
                            value = leaf[0](source_value)
                            coerced = leaf[1](value) if value is not None else None
                        except Exception:
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[response_name] = coerced
                            continue
                    if fast is None:
                        result = self.execute_field(
                            parent_type,
                            source_value,
                            field_details_list,
                            Path(path, response_name, parent_type.name),
                            position_context,
                        )
                    else:
                        result = self._execute_fast(
                            fast,
                            parent_type,
                            source_value,
                            field_details_list,
                            path,
                            response_name,
                            position_context,
                        )
                    if result is not Undefined:
                        results[response_name] = result
                        if is_awaitable(result):
                            awaitable_fields.append(response_name)
            except Exception:
                if awaitable_fields:
                    self.settle_in_background([results[name] for name in awaitable_fields])
                raise
            if not awaitable_fields:
                return results

            async def get_results() -> dict[str, Any]:
                if len(awaitable_fields) == 1:
                    name = awaitable_fields[0]
                    results[name] = await results[name]
                else:
                    awaited = await gather_with_cancel(
                        *(results[name] for name in awaitable_fields)
                    )
                    results.update(zip(awaitable_fields, awaited, strict=True))
                return results

            return get_results()

        def _plan(
            self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
        ) -> list[tuple[str, FieldDetailsList, FastField | None]]:
            """(response name, field details, short field or None) per field of a set;
            the sets of list items are collected once (graphql-core memoises them), so
            the plan is made once per set and operation."""
            plans = self._plans
            key = (parent_type, id(grouped_field_set))
            found = plans.get(key)
            if found is not None and found[0] is grouped_field_set:
                return found[1]  # type: ignore[no-any-return]
            by_name = fields.get(parent_type) or {}
            plan = [
                (name, details, by_name.get(details[0].node.name.value))
                for name, details in grouped_field_set.items()
            ]
            plans[key] = (grouped_field_set, plan)  # keeps the set alive: its id stays its own
            return plan

        def _plain_info(self, parent_type: GraphQLObjectType) -> PlainInfo:
            infos = self._plain_infos
            info = infos.get(parent_type)
            if info is None:
                info = infos[parent_type] = PlainInfo(self.context_value, parent_type)
            return info

        def _execute_fast(
            self,
            fast: FastField,
            parent_type: GraphQLObjectType,
            source: Any,
            field_details_list: FieldDetailsList,
            parent_path: Path | None,
            response_name: str,
            position_context: Any,
        ) -> Any:
            try:
                if fast.plain is not None:
                    value = fast.plain(source, self._plain_info(parent_type))
                else:
                    value = fast.get(source)  # type: ignore[misc]
            except Exception as raw_error:
                path = Path(parent_path, response_name, parent_type.name)
                self.handle_field_error(raw_error, fast.field.type, field_details_list, path)
                return None
            if value is None:
                if fast.nullable:
                    return None
            elif fast.coerce is not None:
                try:
                    coerced = fast.coerce(value)
                except Exception:  # completed below, by the general path, which reports it
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
            elif fast.object_type is not None:
                if not self.is_awaitable(value) and (
                    fast.is_type_of is None or fast.is_type_of(value, _NO_INFO)
                ):
                    path = Path(parent_path, response_name, parent_type.name)
                    return self._completed(
                        fast.field.type,
                        field_details_list,
                        path,
                        fast.object_type,
                        value,
                        position_context,
                    )
            elif type(value) is list or type(value) is tuple:
                path = Path(parent_path, response_name, parent_type.name)
                try:
                    completed = self._complete_list(
                        fast, field_details_list, path, value, position_context
                    )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, fast.field.type, field_details_list, path)
                    return None
                if completed is not _FALLBACK:
                    if self.is_awaitable(completed):
                        return self._await_completed(
                            completed, fast.field.type, field_details_list, path
                        )
                    return completed
            path = Path(parent_path, response_name, parent_type.name)
            return self._complete_resolved(
                fast.field, parent_type, field_details_list, path, position_context, value
            )

        def _completed(
            self,
            return_type: GraphQLOutputType,
            field_details_list: FieldDetailsList,
            path: Path,
            object_type: GraphQLObjectType,
            value: Any,
            position_context: Any,
        ) -> Any:
            """An object's sub-fields, with a field error handled as graphql-core does
            for a value of `return_type` at `path`."""
            try:
                grouped, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
                if defer_usages:  # @defer: graphql-core's incremental path
                    completed = self.execute_collected_subfields(
                        object_type, value, path, grouped, defer_usages, position_context
                    )
                else:
                    completed = self.execute_fields(
                        object_type, value, path, grouped, position_context
                    )
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)
            return completed

        def _complete_list(
            self,
            fast: FastField,
            field_details_list: FieldDetailsList,
            path: Path,
            items: list[Any] | tuple[Any, ...],
            position_context: Any,
        ) -> Any:
            """A list of leaves or objects, or _FALLBACK (before anything ran) when an
            item is one the general path must complete: null in a non-null item, a value
            the leaf type refuses, an awaitable, an object of another type."""
            coerce = fast.item_coerce
            if coerce is not None:
                out: list[Any] = []
                for item in items:
                    if item is None:
                        if not fast.item_nullable:
                            return _FALLBACK
                        out.append(None)
                        continue
                    try:
                        coerced = coerce(item)
                    except Exception:
                        return _FALLBACK
                    if coerced is None or coerced is Undefined:
                        return _FALLBACK
                    out.append(coerced)
                return out
            object_type = fast.item_object
            if object_type is None:
                return _FALLBACK
            is_awaitable = self.is_awaitable
            type_of = fast.item_type_of
            for item in items:
                if item is None:
                    if not fast.item_nullable:
                        return _FALLBACK
                elif is_awaitable(item) or (type_of is not None and not type_of(item, _NO_INFO)):
                    return _FALLBACK
            item_type = cast("GraphQLOutputType", fast.item_type)
            completed: list[Any] = []
            awaitable_indices: list[int] = []
            try:
                for index, item in enumerate(items):
                    if item is None:
                        completed.append(None)
                        continue
                    item_path = path.add_key(index, None)
                    value = self._completed(
                        item_type,
                        field_details_list,
                        item_path,
                        object_type,
                        item,
                        position_context,
                    )
                    if is_awaitable(value):
                        awaitable_indices.append(index)
                    completed.append(value)
            except Exception:
                if awaitable_indices:
                    self.settle_in_background([completed[i] for i in awaitable_indices])
                raise
            if not awaitable_indices:
                return completed

            async def get_completed() -> list[Any]:
                awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
                for index, value in zip(awaitable_indices, awaited, strict=True):
                    completed[index] = value
                return completed

            return get_completed()

        def _await_completed(
            self,
            completed: Awaitable[Any],
            return_type: GraphQLOutputType,
            field_details_list: FieldDetailsList,
            path: Path,
        ) -> Awaitable[Any]:
            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    self.handle_field_error(raw_error, return_type, field_details_list, path)
                    return None

            return await_completed()

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
            try:
                completed = self.complete_value(
                    field.type, field_details_list, info, path, result, position_context
                )
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field_details_list, path)
                return None
            if self.is_awaitable(completed):
                return self._await_completed(completed, field.type, field_details_list, path)
            return completed

    return FastFieldExecutionContext
