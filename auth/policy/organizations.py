"""Organizations and saved customer segments: staff-only records.

Organizations are internal account management (customers never see which organization
they were filed under); segments are a staff member's saved customer filters, private to
their owner unless shared with all staff.
"""

from __future__ import annotations

from sqlalchemy import false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from auth.policy.roles import is_admin, is_agent, is_staff
from auth.principal import Principal
from db.models import CustomerSegment, Organization

__all__ = [
    "can_see_organization",
    "can_see_organizations",
    "can_see_segment",
    "may_edit_segment",
    "may_manage_organizations",
    "may_save_segment",
    "organization_scope",
    "segment_scope",
]


def can_see_organizations(principal: Principal | None) -> bool:
    return is_staff(principal)


def organization_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Live organizations, for staff; nothing for anyone else."""
    if not is_staff(principal):
        return false()
    return Organization.deleted_at.is_(None)


def can_see_organization(principal: Principal | None, row: Organization | None) -> bool:
    return row is not None and row.deleted_at is None and is_staff(principal)


def may_manage_organizations(principal: Principal | None) -> bool:
    """Create, change, delete organizations and file customers under them: the staff who
    edit customers (agents and admins); reviewers read."""
    return is_agent(principal)


def segment_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Shared segments and the caller's own private ones (staff only)."""
    if not is_staff(principal) or principal is None:
        return false()
    if principal.user_id is None:  # an API key owns nothing: it sees the shared ones
        return CustomerSegment.shared.is_(true())
    return or_(CustomerSegment.shared.is_(true()), CustomerSegment.owner_id == principal.user_id)


def can_see_segment(principal: Principal | None, row: CustomerSegment | None) -> bool:
    """Another user's private segment looks exactly like a missing one."""
    if row is None or principal is None or not is_staff(principal):
        return False
    return row.shared or (principal.user_id is not None and row.owner_id == principal.user_id)


def may_save_segment(principal: Principal | None, *, shared: bool) -> bool:
    """Every staff member saves segments; one without a user account (an API key) can only
    save shared ones, as nobody could own a private one."""
    if not is_staff(principal) or principal is None:
        return False
    return shared or principal.user_id is not None


def may_edit_segment(principal: Principal | None, row: CustomerSegment) -> bool:
    """The owner; an admin also tidies up shared segments (never someone's private one)."""
    if principal is None or not can_see_segment(principal, row):
        return False
    owner = principal.user_id is not None and row.owner_id == principal.user_id
    return owner or (row.shared and is_admin(principal))
