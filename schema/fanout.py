"""Shared subscription fan-out: one GraphQL execution per event and audience, many sockets.

Live subscriptions are grouped by (document, operation name, variables, visibility class).
A visibility class is what decides what a subscriber may see: a staff role, or one customer
user. Each group runs ONE subscription execution with a principal that stands for the class
(no session, no API key), so per event the filters, the loads, the execution and the JSON
serialisation happen once per group; every member then only re-checks that its own
credentials still hold (batched over the members through one set of loaders) and writes
the same bytes to its socket with its own operation id.

Only subscriptions whose events are the whole output are shared (`SHARED_ROOT_FIELDS`):
`dashboardEvents` sends its current numbers on subscribe, which a late joiner of a group
would miss, and it already computes once per process (resolvers/dashboard_feed.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from limits import parse as parse_limit
from redis.exceptions import RedisError
from strawberry.schema import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError

from auth import policy
from auth.principal import Principal
from dataloaders import Loaders
from db.engine import Database
from resolvers.context import RequestContext
from resolvers.subscriptions import still_allowed_many

__all__ = [
    "PER_VIEWER_FIELDS",
    "SHARED_ROOT_FIELDS",
    "Failed",
    "HubMember",
    "HubStats",
    "Push",
    "SharedPlan",
    "SubscriptionHub",
    "next_frame",
    "plan_shared",
    "rate_limited",
]

_log = logging.getLogger("autocrm.realtime")

# Root subscription fields whose every frame is an event (nothing sent on subscribe).
SHARED_ROOT_FIELDS = frozenset({"ticketEvents", "ticketMessages", "changes", "customerEvents"})
# Fields whose value depends on who is asking beyond role and customer (e.g. "only for
# yourself"): a document selecting one is grouped per user, never per role.
PER_VIEWER_FIELDS = frozenset({"notificationPreferences"})


@dataclass(frozen=True, slots=True)
class SharedPlan:
    """How one subscribe message joins the hub: its group key and the class principal."""

    key: tuple[Any, ...]
    principal: Principal


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any], seen: set[str]
) -> Iterable[str]:
    if selection_set is None:
        return
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield node.name.value
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
            seen.add(node.name.value)
            fragment = fragments.get(node.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments, seen)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def plan_shared(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, ctx: RequestContext
) -> SharedPlan | None:
    """The group this subscription joins, or None when it must run on its own.

    Anything unusual (anonymous, a syntax error, several operations, a query or mutation,
    a root field outside SHARED_ROOT_FIELDS) runs the ordinary way, which also reports the
    errors exactly as before.
    """
    principal = ctx.principal
    if principal is None:
        return None
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operation = _operation(document, operation_name)
    if operation is None or operation.operation != OperationType.SUBSCRIPTION:
        return None
    roots = operation.selection_set.selections
    if not roots or not all(
        isinstance(node, FieldNode) and node.name.value in SHARED_ROOT_FIELDS for node in roots
    ):
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    per_viewer = any(
        name in PER_VIEWER_FIELDS for name in _fields(operation.selection_set, fragments, set())
    )
    if policy.is_staff(principal) and not per_viewer:
        audience: tuple[Any, ...] = ("staff", principal.role.value)
        stand_in = Principal(role=principal.role, label=f"{principal.role.value} subscribers")
    else:
        # A customer's view can depend on who they are (their own e-mail, their feedback):
        # the class is the user (or API key) itself.
        audience = (
            "viewer",
            principal.role.value,
            principal.customer_id,
            principal.user_id,
            principal.api_key_id,
        )
        stand_in = Principal(
            role=principal.role,
            label=f"subscribers as {principal.label}",
            user_id=principal.user_id,
            customer_id=principal.customer_id,
        )
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
    return SharedPlan((query, operation_name, canonical, audience), stand_in)


@dataclass(frozen=True, slots=True)
class Push:
    """One result of the group, serialised once for all its members; its `next` frame is
    built once per operation id (clients mostly number their first subscription "1")."""

    payload: str
    frames: dict[str, str] = field(default_factory=dict, compare=False)

    def frame(self, operation_id: str) -> str:
        text = self.frames.get(operation_id)
        if text is None:
            text = self.frames[operation_id] = next_frame(operation_id, self.payload)
        return text


@dataclass(frozen=True, slots=True)
class Failed:
    """The group's execution refused to start (validation, authorisation, bad input)."""

    errors: list[GraphQLError]


_Item = Push | Failed | None


@dataclass(eq=False)
class HubMember:
    """One socket's operation in a group: a bounded inbox read by the operation's own task."""

    principal: Principal
    inbox: asyncio.Queue[_Item] = field(default_factory=lambda: asyncio.Queue(256))

    def offer(self, item: _Item) -> bool:
        try:
            self.inbox.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    def end(self) -> None:
        """Wake the member with end-of-stream, making room for it if needed."""
        while not self.offer(None):
            with contextlib.suppress(asyncio.QueueEmpty):
                self.inbox.get_nowait()


@dataclass(eq=False)
class _Group:
    key: tuple[Any, ...]
    members: set[HubMember] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    results: int = 0


@dataclass(frozen=True, slots=True)
class HubStats:
    groups: int  # shared executions running in this process
    members: int  # subscriptions served by them
    results: int  # results executed and serialised, all groups together


Encode = Callable[[object], str | bytes]


class SubscriptionHub:
    """The per-process registry of shared subscription executions."""

    def __init__(self) -> None:
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._results = 0

    def stats(self) -> HubStats:
        return HubStats(
            groups=len(self._groups),
            members=sum(len(g.members) for g in self._groups.values()),
            results=self._results,
        )

    def join(
        self,
        plan: SharedPlan,
        member: HubMember,
        *,
        schema: BaseSchema,
        ctx: RequestContext,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        encode: Encode,
    ) -> None:
        group = self._groups.get(plan.key)
        if group is None:
            group = _Group(plan.key)
            self._groups[plan.key] = group
            shared_ctx = replace(
                ctx,
                principal=plan.principal,
                loaders=Loaders(ctx.db),
                connection_params=None,
                # Each member was counted against its own limit when it subscribed.
                rate_limiter=None,
            )
            group.task = asyncio.create_task(
                self._run(group, schema, shared_ctx, query, variables, operation_name, encode),
                name="autocrm-realtime:shared-subscription",
            )
        group.members.add(member)

    async def leave(self, plan: SharedPlan, member: HubMember) -> None:
        group = self._groups.get(plan.key)
        if group is None or member not in group.members:
            return
        group.members.discard(member)
        if not group.members:
            del self._groups[plan.key]
            if group.task is not None and not group.task.done():
                group.task.cancel()
                # Wait, so the publisher subscription is released when the last one leaves.
                await asyncio.wait([group.task])

    async def _run(
        self,
        group: _Group,
        schema: BaseSchema,
        ctx: RequestContext,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        encode: Encode,
    ) -> None:
        try:
            source = await schema.stream(
                query, variable_values=variables, context_value=ctx, operation_name=operation_name
            )
            async with contextlib.aclosing(source):
                first = True
                async for result in source:
                    if first and isinstance(result, PreExecutionError):
                        self._broadcast(group, Failed(list(result.errors or [])))
                        return
                    if not isinstance(result, ExecutionResult):
                        error = "Incremental delivery is not supported over graphql-transport-ws"
                        self._broadcast(group, Failed([GraphQLError(error)]))
                        return
                    first = False
                    payload = encode(_payload(result))
                    text = payload.decode() if isinstance(payload, bytes) else payload
                    group.results += 1
                    self._results += 1
                    await self._deliver(group, Push(text), ctx.db)
        except Exception:
            _log.exception("a shared subscription failed")
        finally:
            if self._groups.get(group.key) is group:
                del self._groups[group.key]
            for member in list(group.members):
                member.end()

    async def _deliver(self, group: _Group, push: Push, db: Database) -> None:
        """Every member still allowed gets `push`; the others' streams end (logout, revoked
        key, deactivation or change of role), checked for all members in one go."""
        members = list(group.members)
        verdicts = await still_allowed_many([m.principal for m in members], db)
        for member, allowed in zip(members, verdicts, strict=True):
            if member not in group.members:
                continue
            if allowed:
                self._broadcast_one(group, member, push)
            else:
                _log.info("ending a shared stream: %s may no longer see it", member.principal.label)
                group.members.discard(member)
                member.end()

    @classmethod
    def _broadcast(cls, group: _Group, item: _Item) -> None:
        for member in list(group.members):
            cls._broadcast_one(group, member, item)

    @staticmethod
    def _broadcast_one(group: _Group, member: HubMember, item: _Item) -> None:
        if not member.offer(item):
            # Dropping events silently would show the client a wrong picture; ending
            # the stream tells it to subscribe again and refetch.
            _log.warning("a shared subscriber fell behind; ending its stream")
            group.members.discard(member)
            member.end()


def _payload(result: ExecutionResult) -> dict[str, object]:
    """The `next` payload exactly as Strawberry's graphql-transport-ws handler builds it."""
    payload: dict[str, object] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


def next_frame(operation_id: str, payload: str) -> str:
    """A `next` message around an already serialised payload."""
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":{payload}}}'


async def rate_limited(ctx: RequestContext) -> GraphQLError | None:
    """The RateLimit extension's check for one subscribe message that joins a group (the
    group's own execution is not limited: it runs for many members)."""
    principal = ctx.principal
    if ctx.rate_limiter is None or principal is None:
        return None
    who = str(principal.user_id or principal.api_key_id)
    try:
        allowed = await ctx.rate_limiter.hit(parse_limit(ctx.settings.rate_limit), "graphql", who)
    except (RedisError, OSError) as exc:
        _log.warning("rate limiter unavailable; subscription not limited: %s", exc)
        return None
    if allowed:
        return None
    return GraphQLError(
        f"Too many requests: the limit is {ctx.settings.rate_limit}. Slow down and retry.",
        extensions={"code": "RATE_LIMITED"},
    )
