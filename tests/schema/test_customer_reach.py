"""Generated from the schema: every field a customer can reach from the root fields they
may call, asked as a customer of a fully furnished desk, must keep staff-private fields
null (auth.policy.STAFF_PRIVATE_FIELDS) and never show an internal note or another
organisation's data.

The walk introspects the schema (objects, interfaces, connections), follows object fields
up to MAX_HOPS objects deep, and sends one query per path (selecting every leaf field at
every level), so each query stays within the server's depth and token limits and a
failure names its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Lexer,
    OperationDefinitionNode,
    Source,
    TokenKind,
    get_named_type,
    is_leaf_type,
    is_required_argument,
    parse,
)

from auth import policy
from auth.principal import Principal
from db.engine import Database
from db.models.accounts import Role
from schema import build_schema
from schema.limits import OperationLimits, measure_operation
from schema.permissions import _RoleRequired
from settings import Settings
from tests.auth.policy_world import World, build_world, gid
from tests.conftest import ApiClient, client_for

MAX_HOPS = 4  # objects deep, not counting connection and edge wrappers
MAX_GRAPHQL_DEPTH = 11  # the server refuses deeper than 12
TOKEN_BUDGET = 1800  # the server refuses more than 2000 tokens
WRAPPERS = ("Connection", "Edge")


@dataclass(frozen=True)
class Step:
    field: str
    on_type: str | None = None  # inline fragment on this type (interface or union)


@dataclass(frozen=True)
class Path:
    root: str
    steps: tuple[Step, ...]
    types: tuple[str, ...]  # the object type at each level, root field's first


def _customer() -> Principal:
    return Principal(role=Role.CUSTOMER, label="walk")


def _denied(field: GraphQLField) -> bool:
    """A field whose permission classes refuse every customer (FORBIDDEN)."""
    definition = field.extensions.get("strawberry-definition")
    classes = getattr(definition, "permission_classes", None) or []
    return any(issubclass(cls, _RoleRequired) and not cls.check(_customer()) for cls in classes)


def _askable(field: GraphQLField) -> bool:
    return not any(is_required_argument(arg) for arg in field.args.values())


def _concrete(schema: GraphQLSchema, named: GraphQLNamedType) -> list[GraphQLObjectType]:
    if isinstance(named, GraphQLObjectType):
        return [named]
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        return list(schema.get_possible_types(named))
    return []


def _leaves(obj: GraphQLObjectType) -> list[str]:
    return sorted(
        name
        for name, field in obj.fields.items()
        if is_leaf_type(get_named_type(field.type)) and _askable(field) and not _denied(field)
    )


def _walk(
    schema: GraphQLSchema,
    obj: GraphQLObjectType,
    path: Path,
    hops: int,
    depth: int,
) -> Iterator[Path]:
    yield path
    if depth >= MAX_GRAPHQL_DEPTH:
        return
    for name, field in sorted(obj.fields.items()):
        named = get_named_type(field.type)
        if is_leaf_type(named) or not _askable(field):
            continue
        if _denied(field):
            continue
        targets = _concrete(schema, named)
        polymorphic = not isinstance(named, GraphQLObjectType)
        for target in targets:
            wrapper = target.name.endswith(WRAPPERS) or target.name == "PageInfo"
            next_hops = hops if wrapper else hops + 1
            if next_hops > MAX_HOPS:
                continue
            coordinate = f"{obj.name}.{name}"
            seen = {f"{t}.{s.field}" for t, s in zip(path.types, path.steps[1:], strict=False)}
            if coordinate in seen:
                continue  # one pass through each field per path keeps the walk finite
            step = Step(name, target.name if polymorphic else None)
            yield from _walk(
                schema,
                target,
                Path(path.root, (*path.steps, step), (*path.types, target.name)),
                next_hops,
                depth + 1,
            )


def customer_paths(schema: GraphQLSchema) -> list[Path]:
    """Every path from a root field a customer may call (those without a permission class
    that refuses customers), one hop into each node type for `node`."""
    query = schema.query_type
    assert query is not None
    paths: list[Path] = []
    for name, field in sorted(query.fields.items()):
        if _denied(field):
            continue
        for target in _concrete(schema, get_named_type(field.type)):
            polymorphic = not isinstance(get_named_type(field.type), GraphQLObjectType)
            step = Step(name, target.name if polymorphic else None)
            paths.extend(_walk(schema, target, Path(name, (step,), (target.name,)), 1, 1))
    return paths


# A selection tree: for each (field, inline fragment type) its sub-tree.
Tree = dict[Step, "Tree"]


def _add(tree: Tree, steps: tuple[Step, ...]) -> None:
    for step in steps:
        tree = tree.setdefault(step, {})


def _selection(schema: GraphQLSchema, obj_name: str, tree: Tree) -> str:
    obj = schema.get_type(obj_name)
    assert isinstance(obj, GraphQLObjectType)
    parts = ["__typename", *_leaves(obj)]
    for step, child in tree.items():
        field = obj.fields[step.field]
        target = step.on_type or get_named_type(field.type).name
        inner = _selection(schema, target, child)
        if step.on_type:
            inner = f"__typename ... on {step.on_type} {{ {inner} }}"
        parts.append(f"{step.field} {{ {inner} }}")
    return " ".join(parts)


def _query_text(schema: GraphQLSchema, root: Step, root_type: str, args: str, tree: Tree) -> str:
    inner = _selection(schema, root_type, tree)
    if root.on_type:
        inner = f"__typename ... on {root.on_type} {{ {inner} }}"
    return f"query {{ {root.field}{args} {{ {inner} }} }}"


def _tokens(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def _fits(schema: GraphQLSchema, limits: OperationLimits, text: str) -> bool:
    """Within the server's token and cost limits (with a margin)."""
    if _tokens(text) > TOKEN_BUDGET:
        return False
    (operation,) = parse(text).definitions
    assert isinstance(operation, OperationDefinitionNode)
    return measure_operation(schema, operation, {}, limits).cost <= limits.max_cost * 0.9


def batched_queries(
    schema: GraphQLSchema, limits: OperationLimits, paths: list[Path], args: str
) -> Iterator[str]:
    """The paths (all from one root field and type) merged into as few queries as the
    server's token and cost limits allow; prefixes ride along with the longer paths."""
    if not paths:
        return
    root, root_type = paths[0].steps[0], paths[0].types[0]
    tree: Tree = {}
    for path in paths:
        candidate: Tree = _copy(tree)
        _add(candidate, path.steps[1:])
        if tree and not _fits(
            schema, limits, _query_text(schema, root, root_type, args, candidate)
        ):
            yield _query_text(schema, root, root_type, args, tree)
            candidate = {}
            _add(candidate, path.steps[1:])
        tree = candidate
    yield _query_text(schema, root, root_type, args, tree)


def _copy(tree: Tree) -> Tree:
    return {step: _copy(child) for step, child in tree.items()}


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "__typename" in value:
            yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def leaks(world: World, data: dict[str, Any]) -> list[str]:
    """What in one answer a customer must not see."""
    own = gid("User", world.customer_user.id)
    found: list[str] = []
    for obj in _objects(data):
        kind = obj["__typename"]
        for key, value in obj.items():
            if f"{kind}.{key}" not in policy.STAFF_PRIVATE_FIELDS or value in (None, []):
                continue
            if kind == "User" and obj.get("id") == own:
                continue  # the caller reads their own account in full
            found.append(f"{kind}.{key} = {value!r}")
        if kind == "Message" and obj.get("visibility") == "INTERNAL":
            found.append(f"internal note {obj.get('id')}")
    private = world.private_ids()
    found.extend(f"private id {s}" for s in _strings(data) if s in private)
    return found


ROOT_IDS = {"ticket": "ticket", "customer": "customer"}


def _node_ids(world: World) -> dict[str, list[str]]:
    """Global IDs to ask `node` for, by type: the customer's own things and others'."""
    assert world.customer_user.customer_id is not None
    return {
        "Ticket": [gid("Ticket", world.ticket.id), gid("Ticket", world.other_ticket.id)],
        "Message": [
            gid("Message", world.public_reply.id),
            gid("Message", world.customer_message.id),
            gid("Message", world.internal_note.id),
        ],
        "Attachment": [
            gid("Attachment", world.public_file.id),
            gid("Attachment", world.internal_file.id),
            gid("Attachment", world.staff_pending_file.id),
            gid("Attachment", world.other_file.id),
        ],
        "User": [
            gid("User", world.agent.id),
            gid("User", world.colleague.id),
            gid("User", world.customer_user.id),
        ],
        "Team": [gid("Team", world.team.id)],
        "TicketFeedback": [gid("TicketFeedback", world.feedback.id)],
        "Customer": [
            gid("Customer", world.customer_user.customer_id),
            gid("Customer", world.other_customer.id),
        ],
    }


def _root_args(world: World, path: Path) -> list[str]:
    """The argument lists to send the path's root field with (one request each)."""
    assert world.customer_user.customer_id is not None
    if path.root == "ticket":
        return [f'(id: "{gid("Ticket", world.ticket.id)}")']
    if path.root == "customer":
        return [f'(id: "{gid("Customer", world.customer_user.customer_id)}")']
    if path.root == "kbSearch":
        return ['(query: "how do I reset my password")']
    if path.root == "node":
        return [f'(id: "{i}")' for i in _node_ids(world).get(path.types[0], [])]
    return [""]


@pytest.fixture
async def world(db: Database, customer: ApiClient, agent: ApiClient) -> World:
    assert customer.user is not None
    assert agent.user is not None
    return await build_world(db, customer.user, agent.user)


def test_every_customer_field_path_is_walked(settings: Settings) -> None:
    """The walk reaches the related users, the team and the nested conversation."""
    schema = build_schema(settings)._schema
    reached = {
        f"{p.types[-2]}.{p.steps[-1].field}" for p in customer_paths(schema) if len(p.steps) > 1
    }

    assert {"Ticket.assignee", "Ticket.requester", "Ticket.team", "Message.author"} <= reached
    assert {"Attachment.uploadedBy", "TicketFeedback.customerUser", "Message.ticket"} <= reached


async def test_customer_never_reads_a_staff_private_field_anywhere(
    settings: Settings, world: World, customer: ApiClient
) -> None:
    schema = build_schema(settings)._schema
    limits = OperationLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_cost=settings.max_query_cost,
        max_page_size=settings.max_page_size,
    )
    groups: dict[tuple[str, str], list[Path]] = {}
    for path in customer_paths(schema):
        groups.setdefault((path.root, path.types[0]), []).append(path)
    problems: list[str] = []
    asked = 0
    for paths in groups.values():
        for args in _root_args(world, paths[0]):
            for query in batched_queries(schema, limits, paths, args):
                body = await customer.post(query)
                asked += 1
                where = f"{paths[0].root}{args} on {paths[0].types[0]}"
                if body.get("errors"):
                    problems.append(f"{where}: {body['errors'][0].get('message')}")
                    continue
                problems.extend(f"{where}: {leak}" for leak in leaks(world, body["data"]))

    assert asked > 20  # the walk really ran
    assert problems == []


async def test_customer_sees_the_assignee_as_a_name_only(world: World, customer: ApiClient) -> None:
    data = await customer.data(ASSIGNEE, {"id": gid("Ticket", world.ticket.id)})

    assert data["ticket"]["assignee"] == {
        "name": world.agent.name,
        "email": None,
        "role": None,
        "lastLoginAt": None,
        "isActive": None,
        "createdAt": None,
    }
    assert data["ticket"]["team"] is None


async def test_staff_still_read_the_assignee_in_full(
    http: httpx.AsyncClient, db: Database, world: World
) -> None:
    reviewer = await client_for(http, db, "reviewer")

    data = await reviewer.data(ASSIGNEE, {"id": gid("Ticket", world.ticket.id)})

    assert data["ticket"]["assignee"]["email"] == world.agent.email
    assert data["ticket"]["assignee"]["role"] == "AGENT"
    assert data["ticket"]["team"] == {"name": "Billing escalations"}


ASSIGNEE = """
query($id: ID!) {
  ticket(id: $id) {
    assignee { name email role lastLoginAt isActive createdAt }
    team { name }
  }
}
"""
