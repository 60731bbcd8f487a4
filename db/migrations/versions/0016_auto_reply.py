"""Auto-reply policies, and the approver of an AI-authored message

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 17:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auto_reply_policies',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('team_id', sa.UUID(), nullable=True),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('min_confidence', sa.Float(), server_default=sa.text('0.8'), nullable=False),
    sa.Column('min_groundedness', sa.Float(), server_default=sa.text('0.8'), nullable=False),
    sa.Column('updated_by_id', sa.UUID(), nullable=True),
    sa.CheckConstraint('min_confidence BETWEEN 0 AND 1', name=op.f('ck_auto_reply_policies_confidence_range')),
    sa.CheckConstraint('min_groundedness BETWEEN 0 AND 1', name=op.f('ck_auto_reply_policies_groundedness_range')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_auto_reply_policies_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_auto_reply_policies_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auto_reply_policies'))
    )
    op.create_index(
        'uq_auto_reply_policies_scope',
        'auto_reply_policies',
        [sa.text("coalesce(channel, '')"), sa.text("coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)")],
        unique=True,
    )
    op.add_column('ticket_messages', sa.Column('approved_by_id', sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f('fk_ticket_messages_approved_by_id_users'), 'ticket_messages', 'users',
        ['approved_by_id'], ['id'], ondelete='SET NULL',
    )


def downgrade() -> None:
    op.drop_constraint(op.f('fk_ticket_messages_approved_by_id_users'), 'ticket_messages', type_='foreignkey')
    op.drop_column('ticket_messages', 'approved_by_id')
    op.drop_index('uq_auto_reply_policies_scope', table_name='auto_reply_policies')
    op.drop_table('auto_reply_policies')
