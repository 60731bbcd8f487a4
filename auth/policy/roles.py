"""Role-only decisions: the questions that depend on who is asking and nothing else.

Every "is this caller staff / an admin / someone who works tickets" in the code base is
one of these functions, so the role matrix lives in one place (README, "Who may do what").
"""

from __future__ import annotations

from auth.principal import Principal
from db.models.accounts import Role

__all__ = [
    "AGENT_ROLES",
    "STAFF_ROLES",
    "is_admin",
    "is_agent",
    "is_customer",
    "is_reviewer",
    "is_signed_in",
    "is_staff",
]

# Who works tickets (assign, change status, edit customers): agents and admins.
AGENT_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.AGENT})
# Everyone on the support side; reviewers read everything staff read and write notes.
STAFF_ROLES: frozenset[Role] = frozenset({Role.ADMIN, Role.AGENT, Role.REVIEWER})


def is_signed_in(principal: Principal | None) -> bool:
    return principal is not None


def is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.role in STAFF_ROLES


def is_admin(principal: Principal | None) -> bool:
    return principal is not None and principal.role is Role.ADMIN


def is_agent(principal: Principal | None) -> bool:
    """Agents and admins: the staff who work tickets (reviewers only read and annotate)."""
    return principal is not None and principal.role in AGENT_ROLES


def is_reviewer(principal: Principal | None) -> bool:
    return principal is not None and principal.role is Role.REVIEWER


def is_customer(principal: Principal | None) -> bool:
    return principal is not None and principal.role is Role.CUSTOMER
