"""Who may see and act on AI reply suggestions, and who sets the auto-reply policy.

Suggestions are staff material: customers never see one (only a reply an agent sent, or the
policy auto-sent, as a message). Agents and admins request, edit, accept and reject them
(accepting posts a public reply, which reviewers may not write); any staff member may rate
one. Admins set when a draft may be sent without a human.
"""

from __future__ import annotations

from auth.policy.roles import is_admin, is_agent, is_staff
from auth.principal import Principal

__all__ = [
    "can_see_ai_suggestions",
    "may_decide_ai_suggestion",
    "may_rate_ai_suggestion",
    "may_set_auto_reply",
]


def can_see_ai_suggestions(principal: Principal | None) -> bool:
    return is_staff(principal)


def may_decide_ai_suggestion(principal: Principal | None) -> bool:
    """Request, edit, accept, reject, mark reviewed."""
    return is_agent(principal)


def may_rate_ai_suggestion(principal: Principal | None) -> bool:
    return is_staff(principal)


def may_set_auto_reply(principal: Principal | None) -> bool:
    return is_admin(principal)
