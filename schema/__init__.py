"""The one Strawberry schema: root Query / Mutation / Subscription merged from each domain."""

from __future__ import annotations

from functools import lru_cache

import strawberry
from strawberry import relay
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.accounts import AccountsMutation, AccountsQuery
from schema.api_keys import ApiKeysMutation, ApiKeysQuery
from schema.attachments import AttachmentsMutation
from schema.audit import AuditQuery
from schema.customers import CustomersMutation, CustomersQuery
from schema.dashboard import DashboardQuery, DashboardSubscription
from schema.extensions import ErrorCodes, RateLimit
from schema.feedback import FeedbackMutation
from schema.messages import MessagesMutation
from schema.notifications import NotificationsMutation
from schema.sessions import SessionsMutation
from schema.sla import SlaMutation, SlaQuery
from schema.subscriptions import RealtimeSubscription
from schema.teams import TeamsMutation, TeamsQuery
from schema.ticket_mutations import TicketsMutation
from schema.tickets import TicketsQuery
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
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscription,)
SUBSCRIPTIONS += (DashboardSubscription,)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The process-wide schema (Strawberry's types can be bound to one schema only)."""
    return _build(settings.max_query_depth, settings.max_aliases, settings.max_tokens)


@lru_cache(maxsize=1)
def _build(max_depth: int, max_aliases: int, max_tokens: int) -> strawberry.Schema:
    Query = merge_types("Query", QUERIES)
    Mutation = merge_types("Mutation", MUTATIONS) if MUTATIONS else None
    Subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            RateLimit,
            ErrorCodes,
        ],
    )
