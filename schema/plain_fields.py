"""Hot per-row fields resolved by graphql-core directly, past Strawberry's field wrapper.

Strawberry runs every field that has a resolver through a wrapper (a Strawberry `Info`,
argument conversion, the field-extension chain) that costs about as much again as
graphql-core's own work for the field. On a 50-ticket inbox that is paid 300 times per
page for fields that only read what the page already loaded. For such fields a module
declares a plain `resolve(source, info)` next to its Strawberry field, and
`install_plain_resolvers` puts it on the built schema. The Strawberry field stays the
declaration (type, description, SDL) and its method stays the same logic for every other
caller. A field with arguments or any field extension (a permission class) is refused at
start-up, so a check added later can never be bypassed silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.field import StrawberryField

from resolvers.context import RequestContext

__all__ = ["PlainResolver", "WithContext", "install_plain_resolvers"]

# (source object, graphql-core's info) → value or awaitable, as graphql-core calls it.
PlainResolver = Callable[[Any, "GraphQLResolveInfo[RequestContext]"], Any]
_BACKREF = "strawberry-definition"  # where Strawberry links a GraphQLField to its field


class WithContext(Protocol):
    """What the shared field logic needs of an info: the request context. Strawberry's
    `Info` and graphql-core's `GraphQLResolveInfo` both have it."""

    @property
    def context(self) -> RequestContext: ...


def install_plain_resolvers(
    schema: strawberry.Schema, resolvers: Mapping[tuple[str, str], PlainResolver]
) -> None:
    """Resolve each (type name, field name) with its plain resolver."""
    for (type_name, field_name), resolve in resolvers.items():
        graphql_type = schema._schema.get_type(type_name)
        if not isinstance(graphql_type, GraphQLObjectType):
            raise TypeError(f"{type_name} is not an object type of this schema")
        field = graphql_type.fields[field_name]
        definition = (field.extensions or {}).get(_BACKREF)
        if field.args or not isinstance(definition, StrawberryField) or definition.extensions:
            raise TypeError(
                f"{type_name}.{field_name} takes arguments or has field extensions "
                "(permission classes): it must keep Strawberry's resolver"
            )
        field.resolve = resolve
