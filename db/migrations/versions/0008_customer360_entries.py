"""customer 360: notes become entries, interaction attachments, timeline indexes

Every non-empty `customers.notes` value becomes the customer's first note entry (no
author, dated at the customer's `updated_at`, the text kept verbatim as `body_text` and
escaped into `body_html`), then the column goes: the entries are the one source.

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-26 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None

# The plain text escaped for HTML; line breaks kept as <br>.
_AS_HTML = (
    "'<p>' || replace(replace(replace(replace(replace(c.notes, '&', '&amp;'), '<', '&lt;'),"
    " '>', '&gt;'), E'\\r\\n', '<br>'), E'\\n', '<br>') || '</p>'"
)


def upgrade() -> None:
    op.execute(
        "INSERT INTO customer_notes"
        " (id, customer_id, author_id, body_html, body_text, pinned, deleted_at,"
        " created_at, updated_at)"
        f" SELECT gen_random_uuid(), c.id, NULL, {_AS_HTML}, c.notes, false, NULL,"
        " c.updated_at, c.updated_at"
        " FROM customers c WHERE c.notes <> ''"
    )
    op.drop_column("customers", "notes")

    op.alter_column("attachments", "ticket_id", existing_type=sa.UUID(), nullable=True)
    op.add_column("attachments", sa.Column("interaction_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_attachments_interaction_id_interactions"),
        "attachments",
        "interactions",
        ["interaction_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index("ix_attachments_interaction_id", "attachments", ["interaction_id"])
    op.create_check_constraint(
        op.f("ck_attachments_has_owner"),
        "attachments",
        "ticket_id IS NOT NULL OR interaction_id IS NOT NULL",
    )
    op.create_index(
        "ix_customer_notes_customer_created", "customer_notes", ["customer_id", "created_at", "id"]
    )
    op.create_index(
        "ix_audit_log_object_created", "audit_log", ["object_type", "object_id", "created_at"]
    )
    op.create_index("ix_tickets_customer_solved", "tickets", ["customer_id", "solved_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_customer_solved", table_name="tickets")
    op.drop_index("ix_audit_log_object_created", table_name="audit_log")
    op.drop_index("ix_customer_notes_customer_created", table_name="customer_notes")
    op.execute("DELETE FROM attachments WHERE ticket_id IS NULL")
    op.drop_constraint(op.f("ck_attachments_has_owner"), "attachments", type_="check")
    op.drop_index("ix_attachments_interaction_id", table_name="attachments")
    op.drop_constraint(
        op.f("fk_attachments_interaction_id_interactions"), "attachments", type_="foreignkey"
    )
    op.drop_column("attachments", "interaction_id")
    op.alter_column("attachments", "ticket_id", existing_type=sa.UUID(), nullable=False)

    # Back to one string: the oldest live entry's text goes back into the column and the
    # entry is removed (so upgrading again does not duplicate it); later entries stay.
    op.add_column(
        "customers", sa.Column("notes", sa.Text(), server_default="", nullable=False)
    )
    op.execute(
        "WITH first AS (SELECT DISTINCT ON (customer_id) id, customer_id, body_text"
        " FROM customer_notes WHERE deleted_at IS NULL ORDER BY customer_id, created_at, id),"
        " moved AS (UPDATE customers c SET notes = first.body_text FROM first"
        " WHERE c.id = first.customer_id RETURNING first.id)"
        " DELETE FROM customer_notes WHERE id IN (SELECT id FROM moved)"
    )
