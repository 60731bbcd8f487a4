"""GraphQL documents and a KB fixture shared by the AI reply draft tests: a published public
article the offline draft can cite, and a customer question it answers."""

from __future__ import annotations

from typing import Any

from app import Runtime
from tests.conftest import ApiClient
from tests.resolvers import kb_helpers

ERRORS = "errors { field code message }"
SUGGESTION_FIELDS = """
  id status action confidence language text currentVersion
  versions { number text diff author { name } }
  sources { id title cited article { id title } }
  citations validation { passed reasons } groundedness citationCoverage
  provider model promptVersion pipelineVersion needsReview rating editDistance
"""

ARTICLE_TITLE = "Reset your password"
ARTICLE_BODY = (
    "<h2>Reset your password</h2>"
    "<p>To reset your password, open Settings, choose Security and click Reset password. "
    "We send a reset link to your e-mail address; the link is valid for 24 hours.</p>"
)
QUESTION = "How do I reset my password? I cannot find the reset link."

CREATE_TICKET = f"""
mutation ($input: CreateTicketInput!) {{
  createTicket(input: $input) {{ ticket {{ id status }} {ERRORS} }}
}}
"""
REQUEST_DRAFT = f"""
mutation ($input: RequestReplyDraftInput!) {{
  requestReplyDraft(input: $input) {{ job {{ id kind status }} {ERRORS} }}
}}
"""
TICKET_SUGGESTIONS = f"""
query ($id: ID!) {{
  ticket(id: $id) {{ id aiSuggestions(first: 10) {{ totalCount edges {{ node {{
    {SUGGESTION_FIELDS}
  }} }} }} }}
}}
"""
SUGGESTION = f"""
query ($id: ID!) {{ aiSuggestion(id: $id) {{ {SUGGESTION_FIELDS} }} }}
"""
EDIT = f"""
mutation ($input: EditAiSuggestionInput!) {{
  editAiSuggestion(input: $input) {{ suggestion {{ {SUGGESTION_FIELDS} }} {ERRORS} }}
}}
"""
ACCEPT = f"""
mutation ($input: AcceptAiSuggestionInput!) {{
  acceptAiSuggestion(input: $input) {{
    suggestion {{ id status editDistance }}
    message {{ id bodyText authorKind visibility approvedBy {{ name }} }}
    {ERRORS}
  }}
}}
"""
REJECT = f"""
mutation ($input: RejectAiSuggestionInput!) {{
  rejectAiSuggestion(input: $input) {{ suggestion {{ id status }} {ERRORS} }}
}}
"""
RATE = f"""
mutation ($input: RateAiSuggestionInput!) {{
  rateAiSuggestion(input: $input) {{ suggestion {{ id rating }} {ERRORS} }}
}}
"""
MARK_REVIEWED = f"""
mutation ($input: MarkAiSuggestionReviewedInput!) {{
  markAiSuggestionReviewed(input: $input) {{ suggestion {{ id status needsReview }} {ERRORS} }}
}}
"""
SET_POLICY = f"""
mutation ($input: SetAutoReplyPolicyInput!) {{
  setAutoReplyPolicy(input: $input) {{
    policy {{ channel teamId enabled minConfidence minGroundedness }} {ERRORS}
  }}
}}
"""
POLICIES = "query { autoReplyPolicies { channel enabled minConfidence minGroundedness } }"
TICKET_MESSAGES = """
query ($id: ID!) {
  ticket(id: $id) { status firstRespondedAt messages { edges { node {
    bodyText authorKind authorName approvedBy { name }
  } } } }
}
"""
ADD_MESSAGE = f"""
mutation ($input: AddMessageInput!) {{ addMessage(input: $input) {{ message {{ id }} {ERRORS} }} }}
"""


async def publish_help_article(author: ApiClient, reviewer: ApiClient, runtime: Runtime) -> str:
    """The password article, published and indexed (its kb.index_version job has run)."""
    created = await kb_helpers.create(
        author, title=ARTICLE_TITLE, body=ARTICLE_BODY, audience="PUBLIC"
    )
    article_id: str = created["article"]["id"]
    await kb_helpers.publish(author, reviewer, article_id)
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    return article_id


async def open_ticket(customer: ApiClient, question: str = QUESTION) -> str:
    data = await customer.data(
        CREATE_TICKET, {"input": {"subject": "Password reset", "body": question}}
    )
    payload = data["createTicket"]
    assert payload["errors"] == []
    ticket_id: str = payload["ticket"]["id"]
    return ticket_id


async def request_draft(agent: ApiClient, ticket_id: str, **extra: Any) -> dict[str, Any]:
    data = await agent.data(REQUEST_DRAFT, {"input": {"ticketId": ticket_id, **extra}})
    payload: dict[str, Any] = data["requestReplyDraft"]
    return payload


async def drafted(agent: ApiClient, runtime: Runtime, ticket_id: str) -> list[dict[str, Any]]:
    """Run the queued jobs; the ticket's suggestions, newest first."""
    assert runtime.jobs is not None
    await runtime.jobs.drain()
    data = await agent.data(TICKET_SUGGESTIONS, {"id": ticket_id})
    return [edge["node"] for edge in data["ticket"]["aiSuggestions"]["edges"]]
