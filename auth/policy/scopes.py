"""SQL scopes: for each entity, a where-clause of the rows a principal may list.

They say in SQL what the read rules (auth/policy/reads.py) say for one row, so a list is
never filtered after the fact (which would break page sizes and counts). A scope that
depends on another table (a message's ticket) takes the ticket's scope as a sub-query.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from auth.policy.reads import (
    can_see_article_drafts,
    can_see_customer_notes,
    can_see_internal_messages,
)
from auth.policy.roles import is_admin, is_staff
from auth.principal import Principal
from db.models import (
    ApiKey,
    Article,
    Attachment,
    Customer,
    CustomerNote,
    Interaction,
    Ticket,
    TicketMessage,
    User,
)
from db.models.accounts import Role
from db.models.jobs import Job
from db.models.tickets import Visibility

__all__ = [
    "api_key_scope",
    "article_scope",
    "attachment_scope",
    "audit_scope",
    "customer_note_scope",
    "customer_scope",
    "interaction_scope",
    "message_scope",
    "team_scope",
    "ticket_scope",
    "user_scope",
]


def ticket_scope(principal: Principal | None) -> ColumnElement[bool]:
    if is_staff(principal):
        return true()
    if principal is None or principal.customer_id is None:
        return false()
    return Ticket.customer_id == principal.customer_id


def message_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Messages of tickets in scope; internal notes only for staff."""
    if principal is None:
        return false()
    if can_see_internal_messages(principal):
        return true()
    return and_(
        TicketMessage.visibility == Visibility.PUBLIC.value,
        TicketMessage.ticket_id.in_(select(Ticket.id).where(ticket_scope(principal))),
    )


def attachment_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Files of public replies of tickets in scope, plus the caller's own uploads not on a
    message yet (to attach to their next reply); staff see every file."""
    if is_staff(principal):
        return true()
    if principal is None:
        return false()
    public_message = exists(
        select(TicketMessage.id).where(
            TicketMessage.id == Attachment.message_id,
            TicketMessage.visibility == Visibility.PUBLIC.value,
        )
    )
    if principal.user_id is None:  # an API key uploads as nobody in particular
        return and_(
            Attachment.ticket_id.in_(select(Ticket.id).where(ticket_scope(principal))),
            public_message,
        )
    own_pending = and_(
        Attachment.message_id.is_(None), Attachment.uploaded_by_id == principal.user_id
    )
    return and_(
        Attachment.ticket_id.in_(select(Ticket.id).where(ticket_scope(principal))),
        or_(public_message, own_pending),
    )


def customer_scope(
    principal: Principal | None, *, include_deleted: bool = False
) -> ColumnElement[bool]:
    live = Customer.deleted_at.is_(None)
    if is_staff(principal):
        return true() if include_deleted and is_admin(principal) else live
    if principal is None or principal.customer_id is None:
        return false()
    return and_(live, Customer.id == principal.customer_id)


def user_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Admins list every account, other staff the staff (to assign and mention), a
    customer only themselves."""
    if is_admin(principal):
        return true()
    if is_staff(principal):
        return User.role != Role.CUSTOMER.value
    if principal is None or principal.user_id is None:
        return false()
    return User.id == principal.user_id


def team_scope(principal: Principal | None) -> ColumnElement[bool]:
    return true() if is_staff(principal) else false()


def api_key_scope(principal: Principal | None) -> ColumnElement[bool]:
    if is_admin(principal):
        return true()
    if principal is None or principal.api_key_id is None:
        return false()
    return ApiKey.id == principal.api_key_id


def audit_scope(principal: Principal | None) -> ColumnElement[bool]:
    return true() if is_admin(principal) else false()


def job_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Admins list every job; other staff the jobs they asked for; customers none."""
    if is_admin(principal):
        return true()
    if principal is None or not is_staff(principal) or principal.user_id is None:
        return false()
    return Job.requested_by_id == principal.user_id


def article_scope(principal: Principal | None) -> ColumnElement[bool]:
    """The SQL form of can_see_article: staff every article, others live published public
    ones (the published version is what they then read)."""
    if can_see_article_drafts(principal):
        return true()
    return and_(
        Article.published_version_id.is_not(None),
        Article.archived_at.is_(None),
        Article.audience == "public",
    )


def interaction_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Live interactions; a customer only the non-internal ones on their own record."""
    live = Interaction.deleted_at.is_(None)
    if is_staff(principal):
        return live
    if principal is None or principal.customer_id is None:
        return false()
    return and_(
        live, Interaction.customer_id == principal.customer_id, Interaction.internal.is_(False)
    )


def customer_note_scope(principal: Principal | None) -> ColumnElement[bool]:
    """Live notes, for staff only."""
    if not can_see_customer_notes(principal):
        return false()
    return CustomerNote.deleted_at.is_(None)
