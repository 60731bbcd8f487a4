"""Schema-wide extensions: error codes on known exceptions, masking the rest, rate limits;
and the schema base class that logs errors (a client's mistake as one line, a fault in full)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from limits import parse
from redis.exceptions import RedisError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionContext

from ai.quotas import QuotaExceeded
from db.pagination import InvalidPageRequest
from resolvers.context import RequestContext
from resolvers.errors import Forbidden, Unauthenticated, ValidationFailed
from schema.text import TextRefused
from workers.log_throttle import LogThrottle
from workers.metrics import GRAPHQL_ERRORS

__all__ = [
    "ErrorCodes",
    "ErrorLoggingSchema",
    "RateLimit",
    "error_code",
]

_log = logging.getLogger("autocrm.graphql")
# One line a minute while a shared rate limiter (Redis) is away, not one per request.
_limiter_warnings = LogThrottle(_log, 60.0)
INTERNAL = "INTERNAL_SERVER_ERROR"

_CODES: dict[type[Exception], str] = {
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    InvalidPageRequest: "BAD_USER_INPUT",
    GlobalIDValueError: "BAD_USER_INPUT",
    ValidationFailed: "BAD_USER_INPUT",
    QuotaExceeded: "RATE_LIMITED",
}


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` an error gets; INTERNAL_SERVER_ERROR marks a fault of ours."""
    if error.extensions and "code" in error.extensions:
        return str(error.extensions["code"])
    original = error.original_error
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    for kind, code in _CODES.items():
        if isinstance(original, kind):
            return code
    if isinstance(original, GraphQLError):
        return "BAD_USER_INPUT"
    return INTERNAL


def _request_id(context: object) -> str:
    return context.meta.request_id if isinstance(context, RequestContext) else "-"


class ErrorLoggingSchema(strawberry.Schema):
    """Strawberry logs every error at ERROR with a traceback, so an anonymous visitor or a
    typo in a query filled the log with tracebacks. Here a client's mistake is one INFO line
    (request id, operation, codes) and only a fault of ours is an ERROR with its traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        request_id = _request_id(context)
        try:
            operation = (execution_context.operation_name if execution_context else None) or "-"
        except RuntimeError:  # an unparsable document has no operation
            operation = "-"
        expected = []
        for error in errors:
            code = error_code(error)
            GRAPHQL_ERRORS.labels(code).inc()
            if code == INTERNAL:
                _log.error(
                    "unexpected error (request %s, operation %s, path %s)",
                    request_id,
                    operation,
                    ".".join(map(str, error.path or [])) or "-",
                    exc_info=error.original_error,
                )
            else:
                expected.append((code, error.message))
        if expected:
            codes = ",".join(sorted({code for code, _ in expected}))
            first = expected[0][1].splitlines()[0][:200]
            _log.info(
                "request %s, operation %s: %s (%d error%s): %s",
                request_id,
                operation,
                codes,
                len(expected),
                "" if len(expected) == 1 else "s",
                first,
            )


class ErrorCodes(SchemaExtension):
    """Give every error an `extensions.code`; never show an unexpected exception's text."""

    def on_parse(self) -> Iterator[None]:
        """A syntax error is the client's mistake: code it before Strawberry answers with it."""
        yield
        for error in self.execution_context.pre_execution_errors or []:
            if not (error.extensions and "code" in error.extensions):
                error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}

    def on_validate(self) -> Iterator[None]:
        """A literal refused by the String/ID/JSON input rules is bad input, not a bad query."""
        yield
        errors = self.execution_context.pre_execution_errors or []
        for i, error in enumerate(errors):
            if isinstance(error.original_error, TextRefused):
                errors[i] = _copy(error, error.message, "BAD_USER_INPUT")

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self.execution_context.context)
        result.errors = [self._with_code(error, request_id) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Subscriptions: every streamed result (and a refused start) gets the same codes
        and masking; results already handled by on_execute pass through unchanged."""
        if getattr(result, "errors", None):
            request_id = _request_id(self.execution_context.context)
            result.errors = [self._with_code(error, request_id) for error in result.errors]
        yield

    @staticmethod
    def _with_code(error: GraphQLError, request_id: str) -> GraphQLError:
        if error.extensions and "code" in error.extensions:
            return error
        code = error_code(error)
        if isinstance(error.original_error, QuotaExceeded):
            return _copy(error, error.message, code, retryAfter=error.original_error.retry_after)
        if code != INTERNAL:
            return _copy(error, error.message, code)
        # ErrorLoggingSchema.process_errors has logged it, traceback and all, under this id.
        return _copy(
            error, f"Internal error: quote request id {request_id} when reporting it.", code
        )


def _copy(error: GraphQLError, message: str, code: str, **extra: Any) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


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
                _limiter_warnings.warning(
                    "rate-limiter", "rate limiter unavailable; requests not limited: %s", exc
                )
                allowed = True
            if not allowed:
                raise GraphQLError(
                    f"Too many requests: the limit is {ctx.settings.rate_limit}. "
                    "Slow down and retry.",
                    extensions={"code": "RATE_LIMITED"},
                )
        yield
