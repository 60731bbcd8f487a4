"""Write rules: may this principal create, change or delete this entity, or act on it.

Each returns a bool (or the allowed choices); the use case decides how a refusal reads
(FORBIDDEN for a role that may never do this, a `forbidden` input error for a value it
may not choose). Reading the row first is the read rules' job (auth/policy/reads.py).
"""

from __future__ import annotations

from auth.policy.reads import can_see_article
from auth.policy.roles import is_admin, is_agent, is_customer, is_reviewer, is_staff
from auth.principal import Principal
from db.models import Article, Attachment, CustomerNote, Interaction, TicketMessage
from db.models.tickets import Visibility

__all__ = [
    "CUSTOMER_EDITABLE_CUSTOMER_FIELDS",
    "may_add_customer_note",
    "may_attach_upload",
    "may_change_ticket_status",
    "may_create_customer",
    "may_create_ticket",
    "may_delete_attachment",
    "may_delete_customer_note",
    "may_delete_interaction",
    "may_edit_customer",
    "may_edit_customer_note",
    "may_edit_interaction",
    "may_edit_message",
    "may_file_on_message",
    "may_give_article_feedback",
    "may_log_interaction",
    "may_manage_accounts",
    "may_pin_customer_note",
    "may_rate_ticket",
    "may_review_articles",
    "may_work_tickets",
    "may_write_articles",
    "message_visibilities",
    "writes_as_customer",
]

# What a customer may change on their own customer record.
CUSTOMER_EDITABLE_CUSTOMER_FIELDS: frozenset[str] = frozenset({"name", "phones"})


def may_work_tickets(principal: Principal | None) -> bool:
    """Assign, update, merge, bulk-edit tickets and open them for any customer."""
    return is_agent(principal)


def may_create_ticket(principal: Principal | None) -> bool:
    """Agents and admins (for any customer) and customers (for themselves); reviewers read."""
    return is_agent(principal) or is_customer(principal)


def may_change_ticket_status(principal: Principal | None) -> bool:
    """Agents and admins move tickets freely, a customer solves or closes their own;
    reviewers never (the transitions allowed are in resolvers/tickets/transitions.py)."""
    return principal is not None and not is_reviewer(principal)


def message_visibilities(principal: Principal | None) -> frozenset[str]:
    """Which kinds of message a principal may post.

    Customers write public replies only. Reviewers (like Zendesk's light agents) write
    internal notes only: they may comment on a conversation but never speak to the
    customer. Agents and admins write both.
    """
    if principal is None:
        return frozenset()
    if is_agent(principal):
        return frozenset({Visibility.PUBLIC.value, Visibility.INTERNAL.value})
    if is_reviewer(principal):
        return frozenset({Visibility.INTERNAL.value})
    return frozenset({Visibility.PUBLIC.value})


def writes_as_customer(principal: Principal) -> bool:
    """Messages a customer posts are authored as the customer, not as a staff user."""
    return is_customer(principal)


def may_edit_message(principal: Principal | None, message: TicketMessage) -> bool:
    """The author, or an admin."""
    if principal is None:
        return False
    is_author = principal.user_id is not None and message.author_user_id == principal.user_id
    return is_author or is_admin(principal)


def may_file_on_message(principal: Principal | None, message: TicketMessage) -> bool:
    """Agents and admins add files to any message they see; others only to their own (so
    a reviewer's files only ever reach internal notes, the only messages they write)."""
    if principal is None:
        return False
    return is_agent(principal) or (
        principal.user_id is not None and message.author_user_id == principal.user_id
    )


def may_attach_upload(principal: Principal | None, attachment: Attachment) -> bool:
    """Staff attach any upload of the ticket to their message; others only their own."""
    if principal is None:
        return False
    return is_staff(principal) or (
        principal.user_id is not None and attachment.uploaded_by_id == principal.user_id
    )


def may_delete_attachment(principal: Principal | None, attachment: Attachment) -> bool:
    """Agents and admins remove any file; others only their own upload not on a message."""
    if principal is None:
        return False
    return is_agent(principal) or (
        attachment.message_id is None
        and principal.user_id is not None
        and attachment.uploaded_by_id == principal.user_id
    )


def may_rate_ticket(principal: Principal | None) -> bool:
    """CSAT comes from the ticket's customer user (not an API key, not staff)."""
    return is_customer(principal) and principal is not None and principal.user_id is not None


def may_create_customer(principal: Principal | None) -> bool:
    return is_agent(principal)


def may_edit_customer(principal: Principal | None, fields: frozenset[str]) -> bool:
    """Agents and admins change any field; a customer their own name and phones."""
    if is_agent(principal):
        return True
    return is_customer(principal) and fields <= CUSTOMER_EDITABLE_CUSTOMER_FIELDS


def may_manage_accounts(principal: Principal | None) -> bool:
    """Users, teams, API keys, SLA policies: admins only."""
    return is_admin(principal)


def may_write_articles(principal: Principal | None) -> bool:
    """Knowledge-base drafts: every staff member writes, submits and restores them."""
    return is_staff(principal)


def may_give_article_feedback(principal: Principal | None, article: Article) -> bool:
    """Votes and recorded views: any signed-in person (customer or staff) on an article they
    may read; one vote and one view a day per person, so a user account is needed."""
    return (
        principal is not None
        and principal.user_id is not None
        and can_see_article(principal, article)
    )


def may_review_articles(principal: Principal | None) -> bool:
    """Approve (publish), request changes, archive: reviewers and admins only, so nothing
    reaches customers or the AI without a second pair of eyes."""
    return is_admin(principal) or is_reviewer(principal)


def _is_author(principal: Principal | None, author_id: object) -> bool:
    return (
        principal is not None and principal.user_id is not None and author_id == principal.user_id
    )


def may_log_interaction(principal: Principal | None) -> bool:
    """Agents and admins log calls, meetings, visits …; reviewers only read them."""
    return is_agent(principal)


def may_edit_interaction(principal: Principal | None, row: Interaction) -> bool:
    """The author (still an agent or admin), or an admin."""
    return is_admin(principal) or (is_agent(principal) and _is_author(principal, row.author_id))


def may_delete_interaction(principal: Principal | None) -> bool:
    """Admins only (soft: the row and its revisions stay for the audit trail)."""
    return is_admin(principal)


def may_add_customer_note(principal: Principal | None) -> bool:
    """Every staff member, reviewers included (like their internal notes on tickets)."""
    return is_staff(principal)


def may_edit_customer_note(principal: Principal | None, row: CustomerNote) -> bool:
    """The author, or an admin (notes migrated from the old string have no author)."""
    return is_admin(principal) or (is_staff(principal) and _is_author(principal, row.author_id))


def may_pin_customer_note(principal: Principal | None) -> bool:
    """Agents and admins decide what stays on top of a customer's notes."""
    return is_agent(principal)


def may_delete_customer_note(principal: Principal | None, row: CustomerNote) -> bool:
    return may_edit_customer_note(principal, row)
