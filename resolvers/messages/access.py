"""Who may see which message: thin names over auth.policy (staff see every message of every
ticket, a customer the public messages of their own organisation's tickets)."""

from __future__ import annotations

from auth.policy import can_see_internal_messages, can_see_message, can_see_ticket
from auth.principal import Principal

__all__ = ["can_see_message", "can_see_ticket", "customer_only_public"]


def customer_only_public(principal: Principal | None) -> bool:
    """True when queries must leave internal notes out (in SQL, not after the fact)."""
    return not can_see_internal_messages(principal)
