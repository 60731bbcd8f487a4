"""THE authorisation policy: who may list, read and write what.

- roles.py: role-only checks (is staff / admin / agent …), memoised per operation by
  decisions.py;
- scopes.py: per entity, a SQL where-clause of the rows a principal may list;
- reads.py: per entity, may this principal see this row, and which fields (customers
  see staff as a public profile: display name only);
- writes.py: may this principal create, change or delete it.

Resolvers, permission classes and subscription filters ask this package; nothing else
decides who sees what. The matrix is in README.md ("Who may do what").
"""

from __future__ import annotations

from auth.policy.decisions import RoleCheck, RoleDecisions
from auth.policy.reads import (
    STAFF_PRIVATE_FIELDS,
    USER_PUBLIC_FIELDS,
    UserView,
    can_see_api_key,
    can_see_article,
    can_see_article_drafts,
    can_see_attachment,
    can_see_audit_entry,
    can_see_customer,
    can_see_deleted_customers,
    can_see_feedback,
    can_see_internal_messages,
    can_see_job,
    can_see_message,
    can_see_sla_policies,
    can_see_team,
    can_see_ticket,
    can_see_user,
    user_view,
)
from auth.policy.roles import (
    AGENT_ROLES,
    STAFF_ROLES,
    is_admin,
    is_agent,
    is_customer,
    is_reviewer,
    is_signed_in,
    is_staff,
)
from auth.policy.scopes import (
    api_key_scope,
    article_scope,
    attachment_scope,
    audit_scope,
    customer_scope,
    job_scope,
    message_scope,
    team_scope,
    ticket_scope,
    user_scope,
)
from auth.policy.tools import (
    may_approve_tool_run,
    may_manage_tools,
    may_read_tools,
    may_run_tool,
)
from auth.policy.writes import (
    CUSTOMER_EDITABLE_CUSTOMER_FIELDS,
    may_attach_upload,
    may_change_ticket_status,
    may_create_customer,
    may_create_ticket,
    may_delete_attachment,
    may_edit_customer,
    may_edit_message,
    may_file_on_message,
    may_manage_accounts,
    may_rate_ticket,
    may_review_articles,
    may_work_tickets,
    may_write_articles,
    message_visibilities,
    writes_as_customer,
)

__all__ = [
    "AGENT_ROLES",
    "CUSTOMER_EDITABLE_CUSTOMER_FIELDS",
    "STAFF_PRIVATE_FIELDS",
    "STAFF_ROLES",
    "USER_PUBLIC_FIELDS",
    "RoleCheck",
    "RoleDecisions",
    "UserView",
    "api_key_scope",
    "article_scope",
    "attachment_scope",
    "audit_scope",
    "can_see_api_key",
    "can_see_article",
    "can_see_article_drafts",
    "can_see_attachment",
    "can_see_audit_entry",
    "can_see_customer",
    "can_see_deleted_customers",
    "can_see_feedback",
    "can_see_internal_messages",
    "can_see_job",
    "can_see_message",
    "can_see_sla_policies",
    "can_see_team",
    "can_see_ticket",
    "can_see_user",
    "customer_scope",
    "is_admin",
    "is_agent",
    "is_customer",
    "is_reviewer",
    "is_signed_in",
    "is_staff",
    "job_scope",
    "may_approve_tool_run",
    "may_attach_upload",
    "may_change_ticket_status",
    "may_create_customer",
    "may_create_ticket",
    "may_delete_attachment",
    "may_edit_customer",
    "may_edit_message",
    "may_file_on_message",
    "may_manage_accounts",
    "may_manage_tools",
    "may_rate_ticket",
    "may_read_tools",
    "may_review_articles",
    "may_run_tool",
    "may_work_tickets",
    "may_write_articles",
    "message_scope",
    "message_visibilities",
    "team_scope",
    "ticket_scope",
    "user_scope",
    "user_view",
    "writes_as_customer",
]
