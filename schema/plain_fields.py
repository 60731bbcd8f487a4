"""Hot per-row fields resolved by graphql-core directly, past Strawberry's field wrapper.

Strawberry runs every field that has a resolver through a wrapper (a Strawberry `Info`,
argument conversion, the field-extension chain) that costs about as much again as
graphql-core's own work for the field. On a 50-ticket inbox that is paid 300 times per
page for fields that only read what the page already loaded. For such fields a module
declares a plain `resolve(source, info)` next to its Strawberry field, and
`install_plain_resolvers` puts it on the built schema; it reads only `info.context` and
`info.parent_type` (schema/fast_fields.py calls it with just those). The Strawberry field
stays the declaration (type, description, permission classes, SDL). A field with arguments is
refused, and so is one whose permission classes the plain resolver does not run itself
(`guarded`), so a check can never be bypassed silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry import relay
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from schema.fast_fields import PLAIN_MARK

if TYPE_CHECKING:
    from resolvers.context import RequestContext

__all__ = [
    "PlainResolver",
    "WithContext",
    "guarded",
    "install_plain_resolvers",
    "node_global_id",
    "require",
]

# (source object, graphql-core's info) → value or awaitable, as graphql-core calls it.
PlainResolver = Callable[[Any, "GraphQLResolveInfo[RequestContext]"], Any]
_BACKREF = "strawberry-definition"  # where Strawberry links a GraphQLField to its field


class WithContext(Protocol):
    """What the shared field logic needs of an info: the request context. Strawberry's
    `Info` and graphql-core's `GraphQLResolveInfo` both have it."""

    @property
    def context(self) -> RequestContext: ...


def require(info: WithContext, permission: type[BasePermission]) -> None:
    """`permission`'s check with its own error (our classes read only `info.context`; the
    role decision is made once per operation)."""
    check = permission()
    if not check.has_permission(None, cast("strawberry.Info[RequestContext]", info)):
        check.on_unauthorized()


class _Guarded:
    """A plain resolver that first runs the field's permission classes."""

    def __init__(self, permissions: tuple[type[BasePermission], ...], resolve: PlainResolver):
        self.permissions = permissions
        self.resolve = resolve

    def __call__(self, source: Any, info: GraphQLResolveInfo[RequestContext]) -> Any:
        for permission in self.permissions:
            require(info, permission)
        return self.resolve(source, info)


def guarded(*permissions: type[BasePermission]) -> Callable[[PlainResolver], PlainResolver]:
    """`guarded(IsStaff)(resolve)`: for a field declared with those permission classes."""
    return lambda resolve: _Guarded(permissions, resolve)


def node_global_id(source: relay.Node, info: GraphQLResolveInfo[RequestContext]) -> relay.GlobalID:
    """`id` of a Node type that keeps Strawberry's resolve_id and resolve_typename: what
    relay.Node's own `id` resolver answers (the type name is the field's parent type)."""
    node_id = type(source).resolve_id(source, info=cast("strawberry.Info[Any]", info))
    return relay.GlobalID(type_name=info.parent_type.name, node_id=str(node_id))


def _declared_permissions(field: StrawberryField) -> set[type[BasePermission]] | None:
    """The field's permission classes, or None when it has any other field extension."""
    found: set[type[BasePermission]] = set()
    for extension in field.extensions:
        if not isinstance(extension, PermissionExtension):
            return None
        found.update(type(permission) for permission in extension.permissions)
    return found


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
        declared = (
            _declared_permissions(definition) if isinstance(definition, StrawberryField) else None
        )
        runs = set(resolve.permissions) if isinstance(resolve, _Guarded) else set()
        if field.args or declared is None or declared != runs:
            raise TypeError(
                f"{type_name}.{field_name} takes arguments or has checks its plain resolver "
                "does not run: it must keep Strawberry's resolver"
            )
        field.resolve = resolve
        # schema/fast_fields.py may call it with a small info (context, parent_type).
        field.extensions = {**(field.extensions or {}), PLAIN_MARK: True}
