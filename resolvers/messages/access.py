"""Who may see which message: staff see every message of every ticket, a customer sees the
public messages of their own organisation's tickets and nothing else."""

from __future__ import annotations

from auth.principal import Principal
from db.models import Ticket, TicketMessage
from db.models.tickets import Visibility
from resolvers.tickets.common import can_see_ticket

__all__ = ["can_see_message", "can_see_ticket", "customer_only_public"]


def can_see_message(principal: Principal | None, ticket: Ticket, message: TicketMessage) -> bool:
    if principal is None or not can_see_ticket(principal, ticket):
        return False
    return principal.is_staff or message.visibility == Visibility.PUBLIC.value


def customer_only_public(principal: Principal | None) -> bool:
    """True when queries must leave internal notes out (in SQL, not after the fact)."""
    return principal is None or not principal.is_staff
