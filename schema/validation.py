"""Parse and validate each distinct document once, and check every operation's cost.

A bounded LRU keyed by the document text (schema/caches.py) holds the parsed document
and its validation errors (graphql-core's rules plus our depth/alias rule, built once per
schema so the cache can hit). Cost depends on the variables (`first: $n`), so it is
measured per request, after validation, by the same walk that visits each fragment once;
an operation over the limit is refused before anything executes, and every response
says what the operation cost in `extensions.cost`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
    parse,
    specified_rules,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.caches import CachedDocument, CacheStats, DocumentCache
from schema.limits import OperationLimits, limits_rule, measure_operation

__all__ = ["DocumentChecks", "OperationChecks"]


class DocumentChecks:
    """One per schema: the limits, the validation rules and the document cache."""

    def __init__(self, limits: OperationLimits, *, max_tokens: int) -> None:
        self.limits = limits
        self.max_tokens = max_tokens
        self.rules: tuple[type[ASTValidationRule], ...] = (*specified_rules, limits_rule(limits))
        self.cache = DocumentCache()
        self.parses = CacheStats()
        self.validations = CacheStats()
        self._schema: GraphQLSchema | None = None

    def parse(self, query: str) -> DocumentNode:
        """Raises GraphQLSyntaxError (errors are not cached: the token limit bounds them)."""
        entry = self.cache.get(query)
        if entry is not None:
            self.parses.hits += 1
            return entry.document
        self.parses.misses += 1
        document = parse(query, max_tokens=self.max_tokens)
        self.cache.put(query, CachedDocument(document))
        return document

    def validate(
        self, schema: GraphQLSchema, query: str | None, document: DocumentNode
    ) -> list[GraphQLError]:
        if self._schema is None:
            self._schema = schema
        entry = self.cache.get(query) if query is not None else None
        # Keyed by text: only the document cached for that text, for this schema.
        if entry is None or entry.document is not document or schema is not self._schema:
            self.validations.misses += 1
            return list(self._validate_document(schema, document))
        if entry.errors is None:
            self.validations.misses += 1
            entry.errors = self._validate_document(schema, document)
        else:
            self.validations.hits += 1
        return list(entry.errors)

    def cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        query: str | None = None,
    ) -> int:
        """The cost of the operation that will run (the dearest one if that is ambiguous,
        which execution then refuses anyway). Without variables it depends on the document
        alone: then it is kept with the document cached for `query`."""
        entry = self.cache.get(query) if query is not None and not variables else None
        if entry is not None and entry.document is document and schema is self._schema:
            found = entry.costs.get(operation_name)
            if found is None:
                found = entry.costs[operation_name] = self._cost(
                    schema, document, operation_name, None
                )
            return found
        return self._cost(schema, document, operation_name, variables)

    def _cost(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> int:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        chosen = get_operation_ast(document, operation_name)
        operations = (
            [chosen]
            if chosen is not None
            else [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        )
        return max(
            (
                measure_operation(schema, op, fragments, self.limits, variables).cost
                for op in operations
            ),
            default=0,
        )

    def _validate_document(
        self, schema: GraphQLSchema, document: DocumentNode
    ) -> tuple[GraphQLError, ...]:
        errors = validate_document(schema, document, self.rules)
        return tuple(_coded(error) for error in errors)


def _coded(error: GraphQLError) -> GraphQLError:
    if error.extensions and "code" in error.extensions:
        return error
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"},
    )


class OperationChecks(SchemaExtension):
    """Per request: cached parse and validation, then the operation's cost."""

    def __init__(self, checks: DocumentChecks) -> None:
        super().__init__()
        self.checks = checks
        self.cost: int | None = None

    def on_operation(self) -> Iterator[None]:
        # Used by Strawberry's own parse when ours failed (it then reports the error).
        self.execution_context.parse_options["max_tokens"] = self.checks.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            # On a syntax error Strawberry parses again, inside its error handling.
            with suppress(GraphQLError):
                context.graphql_document = self.checks.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            schema = context.schema._schema
            errors = self.checks.validate(schema, context.query, document)
            if not errors:
                errors = self._check_cost(schema, document)
            # Set (even when empty), Strawberry skips its own uncached validation, and with
            # it ExecutionContext.validation_rules: our DocumentChecks.rules replace them.
            context.pre_execution_errors = errors
        yield

    def _check_cost(self, schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        limit = self.checks.limits.max_cost
        cost = self.checks.cost(
            schema, document, context.operation_name, context.variables, context.query
        )
        self.cost = cost
        if cost <= limit:
            return []
        return [
            GraphQLError(
                f"This operation would cost {cost}; the limit is {limit} per request. Ask "
                "for smaller pages (first/last), fewer nested lists or fewer aliases, or "
                "split it into several requests.",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
            )
        ]

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "limit": self.checks.limits.max_cost}}
