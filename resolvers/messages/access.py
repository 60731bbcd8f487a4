"""Who may see which ticket and message: staff see everything, a customer sees the public
messages of their own organisation's tickets and nothing else."""

from __future__ import annotations

from auth.principal import Principal
from db.models import Ticket, TicketMessage
from db.models.tickets import Visibility

__all__ = ["can_see_message", "can_see_ticket", "customer_only_public"]


def can_see_ticket(principal: Principal | None, ticket: Ticket) -> bool:
    if principal is None:
        return False
    if principal.is_staff:
        return True
    return principal.customer_id is not None and ticket.customer_id == principal.customer_id


def can_see_message(principal: Principal | None, ticket: Ticket, message: TicketMessage) -> bool:
    if not can_see_ticket(principal, ticket):
        return False
    assert principal is not None
    return principal.is_staff or message.visibility == Visibility.PUBLIC.value


def customer_only_public(principal: Principal | None) -> bool:
    """True when queries must leave internal notes out (in SQL, not after the fact)."""
    return principal is None or not principal.is_staff
