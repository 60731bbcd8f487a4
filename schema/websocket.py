"""graphql-transport-ws with a context per operation and shared subscription fan-out.

Strawberry's handler passes the socket's one context to every operation on it, so two
subscriptions (or a subscription and a query) would share and overwrite each other's
loaders, and a query would read through loaders as old as the socket. Here every
`subscribe` message gets its own copy of the connection's context (same principal, same
connection params) with fresh loaders; event-only subscriptions join the process's
`SubscriptionHub` instead of running an execution of their own.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import replace
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import CompleteMessage
from strawberry.types.execution import PreExecutionError
from strawberry.utils.aio import aclosing
from structlog.contextvars import bind_contextvars

from dataloaders import Loaders
from resolvers.context import RequestContext
from schema.fanout import (
    Failed,
    HubMember,
    SharedPlan,
    SubscriptionHub,
    plan_shared,
    rate_limited,
)
from schema.observability import subscription_name
from workers.logs import new_request_id
from workers.metrics import GRAPHQL_REQUESTS, SUBSCRIPTIONS_ACTIVE, operation_label

__all__ = ["OperationContextHandler", "operation_context"]


def operation_context(connection: RequestContext) -> RequestContext:
    """The connection's context for one operation: same principal, its own loaders, and its
    own request id (the connection's stays bound as `connection_id`)."""
    meta = replace(connection.meta, request_id=new_request_id())
    return replace(connection, loaders=Loaders(connection.db), meta=meta)


class OperationContextHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """Shares subscriptions through the view's `subscription_hub` when it has one."""

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        # Each operation runs in its own task: what is bound here stays with its log lines.
        context = operation_context(self.context)
        bind_contextvars(
            request_id=context.meta.request_id,
            connection_id=self.context.meta.request_id,
            operation=operation.operation_name or "-",
        )
        name = subscription_name(operation.query, operation.operation_name)
        if name is None:
            await self._dispatch(operation, context)
            return
        GRAPHQL_REQUESTS.labels(operation_label(name), "subscription").inc()
        SUBSCRIPTIONS_ACTIVE.inc()
        try:
            await self._dispatch(operation, context)
        finally:
            SUBSCRIPTIONS_ACTIVE.dec()

    async def _dispatch(
        self, operation: Operation[RequestContext, None], context: RequestContext
    ) -> None:
        hub = getattr(self.view, "subscription_hub", None)
        if isinstance(hub, SubscriptionHub):
            plan = plan_shared(
                operation.query, operation.operation_name, operation.variables, context
            )
            if plan is not None:
                await self._run_shared(hub, plan, operation, context)
                return
        await self._run_own(operation, context)

    async def _run_own(
        self, operation: Operation[RequestContext, None], context: RequestContext
    ) -> None:
        """Strawberry's own run_operation, with the operation's context."""
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message(
                CompleteMessage(id=operation.id, type="complete")
            )
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self._fail(operation, error)
            raise

    async def _run_shared(
        self,
        hub: SubscriptionHub,
        plan: SharedPlan,
        operation: Operation[RequestContext, None],
        context: RequestContext,
    ) -> None:
        """Relay the group's results: re-check this member's credentials, then send."""
        try:
            refused = await rate_limited(context)
            if refused is not None:
                await operation.send_initial_errors([refused])
                return
            principal = context.require_principal()
            member = HubMember(principal)
            hub.join(
                plan,
                member,
                schema=self.schema,
                ctx=context,
                query=operation.query,
                variables=operation.variables,
                operation_name=operation.operation_name,
                encode=self.view.encode_json,
            )
            try:
                await self._relay(operation, member)
            finally:
                await hub.leave(plan, member)
        except _OperationStreamClosed:
            return
        except Exception as error:
            await self._fail(operation, error)
            raise

    async def _relay(self, operation: Operation[RequestContext, None], member: HubMember) -> None:
        while True:
            item = await member.inbox.get()
            if item is None:
                break
            if isinstance(item, Failed):
                await self._handle_pre_execution_error(operation, _pre_execution_error(item))
                return
            if operation.completed:
                return
            await self._send_text(item.frame(operation.id))
        await operation.send_operation_message(CompleteMessage(id=operation.id, type="complete"))

    async def _send_text(self, text: str) -> None:
        ws: Any = getattr(self.websocket, "ws", None)
        if ws is None:  # another adapter: let it encode
            await self.websocket.send_json(json.loads(text))
            return
        try:
            await ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def _fail(self, operation: Operation[RequestContext, None], error: Exception) -> None:
        await self.handle_task_exception(error)
        with suppress(Exception):
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        self.operations.pop(operation.id, None)


def _pre_execution_error(failed: Failed) -> PreExecutionError:
    return PreExecutionError(data=None, errors=failed.errors)
