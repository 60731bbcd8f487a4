"""Who may manage, read, run and approve external tools.

Admins register tools and connect their credentials; staff read the registry; a run is
allowed to staff whose role the tool's manifest lists (customers never run tools); a run
of a changing tool is approved by a staff member other than the one who asked for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from auth.policy.roles import STAFF_ROLES, is_admin, is_staff
from auth.principal import Principal

__all__ = [
    "may_approve_tool_run",
    "may_manage_tools",
    "may_read_tools",
    "may_run_tool",
]


def may_manage_tools(principal: Principal | None) -> bool:
    return is_admin(principal)


def may_read_tools(principal: Principal | None) -> bool:
    return is_staff(principal)


def may_run_tool(principal: Principal | None, manifest_roles: Iterable[str]) -> bool:
    if principal is None or principal.role not in STAFF_ROLES:
        return False
    return principal.role.value in set(manifest_roles)


def may_approve_tool_run(
    principal: Principal | None, manifest_roles: Iterable[str], requester_id: uuid.UUID | None
) -> bool:
    """Four eyes: allowed to run the tool, and not the requester."""
    if not may_run_tool(principal, manifest_roles):
        return False
    assert principal is not None
    return principal.user_id is not None and principal.user_id != requester_id
