"""How big a GraphQL operation is: depth, aliases and cost, measured in one pass that
visits each fragment definition once (a chain of fragments that spread the previous one
twice is 2^n fields when expanded, but n fragments to measure).

Cost follows GitHub's and Shopify's published models: a scalar costs nothing, an object
costs 1, a paginated field (one that takes `first`/`last`) costs 2 plus its page size
times the cost of what is selected inside it, nesting multiplies, every alias and every
fragment spread counts in full, and a few expensive fields have their own price
(`FIELD_COSTS`). Depth and aliases need only the document, so they are checked by a
graphql-core validation rule (cached with the rest of validation); cost also reads the
operation's variables (`first: $n`), so it is measured per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    is_leaf_type,
)

from resolvers.reports import MAX_CELLS

__all__ = [
    "FIELD_COSTS",
    "Measure",
    "OperationLimits",
    "limits_rule",
    "measure_operation",
]

# Fields that cost far more than the objects they return: a report is up to MAX_CELLS
# aggregated rows, a dashboard a dozen aggregate queries.
FIELD_COSTS: dict[str, int] = {
    "Query.ticketReport": MAX_CELLS,
    # Up to MAX_BUCKETS buckets of counts, each a count over six tables.
    "Query.usageAnalytics": 2_000,
    "Query.customerReport": MAX_CELLS,
    "Query.dashboard": 500,
    "Subscription.dashboardEvents": 500,
}
_CONNECTION_COST = 2


@dataclass(frozen=True, slots=True)
class OperationLimits:
    """The per-operation maxima (settings), plus the page sizes cost is counted with."""

    max_depth: int
    max_aliases: int
    max_cost: int
    default_page_size: int = 20
    max_page_size: int = 100


@dataclass(frozen=True, slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0

    def merge(self, other: Measure) -> Measure:
        """Two selections side by side."""
        return Measure(
            max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost
        )


_ZERO = Measure()
_BEYOND = 2**62


class _Walker:
    """Measures selection sets, each fragment once (memoised by name)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        limits: OperationLimits,
        variables: Mapping[str, Any] | None,
        defaults: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limits = limits
        self.variables = variables or {}
        self.defaults = defaults
        self.memo: dict[str, Measure] = {}
        self.entered: set[str] = set()

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Measure:
        total = _ZERO
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total = total.merge(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total = total.merge(self.selection_set(selection.selection_set, inner))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.merge(self.fragment(selection.name.value))
        return total

    def fragment(self, name: str) -> Measure:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.entered:
            return _ZERO  # unknown fragments and cycles are other rules' errors
        self.entered.add(name)
        parent = self.schema.get_type(definition.type_condition.name.value)
        measured = self.selection_set(definition.selection_set, parent)
        self.entered.discard(name)
        self.memo[name] = measured
        return measured

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        aliases = 1 if node.alias is not None else 0
        name = node.name.value
        if name.startswith("__"):
            # Introspection: graphql-core's MaxIntrospectionDepthRule bounds it.
            return Measure(aliases=aliases)
        definition = (
            parent.fields.get(name)
            if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType))
            else None
        )
        child_type = get_named_type(definition.type) if definition is not None else None
        if node.selection_set is None:
            own = 0 if child_type is None or is_leaf_type(child_type) else 1
            return Measure(aliases=aliases, cost=own)
        inner = self.selection_set(node.selection_set, child_type)
        own = FIELD_COSTS.get(f"{parent.name}.{name}", 1) if parent is not None else 1
        multiplier = 1
        if definition is not None and ("first" in definition.args or "last" in definition.args):
            own = max(own, _CONNECTION_COST)
            multiplier = self.page_size(node)
        return Measure(inner.depth + 1, inner.aliases + aliases, own + multiplier * inner.cost)

    def page_size(self, node: FieldNode) -> int:
        """`first` or `last` as given (a literal or a variable), else the default page."""
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                variable = argument.value.name.value
                value = self.variables.get(variable, self.defaults.get(variable))
            if isinstance(value, int) and not isinstance(value, bool):
                # Over the maximum is refused by the page itself, with its own message.
                return max(0, min(value, self.limits.max_page_size))
        return self.limits.default_page_size


def _fragments(definitions: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


def _root_type(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> GraphQLObjectType | None:
    kind = operation.operation.value
    if kind == "query":
        return schema.query_type
    if kind == "mutation":
        return schema.mutation_type
    return schema.subscription_type


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            defaults[definition.variable.name.value] = int(definition.default_value.value)
    return defaults


def measure_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    limits: OperationLimits,
    variables: Mapping[str, Any] | None = None,
) -> Measure:
    """Depth, aliases and cost of one operation (linear in the document's size)."""
    walker = _Walker(schema, fragments, limits, variables, _variable_defaults(operation))
    try:
        return walker.selection_set(operation.selection_set, _root_type(schema, operation))
    except RecursionError:
        # Only a pathological chain of nested fragments gets here (the parser already
        # refuses documents nested too deeply): count it as over every limit.
        return Measure(depth=_BEYOND, aliases=_BEYOND, cost=_BEYOND)


def limits_rule(limits: OperationLimits) -> type[ASTValidationRule]:
    """A validation rule refusing operations deeper than `max_depth` or with more than
    `max_aliases` aliases. Built once per schema: a new rule class per request would
    defeat the validation cache, which is keyed by the rules."""

    class OperationLimitsRule(ASTValidationRule):
        context: ValidationContext

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = _fragments(context.document.definitions)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            measured = measure_operation(self.context.schema, node, self._fragments, limits)
            if measured.depth > limits.max_depth:
                self.report_error(
                    GraphQLError(
                        f"The query depth is {measured.depth}; the limit is "
                        f"{limits.max_depth}. Ask for fewer nested levels at once.",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP"},
                    )
                )
            if measured.aliases > limits.max_aliases:
                self.report_error(
                    GraphQLError(
                        f"The query uses {measured.aliases} aliases; at most "
                        f"{limits.max_aliases} aliases are allowed.",
                        node,
                        extensions={"code": "TOO_MANY_ALIASES"},
                    )
                )

    return OperationLimitsRule
