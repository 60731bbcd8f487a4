"""Interactions logged on a customer outside tickets: calls, meetings, e-mails sent
elsewhere, chats on other channels, visits. Edited with revisions, deleted softly."""

from __future__ import annotations

from resolvers.interactions.change import delete_interaction, log_interaction, update_interaction
from resolvers.interactions.queries import interactions_page, visible_interactions
from resolvers.interactions.validation import KEEP, InteractionDraft

__all__ = [
    "KEEP",
    "InteractionDraft",
    "delete_interaction",
    "interactions_page",
    "log_interaction",
    "update_interaction",
    "visible_interactions",
]
