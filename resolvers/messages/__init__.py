"""Messages on a ticket — the interaction log: public replies and internal notes."""

from __future__ import annotations

from resolvers.messages.access import can_see_message, can_see_ticket, customer_only_public
from resolvers.messages.add import add_message, post_message
from resolvers.messages.edit import edit_message
from resolvers.messages.queries import MessageFilter, messages_page

__all__ = [
    "MessageFilter",
    "add_message",
    "can_see_message",
    "can_see_ticket",
    "customer_only_public",
    "edit_message",
    "messages_page",
    "post_message",
]
