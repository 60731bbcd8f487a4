"""Schema-wide extensions: error codes on known exceptions, masking the rest, rate limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError
from limits import parse
from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError

from db.pagination import InvalidPageRequest
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated, ValidationFailed

__all__ = ["ErrorCodes", "RateLimit", "rate_limit_storage"]

_log = logging.getLogger("autocrm.graphql")

_CODES: dict[type[Exception], str] = {
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    InvalidPageRequest: "BAD_USER_INPUT",
    GlobalIDValueError: "BAD_USER_INPUT",
    ValidationFailed: "BAD_USER_INPUT",
}


class ErrorCodes(SchemaExtension):
    """Give every error an `extensions.code`; never show an unexpected exception's text."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        ctx = self.execution_context.context
        request_id = ctx.meta.request_id if isinstance(ctx, RequestContext) else "-"
        result.errors = [self._with_code(error, request_id) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscriptions: every streamed result (and a refused start) gets the same codes
        and masking; results already handled by on_execute pass through unchanged."""
        if getattr(result, "errors", None):
            ctx = self.execution_context.context
            request_id = ctx.meta.request_id if isinstance(ctx, RequestContext) else "-"
            result.errors = [self._with_code(error, request_id) for error in result.errors]
        yield

    @staticmethod
    def _with_code(error: GraphQLError, request_id: str) -> GraphQLError:
        original = error.original_error
        if error.extensions and "code" in error.extensions:
            return error
        if original is None:
            return _copy(error, error.message, "GRAPHQL_VALIDATION_FAILED")
        for kind, code in _CODES.items():
            if isinstance(original, kind):
                return _copy(error, error.message, code)
        if isinstance(original, GraphQLError):
            return _copy(error, error.message, "BAD_USER_INPUT")
        _log.error("unexpected error (request %s)", request_id, exc_info=original)
        return _copy(
            error,
            f"Internal error: quote request id {request_id} when reporting it.",
            "INTERNAL_SERVER_ERROR",
        )


def _copy(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


def rate_limit_storage(redis_url: str | None) -> Storage:
    """Shared across server processes when Redis is configured, per process otherwise."""
    if redis_url:
        # limits defaults to the coredis client, which is not installed; redis-py is.
        storage = storage_from_string("async+" + redis_url, implementation="redispy")
        assert isinstance(storage, Storage)
        return storage
    return MemoryStorage()


class RateLimit(SchemaExtension):
    """A moving-window limit per user, API key or (anonymous) address, per operation."""

    async def on_operation(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        if isinstance(ctx, RequestContext) and ctx.rate_limiter is not None:
            principal = ctx.principal
            who = (
                str(principal.user_id or principal.api_key_id)
                if principal is not None
                else f"ip:{ctx.meta.ip}"
            )
            item = parse(ctx.settings.rate_limit)
            try:
                allowed = await ctx.rate_limiter.hit(item, "graphql", who)
            except (RedisError, OSError) as exc:
                # A shared limiter that is briefly unreachable (Redis restarting) must not
                # take the whole API down with it: let the request through, and say so.
                _log.warning("rate limiter unavailable; request not limited: %s", exc)
                allowed = True
            if not allowed:
                raise GraphQLError(
                    f"Too many requests: the limit is {ctx.settings.rate_limit}. "
                    "Slow down and retry.",
                    extensions={"code": "RATE_LIMITED"},
                )
        yield
