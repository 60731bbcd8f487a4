"""AI gateway administration: usage and cost of LLM calls, and the AI quotas (admins)."""

from __future__ import annotations

import enum
import uuid
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from ai.quotas import QuotaLimits
from ai.usage import UsageGroup, UsageGroupBy
from resolvers.ai_admin import ai_quota_limits, ai_usage, set_ai_quota_limits
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from schema.accounts import User
from schema.dashboard import ReportRange
from schema.errors import AiError
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin

__all__ = ["AiMutation", "AiQuery"]


@strawberry.enum(description="What AI usage is grouped by.")
class AiUsageGroupBy(enum.Enum):
    DAY = UsageGroupBy.DAY.value
    USER = UsageGroupBy.USER.value
    PROVIDER = UsageGroupBy.PROVIDER.value
    MODEL = UsageGroupBy.MODEL.value
    OPERATION = UsageGroupBy.OPERATION.value


@strawberry.enum(description="Whom an AI quota applies to.")
class AiQuotaScope(enum.Enum):
    USER = strawberry.enum_value("user", description="Each user, separately.")
    API_KEY = strawberry.enum_value("api_key", description="Each API key, separately.")
    INSTALLATION = strawberry.enum_value("installation", description="Everyone together.")


@strawberry.type(description="AI calls of one group (a day, user, provider, model or operation).")
class AiUsageGroup:
    key: str | None = strawberry.field(
        description="The group: an ISO date (DAY), a User ID (USER; null for calls made for no "
        "user, e.g. background jobs), or the provider, model or operation name. "
        "Plain text: escape before rendering as HTML."
    )
    calls: int = strawberry.field(
        description="Calls recorded: provider attempts (failed ones too) and cache hits."
    )
    cache_hits: int = strawberry.field(description="Calls answered from the response cache.")
    failures: int = strawberry.field(
        description="Attempts that failed (error, rate limit, timeout) and fell back."
    )
    tokens_in: int = strawberry.field(description="Prompt tokens sent.")
    tokens_out: int = strawberry.field(description="Tokens generated.")
    cost_usd: Decimal = strawberry.field(
        description="Cost in US dollars from the per-model price table (AI_PRICES), exact."
    )
    unpriced_calls: int = strawberry.field(
        description="Calls to a model with no price configured (not included in costUsd)."
    )
    user_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The user, when grouped by USER (null otherwise).")
    async def user(self, info: strawberry.Info[RequestContext]) -> User | None:
        if self.user_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.user_id)
        return User.from_row(row) if row is not None else None

    @classmethod
    def from_group(cls, group: UsageGroup, group_by: UsageGroupBy) -> AiUsageGroup:
        user_id = None
        key = group.key
        if group_by is UsageGroupBy.USER and key is not None:
            user_id = uuid.UUID(key)
            key = relay.to_base64("User", key)
        return cls(
            key=key,
            calls=group.calls,
            cache_hits=group.cache_hits,
            failures=group.failures,
            tokens_in=group.tokens_in,
            tokens_out=group.tokens_out,
            cost_usd=group.cost_usd,
            unpriced_calls=group.unpriced_calls,
            user_id=user_id,
        )


@strawberry.type(description="The AI quota in force for one scope (0 = unlimited).")
class AiQuotaLimits:
    scope: AiQuotaScope = strawberry.field(description="Whom it applies to.")
    requests_per_minute: int = strawberry.field(description="AI requests per minute.")
    tokens_per_day: int = strawberry.field(description="Tokens (in + out) per day (UTC).")

    @classmethod
    def from_limits(cls, limits: QuotaLimits) -> AiQuotaLimits:
        return cls(
            scope=AiQuotaScope(limits.scope),
            requests_per_minute=limits.requests_per_minute,
            tokens_per_day=limits.tokens_per_day,
        )


@strawberry.type
class AiQuery:
    @strawberry.field(
        description="Usage and cost of AI calls in a period, grouped (admins). Days are UTC; "
        "other groupings come largest cost first.",
        permission_classes=[IsAdmin],
    )
    async def ai_usage(
        self,
        info: strawberry.Info[RequestContext],
        range: Annotated[ReportRange, strawberry.argument(description="The period to cover.")],
        group_by: Annotated[
            AiUsageGroupBy, strawberry.argument(description="What each row is a total of.")
        ],
    ) -> list[AiUsageGroup]:
        by = UsageGroupBy(group_by.value)
        groups = await ai_usage(info.context, range.from_, range.to, by)
        return [AiUsageGroup.from_group(g, by) for g in groups]

    @strawberry.field(
        description="The AI quotas in force: configured, or as an admin last set them (admins).",
        permission_classes=[IsAdmin],
    )
    async def ai_quota_limits(self, info: strawberry.Info[RequestContext]) -> list[AiQuotaLimits]:
        return [AiQuotaLimits.from_limits(q) for q in await ai_quota_limits(info.context)]


@strawberry.input(description="New AI quota limits for one scope.")
class SetAiQuotaLimitsInput:
    scope: AiQuotaScope = strawberry.field(description="Whom the limits apply to.")
    requests_per_minute: int | None = strawberry.field(
        default=None, description="Requests per minute; 0 = unlimited, null = as configured."
    )
    tokens_per_day: int | None = strawberry.field(
        default=None, description="Tokens per day; 0 = unlimited, null = as configured."
    )


@strawberry.type(description="Result of setAiQuotaLimits.")
class SetAiQuotaLimitsPayload(MutationPayload[AiError]):
    limits: AiQuotaLimits | None = strawberry.field(
        default=None, description="The limits now in force for the scope."
    )


@strawberry.type
class AiMutation:
    @mutation(
        description="Set the AI quotas of a scope (admins); every server applies them within "
        "5 seconds.",
        permission_classes=[IsAdmin],
    )
    async def set_ai_quota_limits(
        tx: MutationTx, input: SetAiQuotaLimitsInput
    ) -> SetAiQuotaLimitsPayload:
        limits = await set_ai_quota_limits(
            tx, str(input.scope.value), input.requests_per_minute, input.tokens_per_day
        )
        return SetAiQuotaLimitsPayload(limits=AiQuotaLimits.from_limits(limits))
