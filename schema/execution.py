"""Our Strawberry schema class: a wall-clock budget per operation, a clear answer to a
subscription sent over HTTP, and queries over the legacy `graphql-ws` WebSocket protocol.

- Budget: an operation still executing after settings.max_execution_seconds is
  cancelled (an open transaction rolls back) and answered with a `TIMEOUT` error.
  Validation needs no budget: the memoised limit checks bound it, and the cost limit
  bounds the synchronous work between two awaits.
- A subscription over plain HTTP would otherwise reach graphql-core's `execute`, which
  cannot stream, and surface as an internal error.
- Apollo's legacy `graphql-ws` protocol (Python gql's default WebSocket transport) sends
  queries and mutations with the same `start` message as subscriptions; Strawberry's
  handler runs every `start` as a subscription, so ours lets it stream any operation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from graphql import GraphQLError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.context import RequestContext
from schema.extensions import ErrorLoggingSchema
from schema.validation import DocumentChecks

__all__ = ["SUBSCRIPTION_OVER_HTTP", "AutoCRMSchema"]

_log = logging.getLogger("autocrm.graphql")

SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions are served over WebSocket only: connect to /graphql with the "
    "graphql-transport-ws subprotocol and send this operation in a `subscribe` message."
)
# Without our request context (schema used on its own): the settings' default.
DEFAULT_EXECUTION_SECONDS = 5.0
_ANY_OPERATION = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)


class AutoCRMSchema(ErrorLoggingSchema):
    def __init__(self, *args: Any, checks: DocumentChecks, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The parse/validation caches and limits the OperationChecks extension uses.
        self.document_checks = checks

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """One result, never a stream: a subscription gets a clear error instead."""
        allowed = set(allowed_operation_types or _ANY_OPERATION) - {OperationType.SUBSCRIPTION}
        try:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed,
                operation_extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type is not OperationType.SUBSCRIPTION:
                raise
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        SUBSCRIPTION_OVER_HTTP,
                        extensions={"code": "SUBSCRIPTION_NEEDS_WEBSOCKET"},
                    )
                ],
            )

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> Any:
        """Only the legacy graphql-ws handler calls this: any operation may stream."""
        return await self.stream(
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
            allowed_operation_types=_ANY_OPERATION,
        )

    async def _execute_operation(
        self, execution_context: ExecutionContext, *args: Any, **kwargs: Any
    ) -> Any:
        """Every query and mutation, over HTTP or WebSocket, runs through here."""
        context = execution_context.context
        seconds = (
            context.settings.max_execution_seconds
            if isinstance(context, RequestContext)
            else DEFAULT_EXECUTION_SECONDS
        )
        budget = asyncio.timeout(seconds)
        try:
            async with budget:
                return await super()._execute_operation(execution_context, *args, **kwargs)
        except TimeoutError as exc:
            if not budget.expired():
                raise
            _log.warning("operation stopped after %s s", seconds)
            raise GraphQLError(
                f"The operation did not finish within {seconds:g} s and "
                "was stopped. Ask for less at once (smaller pages, fewer fields, a shorter "
                "report range) and retry.",
                extensions={"code": "TIMEOUT"},
            ) from exc
