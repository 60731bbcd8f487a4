"""SLA policies: target response and resolution times per priority (admins edit them)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.tickets.sla import SlaTargets, list_sla_policies, update_sla_policy
from schema.errors import TicketError
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin, IsStaff
from schema.tickets import TicketPriority

__all__ = ["SlaMutation", "SlaPolicy", "SlaQuery"]


@strawberry.type(description="How fast tickets of one priority must be answered and solved.")
class SlaPolicy:
    priority: TicketPriority = strawberry.field(description="The priority these targets are for.")
    first_response_minutes: int = strawberry.field(
        description="Minutes from creation to the first public staff reply."
    )
    resolution_minutes: int = strawberry.field(description="Minutes from creation to solved.")
    updated_at: datetime | None = strawberry.field(
        description="When an admin last changed it (null: the built-in default)."
    )

    @classmethod
    def from_targets(cls, targets: SlaTargets) -> SlaPolicy:
        return cls(
            priority=TicketPriority(targets.priority),
            first_response_minutes=targets.first_response_minutes,
            resolution_minutes=targets.resolution_minutes,
            updated_at=targets.updated_at,
        )


@strawberry.type
class SlaQuery:
    @strawberry.field(
        description="The SLA targets of every priority, most urgent first (staff).",
        permission_classes=[IsStaff],
    )
    async def sla_policies(self, info: strawberry.Info[RequestContext]) -> list[SlaPolicy]:
        return [SlaPolicy.from_targets(t) for t in await list_sla_policies(info.context)]


@strawberry.input(description="New targets for one priority.")
class UpdateSlaPolicyInput:
    priority: TicketPriority = strawberry.field(description="The priority to change.")
    first_response_minutes: int = strawberry.field(description="1 minute to 366 days.")
    resolution_minutes: int = strawberry.field(
        description="1 minute to 366 days, not less than the first response."
    )


@strawberry.type(description="Result of updateSlaPolicy.")
class UpdateSlaPolicyPayload(MutationPayload[TicketError]):
    sla_policy: SlaPolicy | None = strawberry.field(default=None, description="The new targets.")


@strawberry.type
class SlaMutation:
    @mutation(
        description="Change the SLA targets of a priority (admins). Tickets created or "
        "re-prioritised afterwards use them; existing due times stay.",
        permission_classes=[IsAdmin],
    )
    async def update_sla_policy(
        tx: MutationTx, input: UpdateSlaPolicyInput
    ) -> UpdateSlaPolicyPayload:
        targets = await update_sla_policy(
            tx,
            input.priority.value,
            input.first_response_minutes,
            input.resolution_minutes,
        )
        return UpdateSlaPolicyPayload(sla_policy=SlaPolicy.from_targets(targets))
