"""Who may hear of an entity change (the `changes` and `customerEvents` subscriptions).

The event carries ids only; this is the cheap first check on them. The entity is then
loaded through its own read rule (a Relay node lookup), which decides the rest: staff hear
what they may read, a customer only their own customer record and the public items that
belong to it (never staff notes, internal interactions, users or teams).
"""

from __future__ import annotations

import uuid

from auth.policy.roles import is_staff
from auth.principal import Principal

__all__ = ["may_hear_change"]


def may_hear_change(
    principal: Principal | None,
    entity: str,
    entity_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    *,
    public: bool,
) -> bool:
    if principal is None:
        return False
    if is_staff(principal):
        return True
    own = principal.customer_id
    if own is None:
        return False
    if entity == "Customer":
        return entity_id == own
    return public and customer_id == own
