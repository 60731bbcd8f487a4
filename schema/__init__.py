"""The one Strawberry schema: root Query / Mutation / Subscription merged from each domain."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from strawberry import relay
from strawberry.tools import merge_types

from schema.accounts import AccountsMutation, AccountsQuery
from schema.ai import AiMutation, AiQuery
from schema.ai_quality import AiQualityMutation, AiQualityQuery
from schema.ai_suggestions import (
    AiSuggestionsMutation,
    AiSuggestionsQuery,
    AiSuggestionsSubscription,
)
from schema.api_keys import ApiKeysMutation, ApiKeysQuery
from schema.attachments import AttachmentsMutation
from schema.audit import AuditQuery
from schema.changes import ChangesSubscription
from schema.customer_notes import CustomerNotesMutation
from schema.customer_report import CustomerReportQuery
from schema.customers import PLAIN_RESOLVERS as CUSTOMER_PLAIN_RESOLVERS
from schema.customers import CustomersMutation, CustomersQuery
from schema.dashboard import DashboardQuery, DashboardSubscription
from schema.execution import AutoCRMSchema
from schema.extensions import ErrorCodes, RateLimit
from schema.fast_fields import fast_field_context, fast_fields
from schema.feedback import FeedbackMutation
from schema.interactions import InteractionsMutation
from schema.jobs import JobsMutation, JobsQuery, JobsSubscription
from schema.kb import KbQuery
from schema.kb_analytics import KbAnalyticsMutation, KbAnalyticsQuery
from schema.kb_from_ticket import KbFromTicketMutation
from schema.kb_mutations import KbMutation
from schema.kb_search import KbSearchQuery
from schema.limits import OperationLimits
from schema.messages import PLAIN_RESOLVERS as MESSAGE_PLAIN_RESOLVERS
from schema.messages import MessagesMutation
from schema.notifications import NotificationsMutation
from schema.observability import OperationMetrics
from schema.organizations import OrganizationsMutation, OrganizationsQuery
from schema.plain_fields import install_plain_resolvers
from schema.routing import RoutingMutation, RoutingQuery
from schema.segments import SegmentsMutation, SegmentsQuery
from schema.sessions import SessionsMutation
from schema.sla import SlaMutation, SlaQuery
from schema.subscriptions import RealtimeSubscription
from schema.teams import TeamsMutation, TeamsQuery
from schema.text import SCALAR_OVERRIDES, install_text_coercion
from schema.ticket_mutations import TicketsMutation
from schema.tickets import PLAIN_RESOLVERS as TICKET_PLAIN_RESOLVERS
from schema.tickets import TicketsQuery
from schema.timeline import TIMELINE_TYPES
from schema.tools import ToolsMutation, ToolsQuery
from schema.usage import UsageQuery
from schema.validation import DocumentChecks, OperationChecks
from settings import Settings

__all__ = ["build_schema"]


@strawberry.type
class NodeQuery:
    node: relay.Node | None = relay.node(
        description="Fetch any object by its global ID (null when absent or not yours to see)."
    )


QUERIES: tuple[type, ...] = (NodeQuery, AccountsQuery, ApiKeysQuery, AuditQuery, CustomersQuery)
QUERIES += (TicketsQuery, TeamsQuery, SlaQuery)
QUERIES += (DashboardQuery,)
QUERIES += (AiQuery,)
QUERIES += (JobsQuery,)
QUERIES += (KbQuery,)
QUERIES += (UsageQuery,)
QUERIES += (OrganizationsQuery, SegmentsQuery, CustomerReportQuery)
QUERIES += (KbSearchQuery,)
QUERIES += (ToolsQuery,)
QUERIES += (KbAnalyticsQuery,)
QUERIES += (AiSuggestionsQuery,)
QUERIES += (AiQualityQuery,)
QUERIES += (RoutingQuery,)
MUTATIONS: tuple[type, ...] = (
    SessionsMutation,
    AccountsMutation,
    ApiKeysMutation,
    CustomersMutation,
    TicketsMutation,
    TeamsMutation,
    SlaMutation,
    MessagesMutation,
    FeedbackMutation,
)
MUTATIONS += (AttachmentsMutation,)
MUTATIONS += (NotificationsMutation,)
MUTATIONS += (AiMutation,)
MUTATIONS += (JobsMutation,)
MUTATIONS += (KbMutation,)
MUTATIONS += (OrganizationsMutation, SegmentsMutation)
MUTATIONS += (InteractionsMutation, CustomerNotesMutation)
MUTATIONS += (ToolsMutation,)
MUTATIONS += (KbAnalyticsMutation,)
MUTATIONS += (AiSuggestionsMutation,)
MUTATIONS += (AiQualityMutation, KbFromTicketMutation)
MUTATIONS += (RoutingMutation,)
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscription,)
SUBSCRIPTIONS += (DashboardSubscription,)
SUBSCRIPTIONS += (JobsSubscription,)
SUBSCRIPTIONS += (ChangesSubscription,)
SUBSCRIPTIONS += (AiSuggestionsSubscription,)
# Types reached only through an interface (the timeline's items).
TYPES: tuple[type, ...] = TIMELINE_TYPES


def build_schema(settings: Settings) -> strawberry.Schema:
    """The process-wide schema (Strawberry's types can be bound to one schema only)."""
    limits = OperationLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_cost=settings.max_query_cost,
        max_page_size=settings.max_page_size,
    )
    return _build(limits, settings.max_tokens)


@lru_cache(maxsize=1)
def _build(limits: OperationLimits, max_tokens: int) -> strawberry.Schema:
    Query = merge_types("Query", QUERIES)
    Mutation = merge_types("Mutation", MUTATIONS) if MUTATIONS else None
    Subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    # Built once: the rules and caches must outlive requests for the caches to hit.
    checks = DocumentChecks(limits, max_tokens=max_tokens)
    install_text_coercion()
    schema = AutoCRMSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(TYPES),
        scalar_overrides=SCALAR_OVERRIDES,
        extensions=[OperationMetrics, lambda: OperationChecks(checks), RateLimit, ErrorCodes],
        checks=checks,
    )
    install_plain_resolvers(schema, TICKET_PLAIN_RESOLVERS)
    install_plain_resolvers(schema, CUSTOMER_PLAIN_RESOLVERS)
    install_plain_resolvers(schema, MESSAGE_PLAIN_RESOLVERS)
    # Last: it reads which fields still have Strawberry's basic resolver.
    schema.execution_context_class = fast_field_context(fast_fields(schema._schema))
    return schema
