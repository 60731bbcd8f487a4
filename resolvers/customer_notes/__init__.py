"""Staff notes on a customer: entries with an author, rich text, a pin and revisions.

Never visible to customers (not even their existence): every read goes through
auth.policy.customer_note_scope / can_see_customer_note.
"""

from __future__ import annotations

from resolvers.customer_notes.change import (
    add_customer_note,
    delete_customer_note,
    pin_customer_note,
    update_customer_note,
)
from resolvers.customer_notes.legacy import legacy_note_body, write_legacy_notes
from resolvers.customer_notes.queries import customer_notes_page, visible_customer_notes

__all__ = [
    "add_customer_note",
    "customer_notes_page",
    "delete_customer_note",
    "legacy_note_body",
    "pin_customer_note",
    "update_customer_note",
    "visible_customer_notes",
    "write_legacy_notes",
]
