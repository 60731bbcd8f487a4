"""Read rules: may this principal see this row, and which of its fields.

Each function answers for one loaded row, with the related rows it needs passed in (the
caller loads them through DataLoaders). What a caller may not see looks exactly like
what is absent: resolvers return null or NOT_FOUND, never FORBIDDEN, for a row.
"""

from __future__ import annotations

import enum

from auth.policy.roles import STAFF_ROLES, is_admin, is_staff
from auth.principal import Principal
from db.models import (
    ApiKey,
    Article,
    Attachment,
    AuditEntry,
    Customer,
    CustomerNote,
    Interaction,
    Team,
    Ticket,
    TicketFeedback,
    TicketMessage,
    User,
)
from db.models.accounts import Role
from db.models.jobs import Job
from db.models.tickets import Visibility

__all__ = [
    "STAFF_PRIVATE_FIELDS",
    "USER_PUBLIC_FIELDS",
    "UserView",
    "can_see_api_key",
    "can_see_article",
    "can_see_article_drafts",
    "can_see_article_stats",
    "can_see_attachment",
    "can_see_audit_entry",
    "can_see_customer",
    "can_see_customer_note",
    "can_see_customer_notes",
    "can_see_deleted_customers",
    "can_see_feedback",
    "can_see_interaction",
    "can_see_internal_interactions",
    "can_see_internal_messages",
    "can_see_message",
    "can_see_sla_policies",
    "can_see_team",
    "can_see_ticket",
    "can_see_user",
    "kb_search_audiences",
    "user_view",
]

# GraphQL fields of User everyone who may see the user at all may read (its public
# profile). Every other User field is the account's own business or staff's.
USER_PUBLIC_FIELDS: frozenset[str] = frozenset({"id", "name"})

# GraphQL fields ("Type.field") a customer never reads as non-null. User fields apply
# to other people's accounts (a customer reads their own account in full); the rest
# apply everywhere. tests/schema/test_customer_reach.py walks every type a customer can
# reach and holds the schema to this list.
STAFF_PRIVATE_FIELDS: frozenset[str] = frozenset(
    {
        "User.email",
        "User.role",
        "User.isActive",
        "User.emailVerified",
        "User.createdAt",
        "User.lastLoginAt",
        "User.notificationPreferences",
        "Ticket.tags",
        "Ticket.team",
        "Ticket.followers",
        "Customer.notes",
        "Customer.organization",
        "Customer.suggestedOrganization",
        "Customer.deletedAt",
        "Message.revisions",
        "Interaction.revisions",
        "Interaction.attachments",
        "Customer.customerNotes",
        "Team.members",
        "TeamMembership.user",
        "Article.versions",
        "Article.latestVersion",
        "ArticleVersion.createdBy",
        "ArticleVersion.reviewedBy",
        "ArticleVersion.reviewComment",
        "ArticleVersion.basedOn",
        "ArticleVersion.sourceFilename",
        "ArticleVersion.sourceSha256",
    }
)


class UserView(enum.Enum):
    """How much of a user account a principal may read."""

    FULL = "full"  # every field: staff, and the account holder
    PUBLIC = "public"  # USER_PUBLIC_FIELDS only: a customer looking at staff or a colleague
    NONE = "none"  # nothing: the user is null to this principal


def user_view(principal: Principal | None, user: User) -> UserView:
    """Customers see staff (on their tickets' replies, as assignee) and the other users of
    their own organisation by display name only; never e-mail, role or login times."""
    if principal is None:
        return UserView.NONE
    if is_staff(principal) or (principal.user_id is not None and principal.user_id == user.id):
        return UserView.FULL
    if Role(user.role) in STAFF_ROLES:
        return UserView.PUBLIC
    if principal.customer_id is not None and user.customer_id == principal.customer_id:
        return UserView.PUBLIC
    return UserView.NONE


def can_see_user(principal: Principal | None, user: User) -> bool:
    return user_view(principal, user) is not UserView.NONE


def can_see_ticket(principal: Principal | None, ticket: Ticket) -> bool:
    """Staff see every ticket; a customer the tickets of their own organisation."""
    if principal is None:
        return False
    if is_staff(principal):
        return True
    return principal.customer_id is not None and ticket.customer_id == principal.customer_id


def can_see_internal_messages(principal: Principal | None) -> bool:
    """Internal notes (and their files) are for staff only."""
    return is_staff(principal)


def can_see_message(principal: Principal | None, ticket: Ticket, message: TicketMessage) -> bool:
    if principal is None or not can_see_ticket(principal, ticket):
        return False
    return can_see_internal_messages(principal) or message.visibility == Visibility.PUBLIC.value


def can_see_attachment(
    principal: Principal | None,
    ticket: Ticket | None,
    message: TicketMessage | None,
    attachment: Attachment,
) -> bool:
    """Staff see every file; a customer the files on public replies of their tickets and
    their own uploads not on a message yet (to attach to their next reply). Files of a
    logged interaction are for staff only."""
    if attachment.ticket_id is None:
        return is_staff(principal)
    if principal is None or ticket is None or not can_see_ticket(principal, ticket):
        return False
    if is_staff(principal):
        return True
    if attachment.message_id is None:
        return principal.user_id is not None and attachment.uploaded_by_id == principal.user_id
    return message is not None and message.visibility == Visibility.PUBLIC.value


def can_see_feedback(
    principal: Principal | None, ticket: Ticket | None, feedback: TicketFeedback | None = None
) -> bool:
    """A ticket's CSAT rating is seen by whoever may see the ticket."""
    return ticket is not None and can_see_ticket(principal, ticket)


def can_see_deleted_customers(principal: Principal | None) -> bool:
    return is_admin(principal)


def can_see_customer(
    principal: Principal | None, row: Customer | None, *, include_deleted: bool = False
) -> bool:
    """Staff see every live record, customers only their own; deleted ones only an admin
    who asked for them."""
    if principal is None or row is None:
        return False
    if row.deleted_at is not None and not (
        include_deleted and can_see_deleted_customers(principal)
    ):
        return False
    return is_staff(principal) or row.id == principal.customer_id


def can_see_team(principal: Principal | None, team: Team | None = None) -> bool:
    """Teams are internal routing: customers see neither a ticket's team nor any team
    (not even its name), so queues can be reorganised without customers noticing."""
    return is_staff(principal)


def can_see_api_key(principal: Principal | None, key: ApiKey) -> bool:
    """Admins see every key; a key sees itself (viewerApiKey)."""
    if principal is None:
        return False
    return is_admin(principal) or principal.api_key_id == key.id


def kb_search_audiences(principal: Principal | None) -> frozenset[str]:
    """Which article audiences a knowledge-base search reads: staff (and the AI drafting for
    them) public and internal articles; customers and anonymous help-centre visitors only
    public ones. Drafts are never searchable: retrieval reads published versions only."""
    if is_staff(principal):
        return frozenset({"public", "internal"})
    return frozenset({"public"})


def can_see_job(principal: Principal | None, job: Job) -> bool:
    """The row rule matching job_scope: admins, or the staff member who asked for it."""
    if is_admin(principal):
        return True
    return (
        principal is not None
        and is_staff(principal)
        and job.requested_by_id is not None
        and job.requested_by_id == principal.user_id
    )


def can_see_audit_entry(principal: Principal | None, entry: AuditEntry | None = None) -> bool:
    return is_admin(principal)


def can_see_sla_policies(principal: Principal | None) -> bool:
    return is_staff(principal)


def can_see_article_drafts(principal: Principal | None) -> bool:
    """Staff read every article in every state, its versions, diffs and internal ones."""
    return is_staff(principal)


def can_see_article(principal: Principal | None, article: Article) -> bool:
    """Staff see every article; anyone else (customers, anonymous visitors of a help
    centre) only a live published public article, and then only its published version."""
    if can_see_article_drafts(principal):
        return True
    return (
        article.published_version_id is not None
        and article.archived_at is None
        and article.audience == "public"
    )


def can_see_article_stats(principal: Principal | None) -> bool:
    """Votes, views, retrieval and citation counts, content gaps, stale articles and broken
    links are editorial tools: staff only (a customer may see their own vote)."""
    return is_staff(principal)


def can_see_internal_interactions(principal: Principal | None) -> bool:
    """Interactions marked internal are for staff only."""
    return is_staff(principal)


def can_see_interaction(principal: Principal | None, row: Interaction | None) -> bool:
    """Staff see every live interaction; a customer the non-internal ones logged on their
    own record (a call they took part in): they appear on the customer's own timeline."""
    if principal is None or row is None or row.deleted_at is not None:
        return False
    if is_staff(principal):
        return True
    return (
        principal.customer_id is not None
        and row.customer_id == principal.customer_id
        and not row.internal
    )


def can_see_customer_notes(principal: Principal | None) -> bool:
    """Customer notes are staff-only: a customer never learns that one exists."""
    return is_staff(principal)


def can_see_customer_note(principal: Principal | None, row: CustomerNote | None) -> bool:
    return row is not None and row.deleted_at is None and can_see_customer_notes(principal)
